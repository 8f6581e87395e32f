"""Spanish queries are read through English (reference: Thursday 2026-11-26 10:00 New York)."""

import os

import pytest

os.environ["NLS_STRICT"] = "1"
import nls  # noqa: E402
from tests.unit.nls_check import NOW  # noqa: E402  (written by hand, never taken from nls)


def test_a_spanish_query_reads_like_its_english():
    r = nls.parse("clases de piano para mi hijo de 9 años en Astoria los domingos por la tarde", now=NOW)
    assert r["query"].startswith("clases de piano")  # the query stays as typed
    assert (r["service"], r["age"], r["audience"]) == ("piano", 9, "kids")
    assert r["location"] == {"borough": "queens", "neighborhood": "astoria"}
    assert (r["weekdays"], r["start_time"], r["end_time"]) == ([6], "12:00", "17:00")


@pytest.mark.parametrize(
    "q,field,value",
    [
        ("necesito clases de natación para adultos, soy principiante", "service", "swimming"),
        ("necesito clases de natación para adultos, soy principiante", "level", "beginner"),
        ("busco una maestra de inglés en el Bronx por la noche", "service", "english-esl-efl"),
        ("busco una maestra de inglés en el Bronx por la noche", "start_time", "17:00"),
        ("quiero clases de guitarra con un profesor que hable español", "lesson_language", "spanish"),
        ("clases de boxeo en Brooklyn menos de 60 dolares", "price_max", 60),
        ("clases de boxeo en Brooklyn menos de 60 dolares", "service", "boxing"),
    ],
)
def test_spanish_words_for_services_and_conditions(q, field, value):
    assert nls.parse(q, now=NOW)[field] == value


@pytest.mark.parametrize("q", ["de blasio park tennis", "piano lessons for my daughter in la", "la fitness yoga"])
def test_an_english_query_with_a_spanish_looking_word_stays_english(q):
    assert nls.parse_with_reading(q, now=NOW)[1].english is None
