"""The item(s) a chat's conversation was last about (migration 0009). Writers run inside
the caller's transaction, beside the change that made the item the referent."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from organizer.model import from_db, to_db


def remember(conn: sqlite3.Connection, chat_id: int, item_id: int, now: datetime) -> None:
    """`item_id` is now what the chat talks about; older referents are forgotten, those of
    this same moment are kept beside it."""
    stamp = to_db(now)
    conn.execute("DELETE FROM referent WHERE chat_id = ? AND at < ?", (chat_id, stamp))
    conn.execute(
        "INSERT INTO referent (chat_id, item_id, at) VALUES (?, ?, ?)"
        " ON CONFLICT (chat_id, item_id) DO UPDATE SET at = excluded.at",
        (chat_id, item_id, stamp),
    )


def latest(conn: sqlite3.Connection, chat_id: int) -> tuple[list[int], datetime | None]:
    """The ids of the chat's latest referents and when they became so."""
    rows = conn.execute(
        "SELECT item_id, at FROM referent WHERE chat_id = ?"
        " AND at = (SELECT MAX(at) FROM referent WHERE chat_id = ?) ORDER BY item_id",
        (chat_id, chat_id),
    ).fetchall()
    if not rows:
        return [], None
    return [int(r[0]) for r in rows], from_db(rows[0][1])
