"""Scheduled jobs: one row per periodic job (python -m cli worker), shared by every worker process.

A worker runs a job only while it holds the job's Postgres advisory lock and only when the row says
the job is due, so several workers run each job once per interval, never twice at a time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, in_list

JOB_STATUSES = ("running", "ok", "failed")


class ScheduledJob(Base):
    __tablename__ = "scheduled_jobs"
    __table_args__ = (CheckConstraint(in_list("last_status", JOB_STATUSES), name="last_status"),)

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_succeeded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status: Mapped[str | None] = mapped_column(String(10))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_duration_ms: Mapped[float | None] = mapped_column(Float)
    last_worker: Mapped[str | None] = mapped_column(String(120))
    runs: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
