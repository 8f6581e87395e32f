"""Email senders (console, file, SMTP) and the texts of the booking emails."""

from __future__ import annotations

import smtplib
import sys
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import TextIO

from services.mail_settings import MailSettings


def _message(*, sender: str, to: str, subject: str, body: str, message_id: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(idstring=message_id, domain="instainstru.test")
    msg["X-Outbox-Id"] = message_id
    msg.set_content(body)
    return msg


class ConsoleSender:
    def __init__(self, from_address: str, stream: TextIO | None = None):
        self.from_address = from_address
        self.stream = stream

    def send(self, *, to: str, subject: str, body: str, message_id: str) -> None:
        stream = self.stream or sys.stdout
        msg = _message(sender=self.from_address, to=to, subject=subject, body=body, message_id=message_id)
        stream.write(msg.as_string() + "\n" + "-" * 60 + "\n")
        stream.flush()


class FileSender:
    """One .eml file per message (named by outbox id, so a retry overwrites rather than duplicates)."""

    def __init__(self, from_address: str, directory: Path):
        self.from_address = from_address
        self.directory = Path(directory)

    def send(self, *, to: str, subject: str, body: str, message_id: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        msg = _message(sender=self.from_address, to=to, subject=subject, body=body, message_id=message_id)
        tmp = self.directory / f".{message_id}.tmp"
        tmp.write_bytes(bytes(msg))
        tmp.replace(self.directory / f"{message_id}.eml")


class SmtpSender:
    def __init__(self, settings: MailSettings):
        self.settings = settings

    def send(self, *, to: str, subject: str, body: str, message_id: str) -> None:
        s = self.settings
        msg = _message(sender=s.from_address, to=to, subject=subject, body=body, message_id=message_id)
        if not s.smtp_host:
            raise ValueError("MAIL_SENDER=smtp needs MAIL_SMTP_HOST.")
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout) as smtp:
            smtp.ehlo()
            if s.smtp_starttls and smtp.has_extn("starttls"):
                smtp.starttls()
                smtp.ehlo()
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password or "")
            smtp.send_message(msg)


def make_sender(settings: MailSettings):
    backend = settings.resolved_sender()
    if backend == "smtp":
        if not settings.smtp_host:
            raise ValueError("MAIL_SENDER=smtp needs MAIL_SMTP_HOST.")
        return SmtpSender(settings)
    if backend == "file":
        return FileSender(settings.from_address, settings.file_dir)
    return ConsoleSender(settings.from_address)


# ---- texts -------------------------------------------------------------------------------------


def _when(b: dict) -> str:
    return f"{b['date_text']} {b['start_text']}–{b['end_text']} (New York time)"


def confirmation(b: dict) -> tuple[str, str]:
    subject = f"Booked: {b['service_name']} with {b['instructor_name']} on {b['date_text']}"
    body = (
        f"Hi {b['student_name']},\n\nYour {b['duration_minutes']}-minute {b['service_name']} lesson with "
        f"{b['instructor_name']} is confirmed for {_when(b)}, {b['format_text']}.\n"
        f"Price: ${b['total_price']}.\n\nBooking reference: {b['id']}\n"
    )
    return subject, body


def instructor_new_booking(b: dict) -> tuple[str, str]:
    subject = f"New booking: {b['service_name']} on {b['date_text']} at {b['start_text']}"
    body = (
        f"Hi {b['instructor_name']},\n\n{b['student_name']} booked a {b['duration_minutes']}-minute "
        f"{b['service_name']} lesson for {_when(b)}, {b['format_text']}.\n\nBooking reference: {b['id']}\n"
    )
    return subject, body


def cancellation(b: dict, *, recipient_name: str, kind: str) -> tuple[str, str]:
    policy = (
        "It was cancelled 24 hours or more ahead: the lesson is refunded in full."
        if kind == "full_refund"
        else "It was cancelled less than 24 hours ahead: this is a late cancellation."
    )
    subject = f"Cancelled: {b['service_name']} on {b['date_text']} at {b['start_text']}"
    body = (
        f"Hi {recipient_name},\n\nThe {b['service_name']} lesson of {_when(b)} between "
        f"{b['student_name']} and {b['instructor_name']} was cancelled.\n{policy}\n\n"
        f"Booking reference: {b['id']}\n"
    )
    return subject, body


def reschedule(old: dict, new: dict, *, recipient_name: str) -> tuple[str, str]:
    subject = f"Rescheduled: {new['service_name']} moved to {new['date_text']} at {new['start_text']}"
    body = (
        f"Hi {recipient_name},\n\nThe {old['service_name']} lesson between {old['student_name']} and "
        f"{old['instructor_name']} moved from {_when(old)} to {_when(new)}, {new['format_text']}.\n\n"
        f"New booking reference: {new['id']} (replaces {old['id']})\n"
    )
    return subject, body
