"""Read-only queries behind `organizer diag`; each returns plain dataclasses."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from organizer.db.migrate import state
from organizer.db.pg_compat import CompatConnection
from organizer.model import from_db, to_db

if TYPE_CHECKING:
    from organizer.config import Settings

# The views below are written once for both stores (organizer.db.pg_compat), but
# db_info (SQLite's file) and pg_db_info (the server's facts).
AnyConn = sqlite3.Connection | CompatConnection


def _age_s(now: datetime, text: str | None) -> float | None:
    dt = from_db(text)
    return None if dt is None else round((now - dt).total_seconds(), 1)


@dataclass(frozen=True)
class QueueSummary:
    status: str
    count: int
    oldest_age_s: float | None
    max_attempts: int


def queue_summary(conn: AnyConn, now: datetime) -> list[QueueSummary]:
    found = {
        r[0]: r
        for r in conn.execute(
            "SELECT status, COUNT(*), MIN(created_at), COALESCE(MAX(attempts), 0)"
            " FROM inbox_queue GROUP BY status"
        )
    }
    out = []
    for status in ("NEW", "CLAIMED", "DONE", "FAILED"):
        r = found.get(status)
        out.append(
            QueueSummary(status, r[1], _age_s(now, r[2]), r[3])
            if r
            else QueueSummary(status, 0, None, 0)
        )
    return out


@dataclass(frozen=True)
class QueueRowView:
    id: int
    status: str
    kind: str
    chat_id: int
    attempts: int
    age_s: float | None
    next_attempt_in_s: float | None
    last_error: str | None


def queue_rows(
    conn: AnyConn, now: datetime, *, status: str | None, limit: int
) -> list[QueueRowView]:
    sql = "SELECT * FROM inbox_queue"
    args: list[object] = []
    if status:
        sql += " WHERE status = ?"
        args.append(status.upper())
    sql += " ORDER BY id DESC LIMIT ?"
    args.append(limit)
    out = []
    for r in conn.execute(sql, args):
        nxt = from_db(r["next_attempt_at"])
        out.append(
            QueueRowView(
                r["id"],
                r["status"],
                r["kind"],
                r["chat_id"],
                r["attempts"],
                _age_s(now, r["created_at"]),
                round((nxt - now).total_seconds(), 1)
                if nxt and r["status"] == "NEW" and nxt > now
                else None,
                r["last_error"],
            )
        )
    return out


@dataclass(frozen=True)
class ClaimedView:
    id: int
    kind: str
    chat_id: int
    claimed_by: str | None
    attempts: int
    lease_left_s: float | None
    expired: bool


def claimed(conn: AnyConn, now: datetime, *, limit: int) -> list[ClaimedView]:
    out = []
    for r in conn.execute(
        "SELECT * FROM inbox_queue WHERE status = 'CLAIMED' ORDER BY lease_until LIMIT ?",
        (limit,),
    ):
        lease = from_db(r["lease_until"])
        left = None if lease is None else round((lease - now).total_seconds(), 1)
        out.append(
            ClaimedView(
                r["id"],
                r["kind"],
                r["chat_id"],
                r["claimed_by"],
                r["attempts"],
                left,
                left is not None and left < 0,
            )
        )
    return out


@dataclass(frozen=True)
class ItemView:
    id: int
    type: str
    status: str
    title: str | None
    start_at: str | None
    all_day: bool
    rrule: str | None
    cal_state: str
    chat_id: int
    inbox_id: int | None


def items(
    conn: AnyConn,
    *,
    limit: int,
    status: str | None = None,
    type_: str | None = None,
    chat_id: int | None = None,
) -> list[ItemView]:
    where, args = [], []
    if status:
        where.append("status = ?")
        args.append(status.upper())
    if type_:
        where.append("type = ?")
        args.append(type_.lower())
    if chat_id is not None:
        where.append("chat_id = ?")
        args.append(chat_id)
    sql = "SELECT * FROM items" + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY id DESC LIMIT ?"
    args.append(limit)
    return [
        ItemView(
            r["id"],
            r["type"],
            r["status"],
            r["title"],
            r["start_at"],
            bool(r["all_day"]),
            r["rrule"],
            r["cal_state"],
            r["chat_id"],
            r["inbox_id"],
        )
        for r in conn.execute(sql, args)
    ]


@dataclass(frozen=True)
class CalendarView:
    id: int
    title: str | None
    cal_state: str
    cal_op: str | None
    attempts: int
    next_attempt_in_s: float | None
    event_id: str | None
    last_error: str | None


def calendar(
    conn: AnyConn, now: datetime, *, limit: int, state_: str | None = None
) -> list[CalendarView]:
    states = [state_.upper()] if state_ else ["PENDING", "FAILED"]
    marks = ",".join("?" * len(states))
    out = []
    for r in conn.execute(
        f"SELECT * FROM items WHERE cal_state IN ({marks}) ORDER BY id DESC LIMIT ?",
        (*states, limit),
    ):
        nxt = from_db(r["next_attempt_at"])
        out.append(
            CalendarView(
                r["id"],
                r["title"],
                r["cal_state"],
                r["cal_op"],
                r["attempts"],
                round((nxt - now).total_seconds(), 1) if nxt else None,
                r["cal_event_id"],
                r["last_error"],
            )
        )
    return out


def calendar_counts(conn: AnyConn) -> dict[str, int]:
    return {
        r[0]: r[1] for r in conn.execute("SELECT cal_state, COUNT(*) FROM items GROUP BY cal_state")
    }


@dataclass(frozen=True)
class DbInfo:
    path: str
    size_bytes: int
    wal_bytes: int
    schema_version: int
    latest_version: int
    pending: list[str]
    instance_id: str | None
    journal_mode: str
    integrity: str


def db_info(conn: sqlite3.Connection, path: Path, *, integrity: bool = True) -> DbInfo:
    st = state(conn)
    wal = Path(f"{path}-wal")
    check = conn.execute("PRAGMA quick_check").fetchone()[0] if integrity else "skipped"
    return DbInfo(
        path=str(path),
        size_bytes=os.path.getsize(path),
        wal_bytes=wal.stat().st_size if wal.exists() else 0,
        schema_version=st.version,
        latest_version=st.latest,
        pending=[f"{m.version:04d}_{m.name}" for m in st.pending],
        instance_id=st.instance_id,
        journal_mode=conn.execute("PRAGMA journal_mode").fetchone()[0],
        integrity=check,
    )


@dataclass(frozen=True)
class PgDbInfo:
    url: str
    database: str
    server_version: str
    size_bytes: int
    schema_version: int
    latest_version: int
    pending: list[str]
    instance_id: str | None
    connections: int
    max_connections: int
    standby: bool
    replicas: int
    replica_lag_s: float | None


def pg_db_info(conn: CompatConnection, settings: Settings) -> PgDbInfo:
    """`diag db` on PostgreSQL: no file, WAL or quick_check; the server's own facts."""
    from organizer.db.pg_facts import facts, schema_state
    from organizer.db.store import where

    st, f = schema_state(conn), facts(conn)
    return PgDbInfo(
        url=where(settings), database=f.database, server_version=f.server_version,
        size_bytes=f.size_bytes, schema_version=st.version, latest_version=st.latest,
        pending=[f"{m.version:04d}_{m.name}" for m in st.pending], instance_id=st.instance_id,
        connections=f.connections, max_connections=f.max_connections, standby=f.in_recovery,
        replicas=f.replicas, replica_lag_s=f.replica_lag_s,
    )  # fmt: skip


