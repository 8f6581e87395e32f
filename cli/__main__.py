"""Operations: `python -m cli serve | setup | migrate | seed`."""

from __future__ import annotations

import signal
import sys
from datetime import date
from typing import Annotated

import typer

from cli import destructive
from cli.setup import console, prepare
from core.db import DatabaseUnavailable, make_engine, preflight, resolve_url
from core.settings import PROJECT_ROOT, SettingsError, get_settings

app = typer.Typer(add_completion=False, no_args_is_help=True)


def _fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


@app.command()
def setup() -> None:
    """Start the embedded database if needed, migrate, and seed the demo data if empty."""
    try:
        url = prepare(get_settings())
    except (DatabaseUnavailable, SettingsError) as exc:
        _fail(str(exc))
    console.print(f"database ready: {url.split('@')[-1]}")


@app.command()
def serve(
    worker: Annotated[
        bool, typer.Option("--worker/--no-worker", help="start the scheduled jobs beside the API")
    ] = True,
) -> None:
    """Set everything up if needed, then serve the API (and the scheduled-jobs worker beside it)."""
    import atexit
    import subprocess

    import uvicorn

    try:
        settings = get_settings()
        # The search index is built beside the server, not before it (cli/setup.py).
        prepare(settings, index_beside=True)
    except (DatabaseUnavailable, SettingsError) as exc:
        _fail(str(exc))
    if worker:
        # The worker attaches to the same database (prepare exported its URL) and is stopped first on exit.
        jobs = subprocess.Popen([sys.executable, "-m", "cli", "worker"])

        def stop_worker() -> None:
            jobs.terminate()
            jobs.wait(timeout=30)

        atexit.register(stop_worker)
        console.print(f"scheduled jobs: worker pid {jobs.pid} (python -m cli worker)")
    from api.metrics import prepare_multiprocess_dir

    # Several workers: /metrics adds up every worker's series (prometheus-client multiprocess mode).
    metrics_dir = prepare_multiprocess_dir(settings.workers, str(PROJECT_ROOT / "var" / "prometheus"))
    if metrics_dir:
        console.print(f"metrics of {settings.workers} workers added up in {metrics_dir}")
    console.print(f"serving on http://{settings.host}:{settings.port}  (docs at /docs)")
    # uvicorn re-raises SIGTERM after its graceful shutdown; exiting through SystemExit instead lets
    # the atexit hook stop the embedded Postgres.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level="warning",
        # uvicorn would believe X-Forwarded-For from 127.0.0.1 by default; the app believes it only
        # from TRUSTED_PROXIES (api/app.py), so a client cannot pick its own address (F8).
        proxy_headers=False,
    )


app.command("clean-db")(destructive.clean_db)
app.command("drop-eval-db")(destructive.drop_eval_db)


@app.command()
def migrate(
    downgrade: Annotated[str | None, typer.Option(help="revision to go down to (destructive)")] = None,
    confirm_production: destructive.ConfirmProduction = None,
) -> None:
    """Apply the migrations (or go down to a revision)."""
    from core import migrate as m
    from core import tiers

    try:
        url = resolve_url()
        preflight(url)
    except DatabaseUnavailable as exc:
        _fail(str(exc))
    if downgrade:
        target = tiers.target_for(get_settings())
        with destructive.guarded("alembic downgrade", target, confirm_production, {"to": downgrade}):
            m.downgrade(url, downgrade)
    else:
        m.upgrade(url)


@app.command()
def seed(
    instructors: Annotated[int, typer.Option(help="how many instructors")] = 2000,
    seed: Annotated[int, typer.Option(help="random seed; the same seed gives the same rows")] = 42,
    start: Annotated[str | None, typer.Option(help="first availability day, YYYY-MM-DD (default today)")] = None,
    reset: Annotated[
        bool, typer.Option("--reset", help="a database with data: drop everything and reseed (destructive)")
    ] = False,
    confirm_production: destructive.ConfirmProduction = None,
) -> None:
    """Seed the demo data into an empty database (or, with --reset, into a fresh copy of a non-empty one)."""
    from core import migrate as m
    from core import tiers
    from services import seeding

    try:
        url = resolve_url()
        preflight(url)
    except DatabaseUnavailable as exc:
        _fail(str(exc))
    m.upgrade(url)
    engine = make_engine(url)
    if reset and seeding.is_seeded(engine):
        target = tiers.target_for(get_settings())
        details: dict[str, object] = {"instructors": instructors, "seed": seed}
        with destructive.guarded("reseed", target, confirm_production, details):
            engine.dispose()
            m.downgrade(url, "base")
            m.upgrade(url)
            counts = seeding.seed(
                engine, instructors=instructors, seed=seed, start=date.fromisoformat(start) if start else None
            )
        console.print(counts)
        return
    counts = seeding.seed(
        engine, instructors=instructors, seed=seed, start=date.fromisoformat(start) if start else None
    )
    if counts.get("skipped"):
        console.print("the database already has instructors; nothing seeded")
    else:
        console.print(counts)


