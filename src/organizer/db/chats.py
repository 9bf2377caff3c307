"""A periodic job's hold on one chat, so a chat's rows keep one writer at a time.

A worker handling a message holds its chat (the queue's claim). On SQLite every other
writer waits for the single write lock, so a timer's read-then-write is safe. On
PostgreSQL (READ COMMITTED) a timer that writes a chat's rows (clarify expiry, reminders) must
first take the chat: the transaction-scoped advisory lock the queue's claim also tries
(organizer.db.pg_queue), then a check, in a new statement after the lock, that no
inbox row of the chat is CLAIMED. Until the timer commits, no worker can claim it.
"""

from __future__ import annotations

import sqlite3

from organizer.db.dialect import is_postgres


def hold(conn: sqlite3.Connection, chat_id: int) -> bool:
    """Inside the caller's transaction: True when this transaction may write the chat's
    rows until it commits; False when a worker holds the chat (leave it for later)."""
    if not is_postgres(conn):
        return True  # BEGIN IMMEDIATE: this transaction is the only writer
    got = conn.execute("SELECT pg_try_advisory_xact_lock(?)", (chat_id,)).fetchone()
    if not (got and got[0]):
        return False
    busy = conn.execute(
        "SELECT 1 FROM inbox_queue WHERE chat_id = ? AND status = 'CLAIMED' LIMIT 1", (chat_id,)
    ).fetchone()
    return busy is None
