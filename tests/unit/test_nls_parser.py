"""Whole-query parses, the contract shape, text, determinism."""

import json

from tests.unit.nls_check import DEFAULTS, NOW, check, nls  # noqa: F401


def test_contract_key_order():
    r = nls.parse("piano", now=NOW)
    assert tuple(r) == nls.FIELDS
    assert nls.FIELDS[0] == "query" and nls.FIELDS[-1] == "text"
    assert set(nls.ParsedQuery.__annotations__) == set(nls.FIELDS)


def test_contract_example():
    r = check(
        "piano for my 8 year old in park slope under $60 this saturday morning",
        service="piano",
        category="music",
        price_max=60,
        location={"borough": "brooklyn", "neighborhood": "park-slope"},
        dates=["2026-11-28"],
        start_time="06:00",
        end_time="12:00",
        age=8,
        audience="kids",
    )
    assert r["query"] == "piano for my 8 year old in park slope under $60 this saturday morning"
    assert r["text"] == ""


def test_full_queries():
    check(
        "cheap online spanish tutor for adult beginners asap",
        service="spanish",
        category="languages",
        price_intent="budget",
        format="online",
        audience="adults",
        level="beginner",
        urgency="high",
    )
    check(
        "top rated violin teacher near me weekday evenings",
        service="violin",
        category="music",
        near_me=True,
        weekdays=[0, 1, 2, 3, 4],
        start_time="17:00",
        end_time="21:00",
        min_rating=4.5,
    )
    check(
        "45 minute guitar lessons in spanish in astoria between $40 and $70",
        service="guitar",
        category="music",
        price_min=40,
        price_max=70,
        location={"borough": "queens", "neighborhood": "astoria"},
        duration_minutes=45,
        lesson_language="spanish",
    )
    check(
        "sat prep for my teen on tuesdays after school",
        service="sat",
        category="tutoring",
        weekdays=[1],
        start_time="15:00",
        end_time="18:00",
        audience="teens",
    )
    check(
        "bjj for kids under 10 in bed stuy tomorrow at 5",
        service="jiu-jitsu",
        category="sports",
        audience="kids",
        location={"borough": "brooklyn", "neighborhood": "bedford-stuyvesant"},
        dates=["2026-11-27"],
        start_time="17:00",
        end_time="18:00",
    )
    check(
        "in-home piano lessons for my 6yo on the upper east side, 30 min, $50/hr",
        service="piano",
        category="music",
        price_max=50,
        format="in_person",
        location={"borough": "manhattan", "neighborhood": "upper-east-side"},
        duration_minutes=30,
        age=6,
        audience="kids",
    )


def test_text_is_leftover_words():
    r = nls.parse("patient friendly piano teacher for my kid in williamsburg", now=NOW)
    assert r["service"] == "piano"
    assert r["text"] == "patient friendly"
    assert nls.parse("", now=NOW)["text"] == ""
    r = nls.parse("Piano with a FUN teacher", now=NOW)
    assert r["text"] == "fun"


def test_query_kept_verbatim():
    q = "  Piano\tLessons  "
    assert nls.parse(q, now=NOW)["query"] == q


def test_determinism():
    qs = ["piano this saturday", "guitar near me under $50", "sat prep next week", "", "🎹 asap"]
    for q in qs:
        a = nls.parse(q, now=NOW, tz="America/New_York")
        b = nls.parse(q, now=NOW, tz="America/New_York")
        assert json.dumps(a) == json.dumps(b)


def test_now_none_uses_current_time():
    r = nls.parse("today")
    assert r["dates"] and len(r["dates"]) == 1


def test_bad_tz_falls_back():
    r = nls.parse("today", now=NOW, tz="Not/AZone")
    assert r["dates"] == ["2026-11-26"]


def test_non_string_input():
    assert nls.parse(None, now=NOW)["query"] == ""
    assert nls.parse(b"piano", now=NOW)["service"] == "piano"
    assert nls.parse(123, now=NOW)["query"] == "123"


def test_json_serialisable():
    r = nls.parse("piano 4.5 stars $60.50 dec 5 at 3pm", now=NOW)
    assert json.loads(json.dumps(r)) == r


def test_filler_phrases_do_not_reach_text():
    r = check("private piano lessons 1 on 1", service="piano", category="music")
    assert r["text"] == ""


def test_long_input_truncated_for_extraction_but_query_kept():
    q = "piano in park slope " + "x " * 3000
    r = nls.parse(q, now=NOW)
    assert r["query"] == q and r["service"] == "piano"
    assert r["location"] == {"borough": "brooklyn", "neighborhood": "park-slope"}


def test_a_language_among_cooking_words_is_a_cuisine():
    # The cooking class, not the language; the language's name stays in the text (which cuisine).
    for q, kept in (
        ("i want learn cook korean food", "korean"),
        ("korean food", "korean"),
        ("a cooking class for our anniversary, something italian maybe", "italian"),
    ):
        r = nls.parse(q, now=NOW)
        assert (r["service"], r["category"]) == ("cuisines", "hobbies"), q
        assert kept in r["text"].split(), q
    # Speaking it, or the language's lessons: the language.
    for q, lang in (
        ("korean conversation over dinner", "korean"),
        ("spanish lessons for my chef", "spanish"),
        ("spanish lessons so i can read recipes", "spanish"),
        ("learn italian", "italian"),
        # a cook is often a person, and food where the language is needed (independent review)
        ("esl for line cooks", "english-esl-efl"),
        ("spanish for cooks", "spanish"),
        ("spanish for my cooking job", "spanish"),
        ("spanish for food service workers", "spanish"),
        ("mandarin for my nanny who cooks", "mandarin"),
        ("learn french before my food tour in paris", "french"),
        ("japanese for ordering food in tokyo", "japanese"),
        ("learn japanese, moving to tokyo and i love the food", "japanese"),
        ("korean with a native speaker, we can cook together", "korean"),
    ):
        assert nls.parse(q, now=NOW)["service"] == lang, q
