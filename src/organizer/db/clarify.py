"""The open clarifying question of a chat (at most one per chat).

It lives in the database so it survives restarts of every service; `expired` finds the
ones whose CLARIFY_TTL_SEC ran out (`take_expired` takes them for the expiry timer).
Writers run inside the caller's transaction.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from organizer.db import chats
from organizer.db.dialect import is_postgres
from organizer.model import from_db, to_db


@dataclass(frozen=True)
class Question:
    chat_id: int
    item_id: int
    missing: tuple[str, ...]
    purpose: str  # 'complete' (a DRAFT item) | 'reschedule' (an OPEN item)
    asks: int
    lang: str | None
    inbox_id: int | None
    created_at: datetime
    expires_at: datetime

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


def _q(r: sqlite3.Row | None) -> Question | None:
    if r is None:
        return None
    return Question(
        chat_id=r["chat_id"],
        item_id=r["item_id"],
        missing=tuple(json.loads(r["missing"])),
        purpose=r["purpose"],
        asks=r["asks"],
        lang=r["lang"],
        inbox_id=r["inbox_id"],
        created_at=from_db(r["created_at"]),  # type: ignore[arg-type]
        expires_at=from_db(r["expires_at"]),  # type: ignore[arg-type]
    )


def get(conn: sqlite3.Connection, chat_id: int) -> Question | None:
    return _q(conn.execute("SELECT * FROM clarify WHERE chat_id = ?", (chat_id,)).fetchone())


def ask(
    conn: sqlite3.Connection,
    *,
    chat_id: int,
    item_id: int,
    missing: list[str] | tuple[str, ...],
    purpose: str,
    inbox_id: int | None,
    lang: str | None,
    now: datetime,
    ttl_s: float,
    asks: int = 1,
) -> None:
    """Open (or replace) the chat's question; its clock starts again at `now`."""
    conn.execute(
        "INSERT INTO clarify (chat_id, item_id, missing, purpose, asks, lang, inbox_id,"
        " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (chat_id) DO UPDATE SET item_id = excluded.item_id,"
        " missing = excluded.missing, purpose = excluded.purpose, asks = excluded.asks,"
        " lang = excluded.lang, inbox_id = excluded.inbox_id,"
        " created_at = excluded.created_at, expires_at = excluded.expires_at",
        (
            chat_id,
            item_id,
            json.dumps(list(missing)),
            purpose,
            asks,
            lang,
            inbox_id,
            to_db(now),
            to_db(now + timedelta(seconds=ttl_s)),
        ),
    )


def close(conn: sqlite3.Connection, chat_id: int, item_id: int | None = None) -> bool:
    """Close the chat's question (only if it is about `item_id`, when given)."""
    if item_id is None:
        cur = conn.execute("DELETE FROM clarify WHERE chat_id = ?", (chat_id,))
    else:
        cur = conn.execute(
            "DELETE FROM clarify WHERE chat_id = ? AND item_id = ?", (chat_id, item_id)
        )
    return cur.rowcount > 0


def close_for_item(conn: sqlite3.Connection, item_id: int) -> bool:
    return conn.execute("DELETE FROM clarify WHERE item_id = ?", (item_id,)).rowcount > 0


def expired(conn: sqlite3.Connection, now: datetime, *, limit: int = 100) -> list[Question]:
    rows = conn.execute(
        "SELECT * FROM clarify WHERE expires_at <= ? ORDER BY expires_at LIMIT ?",
        (to_db(now), limit),
    )
    return [q for q in map(_q, rows) if q is not None]


def take_expired(conn: sqlite3.Connection, now: datetime, *, limit: int = 100) -> list[Question]:
    """The expired questions the expiry timer may settle, inside its transaction.

    SQLite: `expired` (BEGIN IMMEDIATE made the timer the only writer). PostgreSQL,
    where workers run side by side: each question is TAKEN with `FOR UPDATE SKIP
    LOCKED` (two timers never settle one twice), and a chat a worker holds is left
    alone (chats.hold): its message may be the answer, and settling under it would
    tell the person "kept as a task" beside the answer's own reply.
    """
    if not is_postgres(conn):
        return expired(conn, now, limit=limit)
    rows = conn.execute(
        "SELECT * FROM clarify c WHERE expires_at <= ?"
        # busy chats left out here already, so they never fill a batch; chats.hold is
        # what makes it safe
        " AND NOT EXISTS (SELECT 1 FROM inbox_queue q WHERE q.chat_id = c.chat_id"
        " AND q.status = 'CLAIMED')"
        " ORDER BY expires_at LIMIT ? FOR UPDATE OF c SKIP LOCKED",
        (to_db(now), limit),
    ).fetchall()
    return [q for q in map(_q, rows) if q is not None and chats.hold(conn, q.chat_id)]


def count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM clarify").fetchone()[0])
