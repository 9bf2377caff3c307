"""Per-chat settings (time zone, language, agenda time, reminder lead).

A row is created the first time a chat has an item or uses a settings command; a NULL
column means "the operator's default" (ORGANIZER_TZ, AGENDA_TIME, REMINDER_LEAD_MIN,
Russian). `agenda_time` may be 'off' (no daily agenda).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from organizer.model import to_db


@dataclass(frozen=True)
class User:
    chat_id: int
    user_id: int | None
    tz: str | None
    lang: str | None
    agenda_time: str | None
    reminder_lead_min: int | None
    created_at: str
    updated_at: str


_SETTABLE = frozenset({"user_id", "tz", "lang", "agenda_time", "reminder_lead_min"})


def get(conn: sqlite3.Connection, chat_id: int) -> User | None:
    r = conn.execute("SELECT * FROM users WHERE chat_id = ?", (chat_id,)).fetchone()
    return None if r is None else User(**dict(r))


def tz_for(conn: sqlite3.Connection, chat_id: int, default: str) -> str:
    """The chat's own zone if it set one (/tz), else the default ORGANIZER_TZ."""
    r = conn.execute("SELECT tz FROM users WHERE chat_id = ?", (chat_id,)).fetchone()
    return r[0] if r and r[0] else default


def ensure(conn: sqlite3.Connection, chat_id: int, now: datetime) -> bool:
    """Create the chat's row (all defaults) unless it exists; True when created."""
    ts = to_db(now)
    cur = conn.execute(
        "INSERT INTO users (chat_id, created_at, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT (chat_id) DO NOTHING",
        (chat_id, ts, ts),
    )
    return cur.rowcount == 1


def update(conn: sqlite3.Connection, chat_id: int, now: datetime, **fields: Any) -> None:
    """Set the given settings (creating the row first when needed)."""
    unknown = set(fields) - _SETTABLE
    if unknown:
        raise ValueError(f"cannot update users columns {sorted(unknown)}")
    ensure(conn, chat_id, now)
    sets = [f"{k} = ?" for k in fields] + ["updated_at = ?"]
    conn.execute(
        f"UPDATE users SET {', '.join(sets)} WHERE chat_id = ?",
        (*fields.values(), to_db(now), chat_id),
    )
