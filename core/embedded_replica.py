"""A streaming standby of the embedded Postgres, made with the server's own pg_basebackup and pg_ctl.

For tests and local trials of read routing (DATABASE_READ_URL): `start_standby` copies a running
primary with `pg_basebackup -R` (which writes primary_conninfo and standby.signal), starts the copy in
its own folder on its own unix socket and port, and waits until it accepts read-only connections.
`python -m core.embedded_replica` does the same for the development database and prints the URL.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from core.settings import PROJECT_ROOT

SYSTEM_USER = "pgserver"  # pgserver runs Postgres as this user when the process is root
START_TIMEOUT_SECONDS = 60


def _bin(name: str) -> str:
    import pgserver

    return str(Path(pgserver.__file__).parent / "pginstall" / "bin" / name)


def _run_as_owner() -> dict[str, str]:
    """Postgres refuses to run as root; pgserver then runs it as SYSTEM_USER, and so do we."""
    return {"user": SYSTEM_USER} if os.geteuid() == 0 else {}


def _run(args: list[str], timeout: float = START_TIMEOUT_SECONDS) -> None:
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False, **_run_as_owner())  # type: ignore[call-overload]
    if done.returncode != 0:
        raise RuntimeError(
            f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
        )


@dataclass(frozen=True)
class Standby:
    """A standby's data folder and port; its unix socket lives in the data folder."""

    data_dir: Path
    port: int

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.data_dir}&port={self.port}"

    def start(self) -> None:
        _run(
            [
                _bin("pg_ctl"),
                "-D",
                str(self.data_dir),
                "-w",
                "-t",
                str(START_TIMEOUT_SECONDS),
                "-l",
                str(self.data_dir / "log"),
                # No TCP; the socket and the port are the standby's own (the copied config names the primary's).
                "-o",
                f'-h "" -k {self.data_dir} -p {self.port} -c hot_standby=on',
                "start",
            ]
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the standby if it runs (fast: open sessions are cut, as when a replica host goes away)."""
        if self.running():
            _run([_bin("pg_ctl"), "-D", str(self.data_dir), "-w", "-m", mode, "stop"])

    def running(self) -> bool:
        pid = _postmaster_pid(self.data_dir)
        return pid is not None and psutil.pid_exists(pid)

    def remove(self) -> None:
        """Stop it (at once) and delete its folder."""
        try:
            self.stop(mode="immediate")
        finally:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def _postmaster_pid(data_dir: Path) -> int | None:
    try:
        return int((data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


def start_standby(primary_socket_dir: Path, primary_port: int, data_dir: Path, port: int) -> Standby:
    """Copy the running primary (reached on its unix socket) into data_dir and start it as a streaming standby."""
    standby = Standby(data_dir.resolve(), port)
    if standby.data_dir.exists():
        standby.remove()
    standby.data_dir.mkdir(parents=True, mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(standby.data_dir, SYSTEM_USER, SYSTEM_USER)
    _run(
        [
            _bin("pg_basebackup"),
            "-h",
            str(primary_socket_dir),
            "-p",
            str(primary_port),
            "-U",
            "postgres",
            "-D",
            str(standby.data_dir),
            "-R",  # standby.signal and primary_conninfo: start as a standby streaming from the primary
            "-X",
            "stream",
            "-c",
            "fast",
        ]
    )
    # The copy carries the primary's pid lock and handle list; neither belongs to the standby.
    for leftover in ("postmaster.pid", ".handle_pids.json"):
        (standby.data_dir / leftover).unlink(missing_ok=True)
    standby.start()
    return standby


def remove_abandoned(parent: Path, prefix: str) -> None:
    """Standbys left by test runs that died (their folder names end in the dead run's pid)."""
    for folder in parent.glob(f"{prefix}*"):
        owner = folder.name.removeprefix(prefix)
        if owner.isdigit() and not psutil.pid_exists(int(owner)):
            Standby(folder, 0).remove()


def main() -> None:
    """`make replica`: a standby of the development database in var/pgdata-replica (port 5433), its URL
    printed for DATABASE_READ_URL; Ctrl-C (or SIGTERM) stops it."""
    import signal

    from core import embedded_pg
    from core.settings import get_settings

    settings = get_settings()
    server = embedded_pg.start(settings.pgdata_dir)
    info = server.get_postmaster_info()
    standby = start_standby(info.socket_dir, info.port, PROJECT_ROOT / "var" / "pgdata-replica", 5433)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"DATABASE_READ_URL={standby.url(settings.database_name)}")  # noqa: T201
    print("streaming from the development database; Ctrl-C stops it", file=sys.stderr)  # noqa: T201
    try:
        while True:  # attached to the primary (stopped with its last handle) for as long as the standby runs
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        standby.stop()


if __name__ == "__main__":
    main()
