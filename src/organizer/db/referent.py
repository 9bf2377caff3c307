"""The item(s) a chat's conversation was last about (migration 0009). Writers run inside
the caller's transaction, beside the change that made the item the referent."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from organizer.model import from_db, to_db


def remember(
    conn: sqlite3.Connection, chat_id: int, item_id: int, now: datetime, *, cause: str
) -> None:
    """`item_id` is now what the chat talks about. `cause` names what made it so (one
    message, one reminder tick): the referents of another cause are forgotten, those of
    the same one (several items of one message, reminders sent together) are kept."""
    conn.execute("DELETE FROM referent WHERE chat_id = ? AND cause != ?", (chat_id, cause))
    conn.execute(
        "INSERT INTO referent (chat_id, item_id, cause, at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (chat_id, item_id) DO UPDATE SET cause = excluded.cause, at = excluded.at",
        (chat_id, item_id, cause, to_db(now)),
    )


def latest(conn: sqlite3.Connection, chat_id: int) -> tuple[list[int], datetime | None]:
    """The ids of the chat's referents and when they became so (the latest time)."""
    rows = conn.execute(
        "SELECT item_id, at FROM referent WHERE chat_id = ? ORDER BY item_id", (chat_id,)
    ).fetchall()
    if not rows:
        return [], None
    return [int(r[0]) for r in rows], max(from_db(r[1]) for r in rows)  # type: ignore[type-var]