@app.command()
def retention(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="count what would go, delete nothing")] = False,
    soft_deleted_days: Annotated[int, typer.Option(min=0, help="history deleted this many days ago")] = 90,
    guest_days: Annotated[int, typer.Option(min=0, help="guest history unconverted this many days")] = 120,
    sent_email_days: Annotated[int, typer.Option(min=0, help="emails delivered this many days ago")] = 30,
    confirm_production: destructive.ConfirmProduction = None,
) -> None:
    """Purge search history deleted over 90 days ago and guest history unconverted for 120 days
    (and expired token revocations, and emails delivered over 30 days ago). Shorter periods go
    beyond the retention policy: a destructive run, guarded by the database's tier."""
    from contextlib import nullcontext

    from sqlalchemy.orm import Session

    from core import tiers
    from services import retention

    try:
        url = resolve_url()
        preflight(url)
    except DatabaseUnavailable as exc:
        _fail(str(exc))
    engine = make_engine(url)
    policy = retention.Policy(soft_deleted_days, guest_days, sent_email_days)
    beyond = policy.beyond()
    guard = (
        destructive.guarded(
            "retention beyond policy",
            tiers.target_for(get_settings()),
            confirm_production,
            {k: f"{asked} days (policy {standard})" for k, (asked, standard) in beyond.items()},
        )
        if beyond and not dry_run
        else nullcontext()
    )
    with guard, Session(engine) as db:
        counts = retention.purge(db, dry_run=dry_run, policy=policy)
    console.print(("would delete " if dry_run else "deleted ") + ", ".join(f"{v} {k}" for k, v in counts.items()))


@app.command()
def outbox(
    loop: Annotated[bool, typer.Option("--loop", help="keep delivering until stopped")] = False,
    interval: Annotated[float, typer.Option(help="seconds between runs with --loop")] = 5.0,
    batch: Annotated[int, typer.Option(help="messages per run")] = 100,
) -> None:
    """Deliver pending outbox emails (MAIL_SENDER: auto, console, file or smtp; auto is SMTP when MAIL_SMTP_HOST is set)."""
    import time

    from services import mail
    from services import outbox as outbox_service
    from services.mail_settings import get_mail_settings

    try:
        url = resolve_url()
        preflight(url)
        sender = mail.make_sender(get_mail_settings())
    except (DatabaseUnavailable, ValueError) as exc:
        _fail(str(exc))
    engine = make_engine(url)
    while True:
        report = outbox_service.deliver_pending(engine, sender=sender, batch=batch)
        if report.sent or report.failed or not loop:
            console.print(f"outbox: {report.sent} sent, {report.failed} failed")
        if not loop:
            raise typer.Exit(1 if report.failed else 0)
        time.sleep(interval)


@app.command("worker")
def worker_command(
    once: Annotated[bool, typer.Option("--once", help="run each due job once and exit (cron, checks)")] = False,
) -> None:
    """Run the periodic jobs (outbox delivery, retention, cache warming) on their schedule; several
    workers may run at once (a Postgres advisory lock per job)."""
    import os

    from cli import worker
    from core import monitoring
    from core.logging import configure_logging

    try:
        settings = get_settings()
        url = os.environ.get("INSTAINSTRU_RESOLVED_DB_URL") or resolve_url(settings)
        preflight(url)
    except (DatabaseUnavailable, SettingsError) as exc:
        _fail(str(exc))
    configure_logging(settings.log_format, settings.log_level)
    engine = monitoring.instrument_engine(make_engine(url, settings))
    jobs = worker.default_jobs(engine, settings)
    if once:
        console.print(worker.run_once(engine, jobs))
    else:
        worker.run_forever(engine, jobs)


if __name__ == "__main__":
    sys.exit(app())
