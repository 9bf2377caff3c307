"""Reads for the note list, and which worker process last showed the chat's question.

The lists lane's SQL (issue 16 #8, #12); the decisions on what is read are in the pure
organizer.pipeline.lists. Writers run inside the caller's transaction.
"""

from __future__ import annotations

import sqlite3

from organizer.db.items import _COLUMNS, Item, _item


def notes_page(
    conn: sqlite3.Connection, chat_id: int, *, offset: int, limit: int
) -> tuple[list[Item], int]:
    """The chat's kept notes, newest first: one page of them and how many there are."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM items WHERE chat_id = ? AND type = 'note' AND status = 'OPEN'"
        " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
        (chat_id, limit, offset),
    )
    notes = [i for i in map(_item, rows) if i is not None]
    total = conn.execute(
        "SELECT COUNT(*) FROM items WHERE chat_id = ? AND type = 'note' AND status = 'OPEN'",
        (chat_id,),
    ).fetchone()[0]
    return notes, int(total)


def shown_by(conn: sqlite3.Connection, chat_id: int) -> str | None:
    row = conn.execute("SELECT shown_by FROM clarify WHERE chat_id = ?", (chat_id,)).fetchone()
    return None if row is None else row[0]


def mark_shown(conn: sqlite3.Connection, chat_id: int, process: str) -> None:
    conn.execute("UPDATE clarify SET shown_by = ? WHERE chat_id = ?", (process, chat_id))
