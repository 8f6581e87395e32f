"""Service and category: names, synonyms, families, typos, first-named wins."""

import json
import os
from pathlib import Path

import pytest

os.environ["NLS_STRICT"] = "1"
import nls  # noqa: E402
from tests.unit.nls_check import DEFAULTS, NOW  # noqa: E402  (written by hand, never taken from nls)

ROOT = Path(__file__).resolve().parents[2]


def check(q, **expected):
    """Assert the expected fields and that every other field keeps its default."""
    r = nls.parse(q, now=NOW)
    want = {**DEFAULTS, **expected}
    got = {k: v for k, v in r.items() if k not in ("query", "text")}
    assert got == want, q
    return r


@pytest.mark.parametrize(
    "q,service,category",
    [
        ("piano lessons", "piano", "music"),
        ("guitar teacher", "guitar", "music"),
        ("singing lessons", "voice-singing", "music"),
        ("voice coach", "voice-singing", "music"),
        ("drums", "drums-percussion", "music"),
        ("jiu jitsu", "jiu-jitsu", "sports"),
        ("ju jitsu", "jiu-jitsu", "sports"),
        ("bjj", "jiu-jitsu", "sports"),
        ("brazilian jiu-jitsu", "jiu-jitsu", "sports"),
        ("pilates", "pilates", "sports"),
        ("swim lessons", "swimming", "sports"),
        ("sat prep", "sat", "tutoring"),
        ("SAT tutor", "sat", "tutoring"),
        ("mcat", "mcat", "tutoring"),
        ("calc tutor", "calculus", "tutoring"),
        ("coding for kids", "kids-coding-scratch", "tutoring"),
        ("scratch programming", "kids-coding-scratch", "tutoring"),
        ("spanish lessons", "spanish", "languages"),
        ("learn french", "french", "languages"),
        ("esl classes", "english-esl-efl", "languages"),
        ("hip-hop dance", "hip-hop", "dance"),
        ("k-pop", "k-pop", "dance"),
        ("paint and sip", "paint-sip", "arts"),
        ("tae kwon do", "taekwondo", "sports"),
        ("muay thai", "muay-thai", "sports"),
        ("ap calc", "calculus", "tutoring"),
        ("homework help", "homework-help", "tutoring"),
        ("dog training", "dog-training", "hobbies"),
        ("wine tasting", "wine-tasting", "hobbies"),
        ("french horn", "french-horn", "music"),
        ("double bass", "double-bass", "music"),
        ("ukulele", "ukulele", "music"),
        ("chess", "chess", "sports"),
        ("python", "python", "tutoring"),
        ("hindi", "hindi-urdu", "languages"),
        ("ceramics", "pottery", "arts"),
        ("drivers ed", "driving", "hobbies"),
    ],
)
def test_service_names_and_synonyms(q, service, category):
    r = nls.parse(q, now=NOW)
    assert (r["service"], r["category"]) == (service, category), q


@pytest.mark.parametrize(
    "q,service,category",
    [
        ("guiter lessons", "guitar", "music"),
        ("paino lessons", "piano", "music"),
        ("calculas tutor", "calculus", "tutoring"),
        ("violen teacher", "violin", "music"),
        ("ukelele", "ukulele", "music"),
        ("saxaphone", "saxophone", "music"),
        ("geomtry help", "geometry", "tutoring"),
        ("chemestry tutor", "chemistry", "tutoring"),
        ("jui jitsu", "jiu-jitsu", "sports"),
    ],
)
def test_typos(q, service, category):
    check(q, service=service, category=category)


@pytest.mark.parametrize(
    "q,service",
    [
        ("voic lessons", "voice-singing"),  # a five-letter service word missing a letter
        ("pian teacher", "piano"),
        ("drms for my son", "drums-percussion"),
        ("yoag class", "yoga"),  # two swapped keys of a four-letter one
        ("gofl lessons", "golf"),
        ("jduo for kids", "judo"),
    ],
)
def test_four_letter_slips_of_a_service_word(q, service):
    assert nls.parse(q, now=NOW)["service"] == service


@pytest.mark.parametrize("q", ["xzqv pplm mmk", "asdf", "bday party", "etsy shop", "qwer tyui"])
def test_other_four_letter_strings_are_no_service(q):
    # one free edit would turn most four-letter strings into some word: only the two likeliest slips count
    assert nls.parse(q, now=NOW)["service"] is None


@pytest.mark.parametrize(
    "q,category",
    [
        ("a music teacher", "music"),
        ("tutoring", "tutoring"),
        ("sports coach", "sports"),
        ("painting", "arts"),
        ("martial arts", "sports"),
        ("test prep", "tutoring"),
        ("cooking", "hobbies"),
        ("dance classes", "dance"),
        ("art class", "arts"),
        ("language lessons", "languages"),
        ("chinese lessons", "languages"),
    ],
)
def test_category_alone(q, category):
    check(q, category=category)


def test_two_services_first_wins():
    check("piano or guitar", service="piano", category="music")
    check("guitar or piano", service="guitar", category="music")


def test_service_beats_family_word():
    check("martial arts like karate", service="karate", category="sports")


def test_kids_phrase_sets_audience():
    check("coding for kids", service="kids-coding-scratch", category="tutoring", audience="kids")


def test_common_words_not_fuzzed():
    for q in ("hello there", "my chest hurts", "class schedule", "someone patient"):
        r = nls.parse(q, now=NOW)
        assert r["service"] is None and r["category"] is None, q


def test_synonyms_file_valid():
    syn = json.loads((ROOT / "data/fixtures/synonyms.json").read_text())
    cat = json.loads((ROOT / "data/fixtures/catalog.json").read_text())
    slugs = {s["slug"] for c in cat["categories"] for sub in c["subcategories"] for s in sub["services"]}
    cats = {c["slug"] for c in cat["categories"]}
    assert set(syn["services"]) <= slugs
    assert len(syn["services"]) >= 150
    assert set(syn["families"]) <= cats
    for slug, words in syn["services"].items():
        assert words and all(isinstance(w, str) and w.strip() for w in words), slug


def test_every_catalog_service_name_parses_to_itself():
    cat = json.loads((ROOT / "data/fixtures/catalog.json").read_text())
    for c in cat["categories"]:
        for sub in c["subcategories"]:
            for s in sub["services"]:
                r = nls.parse(s["name"] + " lessons", now=NOW)
                assert r["service"] == s["slug"], s["name"]
                assert r["category"] == c["slug"], s["name"]


@pytest.mark.parametrize(
    "q,service",
    [
        ("improve my english for work", "english-esl-efl"),  # a learner of the language
        ("business english coach", "english-esl-efl"),
        ("practice english conversation online", "english-esl-efl"),
        ("help with my english homework", "english"),  # the school subject
        ("english tutor for my son", "english"),
    ],
)
def test_english_as_a_language_or_as_a_school_subject(q, service):
    assert nls.parse(q, now=NOW)["service"] == service


@pytest.mark.parametrize(
    "q,service",
    [
        ("something to get my 8 year old running around with other kids", None),  # a phrasal verb
        ("we're always running late, online lessons please", None),
        ("need a place where my twins can run around on saturdays", None),
        ("running coach for my first marathon", "running"),
        ("learn to run a 5k", "running"),
    ],
)
def test_run_around_and_running_late_are_not_running_lessons(q, service):
    assert nls.parse(q, now=NOW)["service"] == service
