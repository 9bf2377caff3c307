"""Service heartbeats for `organizer diag health` and the API's /health."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from organizer.db.connect import transaction
from organizer.model import to_db


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
) -> None:
    with transaction(conn):
        conn.execute(
            "INSERT INTO heartbeats (service_id, service, pid, host, version, status,"
            " started_at, beat_at, stopped_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)"
            " ON CONFLICT (service_id) DO UPDATE SET status = excluded.status,"
            " beat_at = excluded.beat_at, stopped_at = NULL, version = excluded.version",
            (service_id, service, pid, host, version, status, to_db(started_at), to_db(now)),
        )


def stopped(conn: sqlite3.Connection, service_id: str, now: datetime) -> None:
    with transaction(conn):
        conn.execute(
            "UPDATE heartbeats SET stopped_at = ?, status = 'stopped' WHERE service_id = ?",
            (to_db(now), service_id),
        )


def list_beats(conn: sqlite3.Connection) -> list[Heartbeat]:
    rows = conn.execute("SELECT * FROM heartbeats ORDER BY service, beat_at DESC")
    return [Heartbeat(**dict(r)) for r in rows]
