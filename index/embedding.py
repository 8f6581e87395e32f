"""Run-time text embedder: all-MiniLM-L6-v2 on onnxruntime + tokenizers + numpy.

Imported by the API process, so this module must NEVER import torch,
transformers or sentence_transformers (a test enforces it). The ONNX model is
produced once at setup time by ``python -m index.export_onnx`` (``make model``).

Output matches ``SentenceTransformer.encode(normalize_embeddings=True)``:
mean pooling over the attention mask, L2 normalisation, truncation at 256
tokens, float32, 384 dims.

Two exports of the same model sit side by side: ``model.onnx`` (float32) and
``model.int8.onnx`` (its weights quantized to int8 by onnxruntime's dynamic
quantization, made by the export). int8 is the default (EMBEDDING_PRECISION):
measured on this 2-core box, a query embedding inside a search took 1.6-1.8 ms
instead of 3.6-4.3 ms (the 23 MB of int8 weights stay in cache between
searches; the 90 MB of float32 ones do not) and the index builds about three
times as fast, for a change of nDCG@10 on the judged dev splits of -0.002
(389 queries, 27 better / 28 worse, paired p = 0.67). Its vectors are within
cosine 0.95 of float32's on average, so documents and queries must come from the
same export: `model_tag` names it, and the index build re-embeds every document
stored under another tag.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = PROJECT_ROOT / "var" / "models" / "all-MiniLM-L6-v2"

EMBEDDING_DIM = 384
MAX_LENGTH = 256
QUERY_CACHE_SIZE = 4096
# The model file of each precision, in the model folder.
MODEL_FILES = {"int8": "model.int8.onnx", "float32": "model.onnx"}
DEFAULT_PRECISION = "int8"


def precision_setting(value: str | None = None) -> str:
    """`value`, else EMBEDDING_PRECISION (int8 or float32; int8 when unset), checked."""
    value = (value or os.environ.get("EMBEDDING_PRECISION", DEFAULT_PRECISION)).strip().lower()
    if value not in MODEL_FILES:
        raise ValueError(
            f"embedding precision (EMBEDDING_PRECISION) must be one of {', '.join(MODEL_FILES)}, not {value!r}"
        )
    return value


def model_tag(precision: str | None = None) -> str:
    """What stored document vectors were embedded with: the model and its precision."""
    return f"all-MiniLM-L6-v2:{precision_setting(precision)}"


# One intra-op thread for a query. A query is a dozen tokens: the run is bound by reading the int8
# weights, not by arithmetic, and a second thread, woken for each of the ~100 operators (it no longer
# spins between them, below), costs more CPU than it saves time. Measured on this 2-core box (300 short
# queries, three interleaved rounds, a build running beside them): 1 thread 1.42 ms of wall and 1.41 ms
# of CPU a query; 2 threads 1.70-1.82 ms of wall and 2.06-2.19 of CPU. The index build runs its batches
# on every core (index/build.py), where the matrices are large enough to share.
DEFAULT_THREADS = 1


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    unit: np.ndarray = (rows / np.clip(norms, 1e-12, None)).astype(np.float32, copy=False)
    return unit


class ModelNotExported(RuntimeError):
    """The ONNX model (or its tokenizer) has not been exported yet."""


def _normalize_query(text: str) -> str:
    # Lossless for this model: the BERT normalizer lower-cases and the
    # pre-tokenizer splits on any whitespace.
    return " ".join(text.split()).lower()


class Embedder:
    def __init__(
        self, model_dir: Path | None = None, threads: int = DEFAULT_THREADS, precision: str | None = None
    ) -> None:
        self.model_dir = Path(model_dir) if model_dir is not None else MODEL_DIR
        self.precision = precision_setting(precision)
        self.tag = model_tag(self.precision)
        onnx_path = self.model_path = self.model_dir / MODEL_FILES[self.precision]
        tok_path = self.model_dir / "tokenizer.json"
        missing = [p.name for p in (onnx_path, tok_path) if not p.is_file()]
        if missing:
            raise ModelNotExported(
                f"Embedding model not found: missing {', '.join(missing)} in {self.model_dir}. "
                "Export it once with `python -m index.export_onnx` (or `make model`)."
            )

        self.max_length = MAX_LENGTH
        meta_path = self.model_dir / "meta.json"
        if meta_path.is_file():
            try:
                meta = json.loads(meta_path.read_text())
                self.max_length = int(meta.get("max_length", MAX_LENGTH))
                dims = int(meta.get("dims", EMBEDDING_DIM))
            except (OSError, ValueError, TypeError):
                dims = EMBEDDING_DIM
            if dims != EMBEDDING_DIM:
                raise ModelNotExported(
                    f"{meta_path} says dims={dims}, expected {EMBEDDING_DIM}; "
                    "re-export with `python -m index.export_onnx --force`."
                )

        self.tokenizer = Tokenizer.from_file(str(tok_path))
        # The packaged tokenizer.json ships with truncation=128 and fixed
        # padding to 128; sentence-transformers uses 256 and pads per batch.
        self.tokenizer.enable_truncation(max_length=self.max_length)
        pad_id = self.tokenizer.token_to_id("[PAD]")
        self.tokenizer.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token="[PAD]")

        self.threads = int(threads)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # onnxruntime's worker thread spins after each run, waiting for the next: in the API it burned
        # ~0.6 of a core between searches, taking it from Postgres on a 2-core box. Measured over HTTP at
        # 10k instructors, 100 sequential uncached searches: 38-43 ms each spinning, 27-30 ms not.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(onnx_path), sess_options=opts, providers=["CPUExecutionProvider"])
        self._input_names = {i.name for i in self.session.get_inputs()}
        self._output_name = self.session.get_outputs()[0].name

        self._cached_query = functools.lru_cache(maxsize=QUERY_CACHE_SIZE)(self._embed_normalized_query)

    # -- core ---------------------------------------------------------------

    def _token_sums(self, texts: list[str]) -> np.ndarray:
        """Per text, the sum of its token vectors over the attention mask: mean pooling before the
        division, which a unit vector does not need (unit(sum) = unit(mean))."""
        encs = self.tokenizer.encode_batch(texts)
        ids = np.asarray([e.ids for e in encs], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encs], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run([self._output_name], feeds)[0]  # (b, seq, 384)
        summed: np.ndarray = (hidden * mask.astype(np.float32)[:, :, None]).sum(axis=1)
        return summed

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        return _unit(self._token_sums(texts))

    def _in_length_batches(
        self, texts: list[str], batch_size: int, encode: Callable[[list[str]], np.ndarray]
    ) -> np.ndarray:
        """encode() over batches of texts of similar length (each batch pads to its longest: less
        wasted compute), returned in the caller's order."""
        out = np.empty((len(texts), EMBEDDING_DIM), dtype=np.float32)
        batch_size = max(1, int(batch_size))
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            out[idx] = encode([texts[i] for i in idx])
        return out

    def embed(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Embed texts -> float32 (n, 384), L2-normalised."""
        if isinstance(texts, str):
            raise TypeError("embed() takes a list of strings; use embed_query() for one text")
        return self._in_length_batches(list(texts), batch_size, self._embed_batch)

    def token_sums(self, texts: Iterable[str], batch_size: int = 16) -> dict[str, np.ndarray]:
        """Each distinct text's summed token vectors (see embed_composed)."""
        distinct = sorted(set(texts))
        return dict(zip(distinct, self._in_length_batches(distinct, batch_size, self._token_sums), strict=True))

    def embed_composed(
        self,
        documents: Sequence[Sequence[str]],
        batch_size: int = 16,
        known: Mapping[str, np.ndarray] | None = None,
    ) -> np.ndarray:
        """One unit vector per document given as parts: the mean of the token vectors of all its
        parts, each part encoded on its own. Instructor-service rows repeat their service and
        audience parts (224 services, about 100 audiences) and an instructor's rows repeat the bio,
        so each distinct part is encoded once: half the tokens of encoding every row whole, and
        `known` (token_sums of the shared parts) spares encoding those again chunk after chunk.
        The vectors differ from whole-text ones (mean cosine ~0.91: a part's tokens do not attend
        to the other parts'); on the judged dev splits they ranked no worse (README)."""
        known = known or {}
        sums = self.token_sums((part for doc in documents for part in doc if part not in known), batch_size)
        out = np.zeros((len(documents), EMBEDDING_DIM), dtype=np.float32)
        for row, doc in zip(out, documents, strict=True):
            for part in doc:
                row += known[part] if part in known else sums[part]
        return _unit(out)

    def _embed_normalized_query(self, key: str) -> np.ndarray:
        vec: np.ndarray = self._embed_batch([key])[0].copy()  # own its memory, detached from the batch
        vec.setflags(write=False)
        return vec

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one query -> read-only float32 (384,), LRU-cached on the normalised text."""
        vector: np.ndarray = self._cached_query(_normalize_query(text))
        return vector

    def cache_info(self) -> functools._CacheInfo:
        return self._cached_query.cache_info()

    def cache_clear(self) -> None:
        self._cached_query.cache_clear()


_embedder: Embedder | None = None
_embedder_lock = threading.Lock()


def get_embedder() -> Embedder:
    """Process-wide lazily created Embedder (thread-safe)."""
    global _embedder
    emb = _embedder
    if emb is None:
        with _embedder_lock:
            emb = _embedder
            if emb is None:
                emb = _embedder = Embedder()
    return emb
