"""The outbox: booking emails are written in the booking's transaction (none when it fails), and
the worker delivers them through a real local SMTP server (aiosmtpd), retries failures, and the
`outbox` CLI command writes files with the file backend."""

from __future__ import annotations

import email
import os
import socket
import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.settings import PROJECT_ROOT
from services import bookings, mail, outbox
from services.errors import Conflict
from services.mail_settings import MailSettings
from tests.factories import at, make_instructor, make_user, nyc_today

BOOKING_KINDS = ["booking_confirmation", "booking_new_for_instructor", "booking_cancelled", "booking_rescheduled"]
aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages: list[tuple[list[str], email.message.Message]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"

    def to(self, address: str) -> list[email.message.Message]:
        with self.lock:
            return [m for rcpts, m in self.messages if address in rcpts]


@pytest.fixture
def smtp():
    inbox = Inbox()
    port = free_port()
    controller = aiosmtpd_controller.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, MailSettings(sender="smtp", smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
    controller.stop()


def email_of(engine, user_id) -> str:
    with engine.connect() as conn:
        return conn.execute(text("SELECT email FROM users WHERE id = :i"), {"i": user_id}).scalar()


def rows_for(engine, recipient: str) -> list:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT kind, attempts, sent_at, last_error FROM outbox WHERE recipient = :r ORDER BY created_at"),
            {"r": recipient},
        ).all()


def new_booking(engine, *, hour: int = 10, day_offset: int = 2, inst=None, student=None):
    inst = inst or make_instructor(engine)
    student = student or make_user(engine).id
    with Session(engine) as db:
        view = bookings.create(
            db,
            student_id=student,
            instructor_id=inst.profile_id,
            instructor_service_id=inst.offerings["piano"],
            start=datetime.fromisoformat(at(nyc_today() + timedelta(days=day_offset), hour)),
            duration_minutes=60,
            location_type="online",
            now=datetime.now(UTC),
            notice_minutes=120,
        )
    return inst, student, view


def test_booking_emails_go_through_real_smtp(engine, smtp):
    inbox, settings = smtp
    inst, student, view = new_booking(engine)
    to = email_of(engine, student)
    assert [r.kind for r in rows_for(engine, to)] == ["booking_confirmation"]
    report = outbox.deliver_pending(engine, sender=mail.SmtpSender(settings), batch=10_000, kinds=BOOKING_KINDS)
    assert report.sent >= 2 and report.failed == 0
    [msg] = inbox.to(to)
    assert msg["Subject"].startswith("Booked: Piano with ")
    assert view["id"] in msg.get_payload() and msg["X-Outbox-Id"]
    assert inbox.to(email_of(engine, inst.user_id))[0]["Subject"].startswith("New booking: Piano")
    [row] = rows_for(engine, to)
    assert row.sent_at is not None and row.attempts == 1 and row.last_error is None
    # Sent once: a second run sends nothing more to this student.
    outbox.deliver_pending(engine, sender=mail.SmtpSender(settings), batch=10_000, kinds=BOOKING_KINDS)
    assert len(inbox.to(to)) == 1


def test_failed_delivery_is_kept_and_retried(engine, smtp):
    inbox, settings = smtp
    _, student, _ = new_booking(engine)
    to = email_of(engine, student)
    down = MailSettings(
        sender="smtp", smtp_host="127.0.0.1", smtp_port=free_port(), smtp_starttls=False, smtp_timeout=2
    )
    report = outbox.deliver_pending(engine, sender=mail.SmtpSender(down), batch=10_000, kinds=BOOKING_KINDS)
    assert report.failed >= 1
    [row] = rows_for(engine, to)
    assert row.sent_at is None and row.attempts == 1 and "Connection" in row.last_error
    outbox.deliver_pending(engine, sender=mail.SmtpSender(settings), batch=10_000, kinds=BOOKING_KINDS)
    [row] = rows_for(engine, to)
    assert row.sent_at is not None and row.attempts == 2 and len(inbox.to(to)) == 1


def test_cancel_and_reschedule_write_emails_and_a_failed_booking_writes_none(engine):
    inst, student, view = new_booking(engine)
    to = email_of(engine, student)
    now = datetime.now(UTC)
    with Session(engine) as db:
        _, new = bookings.reschedule(
            db,
            booking_id=uuid.UUID(view["id"]),
            user_id=student,
            start=datetime.fromisoformat(at(nyc_today() + timedelta(days=2), 15)),
            now=now,
            notice_minutes=120,
        )
    with Session(engine) as db:
        bookings.cancel(db, booking_id=uuid.UUID(new["id"]), user_id=student, now=now)
    assert [r.kind for r in rows_for(engine, to)] == [
        "booking_confirmation",
        "booking_rescheduled",
        "booking_cancelled",
    ]
    other = make_user(engine).id
    new_booking(engine, inst=inst, hour=18)
    with pytest.raises(Conflict):
        new_booking(engine, inst=inst, student=other, hour=18)
    assert rows_for(engine, email_of(engine, other)) == []


def test_outbox_command_writes_files(engine, db_url, tmp_path):
    _, student, view = new_booking(engine)
    to = email_of(engine, student)
    env = {**os.environ, "DATABASE_URL": db_url, "MAIL_SENDER": "file", "MAIL_FILE_DIR": str(tmp_path)}
    env.pop("INSTAINSTRU_RESOLVED_DB_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "cli", "outbox", "--batch", "100000"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert " sent, 0 failed" in result.stdout + result.stderr
    files = [email.message_from_bytes(p.read_bytes()) for p in tmp_path.glob("*.eml")]
    mine = [m for m in files if m["To"] == to]
    assert len(mine) == 1 and view["id"] in mine[0].get_payload()
    assert rows_for(engine, to)[0].sent_at is not None


class SlowInbox(Inbox):
    """An SMTP server that takes a few milliseconds per message, so two workers are busy at once."""

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        await asyncio.sleep(0.01)
        return await super().handle_DATA(server, session, envelope)


def test_two_outbox_workers_at_once_send_each_email_once(engine, db_url):
    """Two `cli outbox --loop` processes (no advisory lock between them) drain one outbox through a real
    SMTP server: every message arrives exactly once, and both workers delivered some."""
    import collections
    import re
    import threading
    import time

    inbox = SlowInbox()
    port = free_port()
    controller = aiosmtpd_controller.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    tag = uuid.uuid4().hex[:8]
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("INSTAINSTRU_RESOLVED_DB_URL", "DB_TIER")},
        "DATABASE_URL": db_url,
        "MAIL_SENDER": "smtp",
        "MAIL_SMTP_HOST": "127.0.0.1",
        "MAIL_SMTP_PORT": str(port),
        "MAIL_SMTP_STARTTLS": "false",
        "PYTHONUNBUFFERED": "1",  # their "outbox: N sent" lines survive the SIGTERM that ends them
        "PGAPPNAME": f"outbox-{tag}",  # libpq names the workers' connections, so we can see both are up
    }
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "cli", "outbox", "--loop", "--interval", "0.2", "--batch", "1000"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    recipients = [f"two-workers-{tag}-{i}@example.test" for i in range(300)]
    # Their output read as it comes: a worker prints "outbox: N sent" once its run ends, which can be
    # just after the last message is marked sent, so the test waits for both reports before stopping them.
    lines: list[list[str]] = [[], []]
    readers = [
        threading.Thread(target=lambda out=w.stdout, got=got: got.extend(out), daemon=True)
        for w, got in zip(workers, lines, strict=True)
    ]
    for reader in readers:
        reader.start()

    def reported() -> list[int]:
        return [sum(int(n) for n in re.findall(r"outbox: (\d+) sent", "".join(got))) for got in lines]

    try:

        def polling_workers() -> int:
            with engine.connect() as conn:
                return conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = :a "
                        "AND query NOT LIKE '%pg_available_extensions%'"
                    ),
                    {"a": f"outbox-{tag}"},
                ).scalar_one()

        deadline = time.monotonic() + 120
        while polling_workers() < 2:
            assert time.monotonic() < deadline, "the two workers never both polled the outbox"
            assert all(w.poll() is None for w in workers), [w.communicate()[0] for w in workers]
            time.sleep(0.1)
        with engine.begin() as conn:  # all at once: both workers race for the same rows
            conn.execute(
                text("INSERT INTO outbox (id, kind, recipient, subject, body) VALUES (:id, 'test', :to, 'Hi', 'Body')"),
                [{"id": uuid.uuid4(), "to": to} for to in recipients],
            )
        deadline = time.monotonic() + 180
        while True:
            with engine.connect() as conn:
                left = conn.execute(
                    text("SELECT count(*) FROM outbox WHERE recipient = ANY(:r) AND sent_at IS NULL"),
                    {"r": recipients},
                ).scalar_one()
            if not left and sum(reported()) >= len(recipients):
                break
            assert time.monotonic() < deadline, f"{left} emails never sent, {reported()} reported"
            time.sleep(0.2)
    finally:
        for w in workers:
            w.terminate()
        for w, reader in zip(workers, readers, strict=True):
            w.wait(timeout=60)
            reader.join(timeout=10)
        controller.stop()
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM outbox WHERE recipient = ANY(:r)"), {"r": recipients})
    with inbox.lock:
        received = collections.Counter(r for rcpts, _ in inbox.messages for r in rcpts if r in set(recipients))
    duplicates = {to: n for to, n in received.items() if n > 1}
    assert not duplicates, f"{len(duplicates)} emails sent more than once"
    assert len(received) == len(recipients)
    sent_by = reported()
    assert sum(sent_by) == len(recipients) and all(n > 0 for n in sent_by), sent_by  # both really delivered
