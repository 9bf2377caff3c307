"""The Telegram bot's own state: the getUpdates offset and stranger refusals."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import datetime

from organizer.db.connect import transaction
from organizer.model import to_db

OFFSET_KEY = "tg_offset"
BOT_KEY = "tg_bot_id"  # whose offset it is: update ids of another bot mean nothing


def get_offset(conn: sqlite3.Connection, bot_id: int) -> int | None:
    """The stored offset, or None when none is stored or it belongs to another bot."""
    values = dict(
        conn.execute("SELECT key, value FROM bot_state WHERE key IN (?, ?)", (OFFSET_KEY, BOT_KEY))
    )
    if values.get(BOT_KEY) != str(bot_id) or OFFSET_KEY not in values:
        return None
    return int(values[OFFSET_KEY])


def set_offset(conn: sqlite3.Connection, offset: int, now: datetime, bot_id: int) -> None:
    """Only moves forward for the same bot: the offset is the first update id not committed."""
    ts = to_db(now)
    with transaction(conn):
        r = conn.execute("SELECT value FROM bot_state WHERE key = ?", (BOT_KEY,)).fetchone()
        if r is None or r[0] != str(bot_id):
            conn.executemany(
                "INSERT INTO bot_state (key, value, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
                " updated_at = excluded.updated_at",
                ((BOT_KEY, str(bot_id), ts), (OFFSET_KEY, str(offset), ts)),
            )
            return
        conn.execute(
            "INSERT INTO bot_state (key, value, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
            " updated_at = excluded.updated_at"
            " WHERE CAST(bot_state.value AS INTEGER) < CAST(excluded.value AS INTEGER)",
            (OFFSET_KEY, str(offset), ts),
        )


def inbox_has(conn: sqlite3.Connection, message_key: str) -> bool:
    """Was this Telegram message already committed (a re-delivered update)?"""
    r = conn.execute("SELECT 1 FROM inbox_queue WHERE message_key = ?", (message_key,)).fetchone()
    return r is not None


def stranger_key(instance_id: str, user_id: int) -> str:
    """A salted hash: the refusal memory never holds the stranger's user id."""
    return hashlib.sha256(f"{instance_id}:{user_id}".encode()).hexdigest()[:32]


def note_refusal(conn: sqlite3.Connection, who: str, now: datetime) -> bool:
    """True when this stranger was not refused yet today (and records that they now are)."""
    day = now.strftime("%Y-%m-%d")
    with transaction(conn):
        cur = conn.execute(
            "INSERT INTO bot_refusals (who, day) VALUES (?, ?)"
            " ON CONFLICT (who) DO UPDATE SET day = excluded.day"
            " WHERE bot_refusals.day < excluded.day",
            (who, day),
        )
        return cur.rowcount == 1


def refusals_today(conn: sqlite3.Connection, now: datetime) -> int:
    r = conn.execute(
        "SELECT COUNT(*) FROM bot_refusals WHERE day = ?", (now.strftime("%Y-%m-%d"),)
    ).fetchone()
    return int(r[0])
