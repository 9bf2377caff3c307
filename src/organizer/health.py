"""The one health snapshot behind /health, `diag health`, doctor (and `diag report`).

`build` is pure: it takes the values read from the database and the disk and decides
what is wrong. `gather` does the reading (SQL in organizer.db) and calls it. A caller
that wants everything calls `gather(settings, now)` and reads `Snapshot.problems`, or
`Snapshot.as_dict()` for JSON.

Split database (issue 17): every service records, with its heartbeat, the instance id
and the resolved path of the database file it opened. In the database being checked,
a service the configuration expects (the worker always, the bot when a Telegram token
is set) without a fresh heartbeat writes elsewhere or does not run; a heartbeat whose
instance id or path differs from this file's came from a process that opened another
file (a copy, a moved volume).
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from organizer.config import Settings
from organizer.db.heartbeats import Heartbeat
from organizer.errors import OrganizerError
from organizer.model import from_db

# A service beats every 5-10 s; a row older than this is a service that is gone.
DEFAULT_STALE_S = 60.0
UNITS = {
    "worker": "organizer-worker",
    "bot": "organizer-bot",
    "asr": "organizer-asr",
    "api": "organizer-api",
}


@dataclass(frozen=True)
class ServiceBeat:
    service: str
    service_id: str
    status: str | None
    beat_age_s: float | None
    stopped: bool
    instance_id: str | None = None
    db_path: str | None = None


@dataclass(frozen=True)
class Problem:
    """`summary` holds no path or id (anonymous /health shows it); `detail` is the
    operator's line, with the file and the fix."""

    kind: str  # database, schema, heartbeat, split, disk
    summary: str
    detail: str


@dataclass(frozen=True)
class Disk:
    folder: str
    free_bytes: int
    total_bytes: int