@dataclass(frozen=True)
class HealthView:
    service: str
    service_id: str
    status: str | None
    beat_age_s: float | None
    up_s: float | None
    version: str
    stopped: bool


def health(conn: AnyConn, now: datetime) -> list[HealthView]:
    out = []
    for r in conn.execute("SELECT * FROM heartbeats ORDER BY service, beat_at DESC"):
        out.append(
            HealthView(
                r["service"],
                r["service_id"],
                r["status"],
                _age_s(now, r["beat_at"]),
                _age_s(now, r["started_at"]),
                r["version"],
                r["stopped_at"] is not None,
            )
        )
    return out


def now_text(now: datetime) -> str:
    return to_db(now) or ""


@dataclass(frozen=True)
class ReminderView:
    id: int
    kind: str
    chat_id: int
    item_id: int | None
    title: str | None
    due_at: str
    due_in_s: float | None
    status: str
    late: bool


def reminders(
    conn: AnyConn, now: datetime, *, limit: int, status: str | None = None
) -> list[ReminderView]:
    """Pending reminders soonest first (overdue ones on top); or those with `status`."""
    st = (status or "PENDING").upper()
    order = "r.due_at" if st == "PENDING" else "r.due_at DESC"
    rows = conn.execute(
        "SELECT r.*, i.title AS title FROM reminders r LEFT JOIN items i ON i.id = r.item_id"
        f" WHERE r.status = ? ORDER BY {order} LIMIT ?",
        (st, limit),
    )
    out = []
    for r in rows:
        due = from_db(r["due_at"])
        out.append(
            ReminderView(
                r["id"],
                r["kind"],
                r["chat_id"],
                r["item_id"],
                r["title"],
                r["due_at"],
                None if due is None else round((due - now).total_seconds(), 1),
                r["status"],
                bool(r["late"]),
            )
        )
    return out
