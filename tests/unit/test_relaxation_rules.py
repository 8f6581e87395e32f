"""Relaxation per result and the hands-on rule, on hand-built rows: what each card misses, how far
it is from the asked place and price, and what the student reads."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

from index import misses, rank
from index.candidates import Candidate
from index.constraints import ROW_RELAX_STAGES, Constraints


def row(slug="piano", in_person=55, online=45, hoods=("park-slope",), boroughs=(), rating=4.8, reviews=20):
    return Candidate(
        id="row-" + slug,
        profile_id="p-" + slug,
        price_in_person=float(in_person) if in_person is not None else None,
        price_online=float(online) if online is not None else None,
        duration_options=[60],
        levels=["beginner"],
        age_groups=["kids", "adults"],
        slug=slug,
        service_name=slug.title(),
        default_duration=60,
        category="music",
        rating_avg=float(rating),
        rating_count=reviews,
        languages=["english"],
        boroughs=list(boroughs),
        neighborhoods=list(hoods),
        full_name="Test Teacher",
        semantic=0.5,
        lexical=0.2,
    )


PARK_SLOPE = Constraints(
    service="piano",
    borough="brooklyn",
    neighborhood="park-slope",
    price_max=60,
    dates=(date(2026, 12, 5),),
    start_time=time(9),
    end_time=time(12),
)


def test_place_levels_step_from_the_neighborhood_to_online_to_the_borough_to_anywhere():
    in_person_only = {"online": None}
    assert misses.place_level(row(hoods=("park-slope",)), PARK_SLOPE) == misses.PLACE_IN
    assert misses.place_level(row(hoods=(), boroughs=("brooklyn",)), PARK_SLOPE) == misses.PLACE_IN
    # a teacher who does not come to Park Slope but teaches online: the online lesson is the nearer miss
    assert misses.place_level(row(hoods=("windsor-terrace",)), PARK_SLOPE) == misses.PLACE_ONLINE
    assert misses.place_level(row(in_person=None, hoods=()), PARK_SLOPE) == misses.PLACE_ONLINE
    # next door (Windsor Terrace borders Park Slope), then elsewhere in Brooklyn
    assert misses.place_level(row(hoods=("windsor-terrace",), **in_person_only), PARK_SLOPE) == misses.PLACE_NEAR
    assert misses.place_level(row(hoods=("canarsie",), **in_person_only), PARK_SLOPE) == misses.PLACE_BOROUGH
    assert misses.place_level(row(hoods=("astoria",), **in_person_only), PARK_SLOPE) == misses.PLACE_AWAY
    # hands-on: an online lesson is no substitute, so an online-only swimming teacher is far away
    assert misses.place_level(row("swimming", in_person=None, hoods=()), PARK_SLOPE, hands_on=True) == misses.PLACE_AWAY
    # the student asked for in person: online does not count as near
    asked_in_person = Constraints(service="piano", neighborhood="park-slope", borough="brooklyn", format="in_person")
    assert misses.place_level(row(hoods=("canarsie",)), asked_in_person) == misses.PLACE_BOROUGH


def test_a_borough_teacher_always_ranks_above_one_from_another_borough_whatever_else():
    near = misses.row_fit(row(hoods=("windsor-terrace",), online=None), PARK_SLOPE, hands_on=False)
    far = misses.row_fit(row(hoods=("astoria",), in_person=40, online=None), PARK_SLOPE, hands_on=False)
    assert near.key < far.key


def test_a_price_miss_outweighs_a_place_miss():
    over = misses.row_fit(row(hoods=("park-slope",), in_person=80), PARK_SLOPE, hands_on=False)
    away = misses.row_fit(row(hoods=("astoria",), in_person=50, online=None), PARK_SLOPE, hands_on=False)
    assert away.key < over.key


def test_with_a_place_asked_the_price_is_that_of_the_lesson_the_student_would_take():
    # serves Park Slope: the in-person lesson, even though the online one is cheaper
    assert misses.over_price(row(hoods=("park-slope",), in_person=80, online=45), PARK_SLOPE, hands_on=False)
    # does not serve it but teaches online: the student would take the online lesson
    elsewhere = row(hoods=("astoria",), in_person=80, online=45)
    assert misses.taken_format(elsewhere, PARK_SLOPE, hands_on=False) == "online"
    assert not misses.over_price(elsewhere, PARK_SLOPE, hands_on=False)
    # in person only, elsewhere: its in-person price
    assert misses.over_price(row(hoods=("astoria",), in_person=80, online=None), PARK_SLOPE, hands_on=False)
    # a hands-on service is never taken online
    assert misses.over_price(row("swimming", hoods=("astoria",), in_person=80, online=45), PARK_SLOPE, hands_on=True)


def test_a_hands_on_service_is_priced_in_person_without_a_place():
    cons = Constraints(service="swimming", price_max=60)
    assert misses.over_price(row("swimming", in_person=90, online=40), cons, hands_on=True)
    assert not misses.over_price(row("piano", in_person=90, online=40), cons, hands_on=False)


def test_the_card_says_what_it_misses():
    teacher = row(hoods=("windsor-terrace", "astoria"), in_person=80, online=None)
    fit = misses.row_fit(teacher, PARK_SLOPE, hands_on=False)
    lines = misses.describe(
        teacher, PARK_SLOPE, fit, misses.SLOTS_OTHER_DAY, datetime(2026, 12, 6, 10, 0), hands_on=False
    )
    assert lines == [
        "not in Park Slope: serves Windsor Terrace",
        "$80/h in person, over your $60",
        "no slot on Saturday: next is Sun Dec 6, 10:00 AM",
    ]
    online = row(hoods=("astoria",), in_person=80, online=45)
    fit = misses.row_fit(online, PARK_SLOPE, hands_on=False)
    assert misses.describe(online, PARK_SLOPE, fit, misses.SLOTS_IN_WINDOW, datetime(2026, 12, 5, 9), False) == [
        "not in Park Slope: online lesson, or in person in Astoria"
    ]


def test_a_last_resort_miss_says_what_the_teacher_offers_instead():
    asked = Constraints(service="piano", language="spanish", min_rating=4.5, audience="teens")
    teacher = row(rating=4.2)
    fit = misses.row_fit(teacher, asked, hands_on=False)
    assert fit.others == ("language", "rating", "audience")
    assert misses.describe(teacher, asked, fit, misses.SLOTS_IN_WINDOW, None, False) == [
        "teaches in English, not Spanish",
        "rated 4.2, under your 4.5",
        "teaches kids and adults, not teens",
    ]
    # any other miss outweighs price and place together
    assert misses.row_fit(row(hoods=("astoria",), in_person=90, online=None), PARK_SLOPE, False).key < fit.key


def test_a_missed_time_on_the_asked_day_says_when_the_first_slot_is():
    fit = misses.row_fit(row(), PARK_SLOPE, hands_on=False)
    lines = misses.describe(row(), PARK_SLOPE, fit, misses.SLOTS_OTHER_TIME, datetime(2026, 12, 5, 14, 30), False)
    assert lines == ["no slot 9:00 AM–12:00 PM Saturday: first is Sat Dec 5, 2:30 PM"]


def test_an_exact_fit_misses_nothing():
    fit = misses.row_fit(row(), PARK_SLOPE, hands_on=False)
    assert fit.key == (0, 0, 0, 0, 0, 0)
    assert misses.describe(row(), PARK_SLOPE, fit, misses.SLOTS_IN_WINDOW, datetime(2026, 12, 5, 9), False) == []
    assert misses.kinds(fit, misses.SLOTS_IN_WINDOW, PARK_SLOPE) == []


def test_the_relaxation_names_follow_the_contract():
    fit = misses.row_fit(row(hoods=("astoria",), in_person=70, online=None), PARK_SLOPE, hands_on=False)
    assert misses.kinds(fit, misses.SLOTS_OTHER_DAY, PARK_SLOPE) == ["time", "date", "place", "price"]
    only_time = Constraints(service="piano", start_time=time(9), end_time=time(12))
    assert misses.kinds(misses.row_fit(row(), only_time, False), misses.SLOTS_OTHER_DAY, only_time) == ["time"]


def test_an_online_only_teacher_of_a_hands_on_service_is_flagged_and_an_in_person_one_is_not():
    assert rank.online_only_for_hands_on(row("swimming", in_person=None, hoods=()))
    assert not rank.online_only_for_hands_on(row("swimming", in_person=90))
    assert not rank.online_only_for_hands_on(row("piano", in_person=None, hoods=()))  # online piano is fine


def test_an_asked_format_is_the_very_last_resort_and_the_card_says_so():
    asked = Constraints(service="piano", format="online")
    teacher = row(online=None)
    fit = misses.row_fit(teacher, asked, hands_on=False)
    assert fit.others == ("format",)
    assert misses.describe(teacher, asked, fit, misses.SLOTS_IN_WINDOW, None, False) == ["in person only, not online"]
    # a teacher of a similar service who meets everything comes before the asked service that breaks
    # a stated condition, and after the asked service that meets everything
    similar = misses.row_fit(row("keyboard"), asked, hands_on=False)
    exact = misses.row_fit(row(), asked, hands_on=False)
    assert similar.other_service and not similar.misses_asked
    assert exact.key < similar.key < fit.key


def test_a_slot_outside_the_asked_window_is_a_broken_condition_too():
    asked = replace(PARK_SLOPE, service="piano")
    similar = misses.row_fit(row("keyboard"), asked, hands_on=False)
    exact = misses.row_fit(row(), asked, hands_on=False)
    assert exact.rank_key(misses.SLOTS_IN_WINDOW) < similar.rank_key(misses.SLOTS_IN_WINDOW)
    assert similar.rank_key(misses.SLOTS_IN_WINDOW) < exact.rank_key(misses.SLOTS_OTHER_DAY)
    # among rows that break something, the asked service still leads
    assert exact.rank_key(misses.SLOTS_OTHER_DAY) < similar.rank_key(misses.SLOTS_OTHER_DAY)


def test_a_lesson_length_nobody_offers_relaxes_as_a_last_resort_and_the_card_says_so():
    # "2 hours" nobody teaches must not leave the student with nothing: the length relaxes with
    # the other last resorts, and the card says which lengths the teacher offers.
    asked = Constraints(service="piano", duration=120)
    assert asked.relax("duration") == Constraints(service="piano")
    assert any("duration" in stage for stage in ROW_RELAX_STAGES)
    teacher = row()
    fit = misses.row_fit(teacher, asked, hands_on=False)
    assert fit.others == ("duration",)
    assert misses.kinds(fit, misses.SLOTS_IN_WINDOW, asked) == ["duration"]
    assert misses.describe(teacher, asked, fit, misses.SLOTS_IN_WINDOW, None, False) == [
        "no 120-minute lessons: 60 min"
    ]
    assert misses.row_fit(teacher, Constraints(service="piano", duration=60), hands_on=False).others == ()


def test_an_adult_learner_gets_teachers_of_adults_first_wherever_they_teach():
    asked = replace(PARK_SLOPE, learner=("adults",))
    kids_only_in_park_slope = replace(row(), age_groups=["kids"])
    adults_online = row(hoods=("astoria",))  # comes to Astoria, not Park Slope: an online lesson
    assert misses.row_fit(kids_only_in_park_slope, asked, False).other_learner
    assert misses.row_fit(adults_online, asked, False).key < misses.row_fit(kids_only_in_park_slope, asked, False).key
    # inferred, not stated: a stated condition broken weighs more
    adults_over_price = row(in_person=90, online=None)
    assert (
        misses.row_fit(kids_only_in_park_slope, asked, False).key < misses.row_fit(adults_over_price, asked, False).key
    )
    # a profile without age groups takes the catalog's (piano is taught to adults)
    assert not misses.row_fit(replace(row(), age_groups=[]), asked, False).other_learner
    # a service meant only for children: the preference says nothing
    scratch = replace(row("kids-coding-scratch"), age_groups=["kids"])
    assert not misses.row_fit(scratch, replace(asked, service="kids-coding-scratch"), False).other_learner
    # nothing inferred, nothing weighed
    assert not misses.row_fit(kids_only_in_park_slope, PARK_SLOPE, False).other_learner
    # never a miss the card has to confess, never a relaxation
    assert misses.kinds(misses.row_fit(kids_only_in_park_slope, asked, False), misses.SLOTS_IN_WINDOW, asked) == []


def test_a_similar_service_stands_in_only_when_it_suits_the_learner():
    asked = Constraints(service="pottery", learner=("adults",))
    kids_clay = replace(row("clay-play"), age_groups=["kids"])
    pottery_over_price = replace(row("pottery", in_person=90, online=None), age_groups=["adults"])
    assert misses.row_fit(kids_clay, asked, False).misses_asked
    assert not misses.row_fit(replace(kids_clay, age_groups=["kids", "adults"]), asked, False).misses_asked
    # the asked service that breaks something still leads a similar one that does not suit the learner
    priced = replace(asked, price_max=60)
    assert misses.row_fit(pottery_over_price, priced, False).key < misses.row_fit(kids_clay, priced, False).key


def test_a_budget_nobody_meets_is_dropped_as_a_last_resort_after_a_quarter_over_it():
    asked = Constraints(service="swimming", price_max=60)
    once = asked.relax("price")
    assert once is not None and once.price_max == 75
    # still too few teachers: the last stage lets every price in, each card saying how far over it is
    assert any("price_cap" in stage for stage in ROW_RELAX_STAGES[1:])
    last = once.relax("price_cap")
    assert last is not None and last.price_max is None
    teacher = row("swimming", in_person=115)
    fit = misses.row_fit(teacher, asked, hands_on=True)
    assert misses.describe(teacher, asked, fit, misses.SLOTS_IN_WINDOW, None, True) == [
        "$115/h in person, over your $60"
    ]