@dataclass(frozen=True)
class Snapshot:
    db_path: str
    schema_version: int | None = None
    schema_latest: int | None = None
    instance_id: str | None = None
    queue: dict[str, int] = field(default_factory=dict)
    oldest_new_age_s: float | None = None
    services: list[ServiceBeat] = field(default_factory=list)
    disk: Disk | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def worker_beat_age_s(self) -> float | None:
        return next((b.beat_age_s for b in self.services if b.service == "worker"), None)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: `diag health --json`, and `diag report` (organizer.report)."""
        out = asdict(self)
        out["ok"] = self.ok
        out["problems"] = [p.detail for p in self.problems]
        return out


# ------------------------------------------------------------------ the rules (pure)


def age_s(now: datetime, text: str | None) -> float | None:
    dt = from_db(text)
    return None if dt is None else round((now - dt).total_seconds(), 1)


def worker_stale_after_s(settings: Settings) -> float:
    """A worker beats every 5 s, but one step may wait on ASR for its whole read timeout."""
    return max(DEFAULT_STALE_S, settings.asr_http_read_timeout + 30.0)


def expected_services(settings: Settings) -> dict[str, float]:
    """The services this configuration needs, with the age past which a beat is stale."""
    out = {"worker": worker_stale_after_s(settings)}
    if settings.telegram_bot_token:
        out["bot"] = DEFAULT_STALE_S
    return out


def to_beats(rows: list[Heartbeat], now: datetime) -> list[ServiceBeat]:
    return [
        ServiceBeat(
            r.service, r.service_id, r.status, age_s(now, r.beat_at),
            r.stopped_at is not None, r.instance_id, r.db_path,
        )
        for r in rows
    ]  # fmt: skip


def is_fresh(beat: ServiceBeat | None, limit_s: float) -> bool:
    return (
        beat is not None
        and not beat.stopped
        and beat.beat_age_s is not None
        and beat.beat_age_s <= limit_s
    )


def _start(service: str) -> str:
    return f"start it with `sudo systemctl start {UNITS.get(service, 'organizer-' + service)}`"


def _setting(db: str) -> str:
    """The setting that names the database `db` shows."""
    return "DB_URL" if db.startswith("postgresql://") else "DB_PATH"


def missing_beat(service: str, beat: ServiceBeat | None, limit_s: float, db: str) -> Problem:
    """Why an expected service has no fresh heartbeat in this database, and what to do."""
    unit = UNITS.get(service, f"organizer-{service}")
    elsewhere = f"if it runs, is {unit} using another {_setting(db)} than {db}?"
    if beat is None:
        head = f"the {service} has never reported a heartbeat"
        return Problem("heartbeat", f"{head}: {_start(service)}",
                       f"{head} in {db}: {_start(service)}; {elsewhere}")  # fmt: skip
    if beat.stopped:
        head = f"the {service} is stopped"
        return Problem("heartbeat", f"{head}: {_start(service)}",
                       f"{head} (its last heartbeat in {db}): {_start(service)}")  # fmt: skip
    head = f"the {service}'s heartbeat is {beat.beat_age_s}s old (limit {limit_s:g}s)"
    check = f"is it running (`systemctl status {unit}`)"
    return Problem("heartbeat", f"{head}: {check}?", f"{head} in {db}: {check}, or {elsewhere}")


def split_problem(
    beat: ServiceBeat, instance_id: str | None, db: str, *, compare_paths: bool = True
) -> Problem | None:
    """A heartbeat recorded by a process that opened another database than this one."""
    other_path = compare_paths and beat.db_path is not None and beat.db_path != db
    other_id = None not in (beat.instance_id, instance_id) and beat.instance_id != instance_id
    if not (other_path or other_id):
        return None
    unit = UNITS.get(beat.service, f"organizer-{beat.service}")
    opened = f"{beat.db_path} (instance {beat.instance_id})"
    return Problem(
        "split",
        f"the {beat.service} writes to another database than this one (instance mismatch)",
        f"instance mismatch: the {beat.service}'s heartbeat in {db} (instance {instance_id}) "
        f"was written by a process that opened {opened}: the services use two databases; "
        f"set one {_setting(db)} for all units (the env file), restart {unit}, see "
        "`organizer doctor`",
    )


def beat_problems(
    beats: list[ServiceBeat], expected: dict[str, float], *, db: str, instance_id: str | None,
    compare_paths: bool = True,
) -> list[Problem]:
    """Missing or stale expected services, then heartbeats that name another database."""
    by_service = {b.service: b for b in beats}
    out = [
        missing_beat(name, by_service.get(name), limit, db)
        for name, limit in expected.items()
        if not is_fresh(by_service.get(name), limit)
    ]
    for b in beats:
        # A stale row of a service nobody expects is history (a test run, a retired unit).
        relevant = b.service in expected or is_fresh(b, DEFAULT_STALE_S)
        if relevant and not b.stopped:
            p = split_problem(b, instance_id, db, compare_paths=compare_paths)
            if p is not None:
                out.append(p)
    return out


def disk_usage(db_path: Path) -> Disk:
    """Free space of the file system holding the database (its nearest existing folder)."""
    folder = db_path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    usage = shutil.disk_usage(folder)
    return Disk(str(folder), usage.free, usage.total)


def disk_level(disk: Disk, min_free_bytes: int) -> str:
    """FAIL under the configured minimum, WARN under 1 GiB or 5 %, else OK (doctor's rule)."""
    if disk.free_bytes < min_free_bytes:
        return "FAIL"
    if disk.free_bytes < 1024**3 or disk.free_bytes < disk.total_bytes * 0.05:
        return "WARN"
    return "OK"


def disk_text(disk: Disk) -> str:
    return (
        f"{disk.free_bytes // 1024**2} MiB free of {disk.total_bytes // 1024**2} MiB "
        f"in {disk.folder}"
    )


def disk_problem(disk: Disk | None, min_free_bytes: int) -> Problem | None:
    if disk is None or disk_level(disk, min_free_bytes) != "FAIL":
        return None
    limit = f"limit DISK_MIN_FREE_MB={min_free_bytes // 1024**2}"
    return Problem(
        "disk",
        f"only {disk.free_bytes // 1024**2} MiB free on the data disk ({limit})",
        f"only {disk_text(disk)} ({limit}): free space (old backups: BACKUP_KEEP, the "
        "journal: `journalctl --vacuum-size=100M`); SQLite cannot commit on a full disk",
    )


# ------------------------------------------------------------------ reading


def _schema_problem(version: int, latest: int, pending: bool) -> Problem | None:
    if version == 0:
        text = "no organizer schema: run `organizer migrate`"
        return Problem("schema", text, text)
    if pending:
        text = f"schema {version} is behind the code ({latest}): run migrate"
        return Problem("schema", text, text)
    return None


def gather(settings: Settings, now: datetime) -> Snapshot:
    """Read the database (read-only) and the disk, and judge. Never raises for a
    broken database: that is a problem line. Either store (DB_URL); on PostgreSQL the
    disk is the one holding DB_PATH's folder (spool, backups), the server's is its own."""
    from organizer.db import heartbeats, queue
    from organizer.db.pg_facts import schema_state
    from organizer.db.store import open_store, require_tables, where

    path = settings.db_path
    shown = where(settings)
    try:
        disk: Disk | None = disk_usage(path)
    except OSError:
        disk = None
    extra = [p for p in [disk_problem(disk, settings.disk_min_free_mb * 1024**2)] if p]
    try:
        with closing(open_store(settings, readonly=True)) as conn:
            require_tables(conn, settings)
            st = schema_state(conn)
            counts = queue.counts(conn, now)
            rows = heartbeats.latest_beats(conn)
            _, real_path = heartbeats.identity(conn)
    except (OrganizerError, sqlite3.Error) as e:
        msg = e.message if isinstance(e, OrganizerError) else f"database error: {e}"
        summary = "the database cannot be opened or read"  # the message names the path
        return Snapshot(shown, disk=disk, problems=[Problem("database", summary, msg), *extra])
    db = real_path or str(path.resolve())
    beats = to_beats(rows, now)
    problems = [p for p in [_schema_problem(st.version, st.latest, bool(st.pending))] if p]
    # On PostgreSQL one database is reached by many names (a host name, an address, a
    # socket): only the instance id tells two databases apart.
    problems += beat_problems(beats, expected_services(settings), db=db,
                              instance_id=st.instance_id,
                              compare_paths=settings.store == "sqlite")  # fmt: skip
    return Snapshot(
        db_path=shown,
        schema_version=st.version,
        schema_latest=st.latest,
        instance_id=st.instance_id,
        queue=dict(counts.by_status),
        oldest_new_age_s=age_s(now, counts.oldest_new_at),
        services=beats,
        disk=disk,
        problems=problems + extra,
    )


def fresh_worker(conn: sqlite3.Connection, settings: Settings, now: datetime) -> ServiceBeat | None:
    """The worker's newest heartbeat in this database when it is alive, else None."""
    from organizer.db import heartbeats

    beats = {b.service: b for b in to_beats(heartbeats.latest_beats(conn), now)}
    worker = beats.get("worker")
    return worker if is_fresh(worker, worker_stale_after_s(settings)) else None
