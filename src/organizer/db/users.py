"""Per-chat settings (time zone, language, agenda time, reminder lead)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


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


def get(conn: sqlite3.Connection, chat_id: int) -> User | None:
    r = conn.execute("SELECT * FROM users WHERE chat_id = ?", (chat_id,)).fetchone()
    return None if r is None else User(**dict(r))


def tz_for(conn: sqlite3.Connection, chat_id: int, default: str) -> str:
    """The chat's own zone if it set one (/tz), else the default ORGANIZER_TZ."""
    r = conn.execute("SELECT tz FROM users WHERE chat_id = ?", (chat_id,)).fetchone()
    return r[0] if r and r[0] else default
