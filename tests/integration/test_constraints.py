"""What the database itself refuses: double bookings, overlapping availability, duplicate active services."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError


def _instructor_service(conn):
    return conn.execute(
        text("SELECT s.id, s.profile_id, s.service_id FROM instructor_services s WHERE s.is_active LIMIT 1")
    ).one()


def _students(conn, n=2):
    return (
        conn.execute(text("SELECT id FROM users WHERE role = 'student' ORDER BY email LIMIT :n"), {"n": n})
        .scalars()
        .all()
    )


def _book(conn, *, student, svc, day, start, end, status="confirmed"):
    conn.execute(
        text(
            "INSERT INTO bookings (id, student_id, instructor_id, instructor_service_id, booking_date, start_time, "
            "end_time, duration_minutes, status, location_type, hourly_rate, total_price) VALUES "
            "(gen_random_uuid(), :st, :ins, :svc, :d, :s, :e, 60, :status, 'online', 50, 50)"
        ),
        {"st": student, "ins": svc.profile_id, "svc": svc.id, "d": day, "s": start, "e": end, "status": status},
    )


FAR = date.today() + timedelta(days=200)  # no seeded booking lives this far out


def test_overlapping_booking_of_same_instructor_is_refused(connection):
    svc = _instructor_service(connection)
    a, b = _students(connection)
    _book(connection, student=a, svc=svc, day=FAR, start=time(10), end=time(11))
    savepoint = connection.begin_nested()
    with pytest.raises(IntegrityError, match="ex_bookings_instructor_overlap"):
        _book(connection, student=b, svc=svc, day=FAR, start=time(10, 30), end=time(11, 30))
    savepoint.rollback()


def test_back_to_back_bookings_are_accepted(connection):
    svc = _instructor_service(connection)
    a, b = _students(connection)
    _book(connection, student=a, svc=svc, day=FAR, start=time(10), end=time(11))
    _book(connection, student=b, svc=svc, day=FAR, start=time(11), end=time(12))
    count = connection.execute(text("SELECT count(*) FROM bookings WHERE booking_date = :d"), {"d": FAR}).scalar()
    assert count == 2


def test_cancelled_booking_frees_the_time(connection):
    svc = _instructor_service(connection)
    a, b = _students(connection)
    _book(connection, student=a, svc=svc, day=FAR, start=time(10), end=time(11), status="cancelled")
    _book(connection, student=b, svc=svc, day=FAR, start=time(10), end=time(11))


def test_student_cannot_be_in_two_lessons_at_once(connection):
    rows = connection.execute(
        text("SELECT id, profile_id, service_id FROM instructor_services WHERE is_active ORDER BY id LIMIT 50")
    ).all()
    first = rows[0]
    second = next(r for r in rows if r.profile_id != first.profile_id)
    (student,) = _students(connection, 1)
    _book(connection, student=student, svc=first, day=FAR, start=time(15), end=time(16))
    savepoint = connection.begin_nested()
    with pytest.raises(IntegrityError, match="ex_bookings_student_overlap"):
        _book(connection, student=student, svc=second, day=FAR, start=time(15, 30), end=time(16, 30))
    savepoint.rollback()


def test_overlapping_availability_windows_are_refused(connection):
    svc = _instructor_service(connection)
    connection.execute(
        text(
            "INSERT INTO availability_slots (id, instructor_id, slot_date, start_time, end_time) "
            "VALUES (gen_random_uuid(), :i, :d, '09:00', '12:00')"
        ),
        {"i": svc.profile_id, "d": FAR},
    )
    savepoint = connection.begin_nested()
    with pytest.raises(IntegrityError, match="ex_availability_slots_overlap"):
        connection.execute(
            text(
                "INSERT INTO availability_slots (id, instructor_id, slot_date, start_time, end_time) "
                "VALUES (gen_random_uuid(), :i, :d, '11:00', '13:00')"
            ),
            {"i": svc.profile_id, "d": FAR},
        )
    savepoint.rollback()


def test_one_active_row_per_instructor_and_service(connection):
    svc = _instructor_service(connection)
    insert = text(
        "INSERT INTO instructor_services (id, profile_id, service_id, price_online, duration_options, is_active) "
        "VALUES (gen_random_uuid(), :p, :s, 40, '{60}', :active)"
    )
    connection.execute(insert, {"p": svc.profile_id, "s": svc.service_id, "active": False})  # soft-deleted twin is fine
    savepoint = connection.begin_nested()
    with pytest.raises(IntegrityError, match="uq_instructor_services_active"):
        connection.execute(insert, {"p": svc.profile_id, "s": svc.service_id, "active": True})
    savepoint.rollback()


def test_seeded_database_holds_the_demo_data(connection):
    counts = connection.execute(
        text(
            "SELECT (SELECT count(*) FROM instructor_profiles), (SELECT count(DISTINCT service_id) FROM instructor_services),"
            " (SELECT count(*) FROM availability_slots), (SELECT count(*) FROM bookings)"
        )
    ).one()
    assert counts[0] == 300 and counts[1] == 224 and counts[2] > 3000 and counts[3] > 50
