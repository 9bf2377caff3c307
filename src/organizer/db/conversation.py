"""SQL for `organizer chat`: the outbox rows of one chat, delivered to the terminal."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime

from organizer.db.connect import transaction
from organizer.db.outbox import OutboxRow
from organizer.model import to_db


def pending_for_chat(
    conn: sqlite3.Connection, chat_id: int, *, after_id: int = 0, inbox_ids: Iterable[int] = ()
) -> list[OutboxRow]:
    """The chat's undelivered rows, plus (after `after_id`) the replies to `inbox_ids`
    whatever their status — so a bot running on the same file cannot hide them."""
    wanted = sorted(set(inbox_ids))
    marks = ",".join("?" * len(wanted)) or "NULL"
    rows = conn.execute(
        "SELECT * FROM outbox WHERE chat_id = ? AND (status = 'PENDING'"
        f" OR (id > ? AND inbox_id IN ({marks}))) ORDER BY id",
        (chat_id, after_id, *wanted),
    ).fetchall()
    return [OutboxRow(**dict(r)) for r in rows]


def mark_sent(conn: sqlite3.Connection, ids: Iterable[int], now: datetime) -> None:
    """The terminal showed them: SENT, with the outbox id standing in for a message id."""
    with transaction(conn):
        for outbox_id in ids:
            conn.execute(
                "UPDATE outbox SET status = 'SENT', sent_at = ?, tg_message_id = id,"
                " attempts = attempts + 1 WHERE id = ? AND status = 'PENDING'",
                (to_db(now), outbox_id),
            )


def row_status(conn: sqlite3.Connection, inbox_id: int) -> str | None:
    r = conn.execute("SELECT status FROM inbox_queue WHERE id = ?", (inbox_id,)).fetchone()
    return r[0] if r else None


def restamp_calendar_requests(
    conn: sqlite3.Connection, chat_id: int, *, since: datetime, now: datetime
) -> int:
    """Fresh calendar requests of this chat stamped at or after `since` (chat's pretend
    clock) become due at `now` (the real clock), so any syncer takes them right away.

    A fresh request (attempts 0) means "due immediately"; a pretend time ahead of the
    real clock would hide it from every syncer until the real time catches up.
    """
    with transaction(conn):
        cur = conn.execute(
            "UPDATE items SET next_attempt_at = ? WHERE chat_id = ? AND cal_state = 'PENDING'"
            " AND attempts = 0 AND next_attempt_at >= ? AND next_attempt_at != ?",
            (to_db(now), chat_id, to_db(since), to_db(now)),
        )
        return cur.rowcount
