"""Format, duration, rating, lesson language, urgency, near_me."""

import pytest

from tests.unit.nls_check import DEFAULTS, NOW, check, nls  # noqa: F401


@pytest.mark.parametrize(
    "q,fmt",
    [
        ("online", "online"),
        ("virtual", "online"),
        ("virtually", "online"),
        ("zoom", "online"),
        ("remote", "online"),
        ("over video", "online"),
        ("facetime", "online"),
        ("skype", "online"),
        ("in person", "in_person"),
        ("in-person", "in_person"),
        ("at home", "in_person"),
        ("at my home", "in_person"),
        ("in my home", "in_person"),
        ("home visit", "in_person"),
        ("face to face", "in_person"),
        ("come to my place", "in_person"),
    ],
)
def test_format(q, fmt):
    check(q, format=fmt)


def test_online_or_in_person_gives_no_format():
    check("online or in person")
    check("in person or online")
    check("piano online or in-person", service="piano", category="music")


@pytest.mark.parametrize(
    "q,minutes",
    [
        ("30 min", 30),
        ("45 minute", 45),
        ("hour-long", 60),
        ("one hour", 60),
        ("1 hour", 60),
        ("1.5 hour", 90),
        ("90 minutes", 90),
        ("2 hours", 120),
        ("half hour", 30),
        ("half-hour", 30),
        ("30-minute", 30),
        ("hour and a half", 90),
        ("60 min", 60),
    ],
)
def test_duration(q, minutes):
    check(q, duration_minutes=minutes)


@pytest.mark.parametrize(
    "q,minutes",
    [
        ("sitting at a desk 10 hours a day, something 30 min", 30),
        ("nobody has slept more than 2 hours in a row", None),
        ("he games 3 hours every night", None),
        ("i walk 45 minutes each day", None),
        ("1 hour lessons, i practice 20 minutes per day", 60),
    ],
)
def test_a_routine_or_a_streak_is_no_lesson_length(q, minutes):
    assert nls.parse(q, now=NOW)["duration_minutes"] == minutes


@pytest.mark.parametrize(
    "q,rating",
    [
        ("4+ stars", 4),
        ("4 stars and up", 4),
        ("rated 4.5 or higher", 4.5),
        ("at least 4.5 stars", 4.5),
        ("top rated", 4.5),
        ("top-rated", 4.5),
        ("highly rated", 4.5),
        ("best rated", 4.5),
        ("well reviewed", 4.5),
        ("5-star", 4.5),
        ("5 stars", 5),
        ("4.8+ rating", 4.8),
    ],
)
def test_rating(q, rating):
    check(q, min_rating=rating)


@pytest.mark.parametrize(
    "q,lang",
    [
        ("in spanish", "spanish"),
        ("taught in mandarin", "mandarin"),
        ("spanish-speaking", "spanish"),
        ("spanish speaking", "spanish"),
        ("who speaks french", "french"),
        ("bilingual in korean", "korean"),
        ("in russian", "russian"),
    ],
)
def test_lesson_language(q, lang):
    check(q, lesson_language=lang)


def test_language_vs_service():
    check("guitar lessons in spanish", service="guitar", category="music", lesson_language="spanish")
    check("spanish lessons", service="spanish", category="languages")
    check("learn french", service="french", category="languages")
    check("math tutor who speaks mandarin", service="math", category="tutoring", lesson_language="mandarin")


@pytest.mark.parametrize(
    "q,urgency",
    [
        ("asap", "high"),
        ("as soon as possible", "high"),
        ("urgent", "high"),
        ("urgently", "high"),
        ("right now", "high"),
        ("immediately", "high"),
        ("emergency", "high"),
        ("soon", "medium"),
        ("earliest", "medium"),
        ("first available", "medium"),
        ("soonest", "medium"),
    ],
)
def test_urgency(q, urgency):
    check(q, urgency=urgency)


@pytest.mark.parametrize(
    "q",
    [
        "near me",
        "nearby",
        "close to me",
        "close by",
        "around me",
        "in my area",
    ],
)
def test_near_me(q):
    check(q, near_me=True)


def test_walking_distance_is_near_me_within_three_quarters_of_a_mile():
    check("walking distance", near_me=True, within_miles=0.75)


def test_in_person_is_not_a_place():
    check("in person tennis", service="tennis", category="sports", format="in_person")


def test_near_me_without_a_service():
    from nls import parse

    assert parse("lessons near me")["near_me"] is True


def test_nothing_over_is_a_maximum():
    from nls import parse

    got = parse("guitar teacher nothing over 40 dollars")
    assert (got["price_min"], got["price_max"]) == (None, 40)
