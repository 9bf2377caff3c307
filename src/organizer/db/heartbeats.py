"""Service heartbeats: the SQL behind /health, `organizer diag health` and doctor."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from organizer.db.connect import transaction
from organizer.db.dialect import is_postgres
from organizer.model import to_db

if TYPE_CHECKING:
    from organizer.config import Settings


@dataclass(frozen=True)
class Heartbeat:
    service_id: str
    service: str
    pid: int
    host: str
    version: str
    status: str | None
    started_at: str
    beat_at: str
    stopped_at: str | None
    instance_id: str | None = None
    db_path: str | None = None


def identity(conn: sqlite3.Connection) -> tuple[str | None, str | None]:
    """(meta.instance_id, resolved absolute path of the main database file) of `conn`.

    The path comes from SQLite itself (PRAGMA database_list), so it is the file really
    opened, whatever relative path or symlink DB_PATH spelled.
    """
    row = conn.execute("SELECT value FROM meta WHERE key = 'instance_id'").fetchone()
    path = None
    if is_postgres(conn):  # the database really opened, as host:port/name (no password)
        info = conn.raw.info  # type: ignore[attr-defined]
        return (str(row[0]) if row else None), f"postgresql://{info.host}:{info.port}/{info.dbname}"
    for r in conn.execute("PRAGMA database_list"):
        if r[1] == "main" and r[2]:
            path = str(Path(r[2]).resolve())
    return (str(row[0]) if row else None), path


def beat(
    conn: sqlite3.Connection,
    *,
    service_id: str,
    service: str,
    pid: int,
    host: str,
    version: str,
    status: str,
    started_at: datetime,
    now: datetime,
    instance_id: str | None = None,
    db_path: str | None = None,
) -> None:
    with transaction(conn):
        conn.execute(
            "INSERT INTO heartbeats (service_id, service, pid, host, version, status,"
            " started_at, beat_at, stopped_at, instance_id, db_path)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)"
            " ON CONFLICT (service_id) DO UPDATE SET status = excluded.status,"
            " beat_at = excluded.beat_at, stopped_at = NULL, version = excluded.version,"
            " instance_id = excluded.instance_id, db_path = excluded.db_path",
            (
                service_id, service, pid, host, version, status,
                to_db(started_at), to_db(now), instance_id, db_path,
            ),
        )  # fmt: skip


def stopped(conn: sqlite3.Connection, service_id: str, now: datetime) -> None:
    with transaction(conn):
        conn.execute(
            "UPDATE heartbeats SET stopped_at = ?, status = 'stopped' WHERE service_id = ?",
            (to_db(now), service_id),
        )


def list_beats(conn: sqlite3.Connection) -> list[Heartbeat]:
    rows = conn.execute("SELECT * FROM heartbeats ORDER BY service, beat_at DESC")
    return [Heartbeat(**dict(r)) for r in rows]


def latest_beats(conn: sqlite3.Connection) -> list[Heartbeat]:
    """The newest heartbeat row of each service (older pids are history)."""
    rows = conn.execute(
        "SELECT h.* FROM heartbeats h WHERE h.beat_at = ("
        " SELECT MAX(beat_at) FROM heartbeats WHERE service = h.service) ORDER BY service"
    )
    return [Heartbeat(**dict(r)) for r in rows]


def reopened(conn: Any, settings: Settings) -> Any:
    """After a failed beat: a new connection when `conn` is a PostgreSQL one the server
    dropped (a restart, a failover, an idle timeout), else `conn` itself.

    A SQLite file connection never goes away; a PostgreSQL session does, and without this
    a long-running service would report itself dead until restarted. Failing to reconnect
    (the server still down) keeps the broken one: the next beat tries again."""
    from organizer.db.store import open_store, store_lost

    if not store_lost(conn):
        return conn
    from organizer.errors import OrganizerError

    try:
        return open_store(settings)
    except OrganizerError:
        return conn
