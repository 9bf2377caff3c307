"""The items one message created together (migration 0012): the SQL of pipeline/multi.py.

Written inside the caller's transaction, with the items themselves.
"""

from __future__ import annotations

import sqlite3


def add(conn: sqlite3.Connection, inbox_id: int, item_ids: list[int]) -> None:
    """Record the message's items in the order said (a replay changes nothing)."""
    conn.executemany(
        "INSERT INTO item_batches (inbox_id, pos, item_id) VALUES (?, ?, ?)"
        " ON CONFLICT (inbox_id, pos) DO NOTHING",
        [(inbox_id, pos, item_id) for pos, item_id in enumerate(item_ids)],
    )


def siblings(conn: sqlite3.Connection, item_id: int) -> list[int]:
    """All the items of the message that created `item_id` (itself included), in order;
    [] when it was created alone."""
    rows = conn.execute(
        "SELECT b.item_id FROM item_batches b JOIN item_batches me ON me.inbox_id = b.inbox_id"
        " WHERE me.item_id = ? ORDER BY b.pos",
        (item_id,),
    ).fetchall()
    return [int(r[0]) for r in rows]
