"""Reminder rows: all the SQL of reminders, recurrence and the daily agenda.

Writers run inside the caller's transaction (the scheduler tick and the hooks hold one),
so marking a reminder SENT and writing its outbox row commit together.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from organizer.db import chats
from organizer.db.dialect import is_postgres
from organizer.model import from_db, to_db


@dataclass(frozen=True)
class Reminder:
    id: int
    item_id: int | None
    chat_id: int
    kind: str
    occurrence_at: datetime
    seq: int
    local_date: str | None
    due_at: datetime
    status: str
    sent_at: datetime | None
    late: bool
    outbox_id: int | None
    created_at: datetime
    updated_at: datetime


def _row(r: sqlite3.Row | None) -> Reminder | None:
    if r is None:
        return None
    d = dict(r)
    for key in ("occurrence_at", "due_at", "sent_at", "created_at", "updated_at"):
        d[key] = from_db(d[key])
    d["late"] = bool(d["late"])
    return Reminder(**d)


def _rows(cur: Iterable[sqlite3.Row]) -> list[Reminder]:
    return [r for r in map(_row, cur) if r is not None]


# Queries by item or chat write `+status` so that SQLite picks the item/chat index, never
# the (status, due_at) index, which would walk every pending row of every chat. The unary
# plus is SQLite's "no index here" hint; PostgreSQL has no `+text` (and its planner needs
# no hint), so `_no_index(conn)` writes it only on SQLite.


def _no_index(conn: sqlite3.Connection) -> str:
    return "" if is_postgres(conn) else "+"


def due(conn: sqlite3.Connection, now: datetime, limit: int) -> list[Reminder]:
    """PENDING rows due at or before `now`, oldest first (the reminders_due index)."""
    return _rows(
        conn.execute(
            "SELECT * FROM reminders WHERE status = 'PENDING' AND due_at <= ?"
            " ORDER BY due_at, id LIMIT ?",
            (to_db(now), limit),
        )
    )


def take_due(conn: sqlite3.Connection, now: datetime, limit: int) -> list[Reminder]:
    """The due rows this tick may send, inside the caller's transaction.

    SQLite: `due` (BEGIN IMMEDIATE already made this tick the only writer). PostgreSQL,
    where several workers tick at once: each row is TAKEN with `FOR UPDATE SKIP LOCKED`
    (another tick's rows are skipped, never waited for; a row it has sent is no longer
    PENDING once we see it), and the rows of a chat that a worker holds (an inbox row
    CLAIMED) are left for a later tick, because sending a reminder writes the chat's
    rows too (the item of a series moves on, the next reminder is planned) and a chat's
    rows have one writer at a time: the holder of the chat.
    """
    if not is_postgres(conn):
        return due(conn, now, limit)
    rows = _rows(
        conn.execute(
            "SELECT * FROM reminders r WHERE status = 'PENDING' AND due_at <= ?"
            # busy chats left out here already (inbox_chat index), so they never fill
            # a batch; chats.hold below is what makes it safe
            " AND NOT EXISTS (SELECT 1 FROM inbox_queue q WHERE q.chat_id = r.chat_id"
            " AND q.status = 'CLAIMED')"
            " ORDER BY due_at, id LIMIT ? FOR UPDATE OF r SKIP LOCKED",
            (to_db(now), limit),
        )
    )
    free = {chat for chat in {r.chat_id for r in rows} if chats.hold(conn, chat)}
    return [r for r in rows if r.chat_id in free]


def any_due(conn: sqlite3.Connection, now: datetime) -> bool:
    row = conn.execute(
        "SELECT 1 FROM reminders WHERE status = 'PENDING' AND due_at <= ? LIMIT 1",
        (to_db(now),),
    ).fetchone()
    return row is not None


def purge(conn: sqlite3.Connection, before: datetime, limit: int = 5000) -> int:
    """Delete SENT/CANCELLED rows due before `before` (by the (status, due_at) index)."""
    n = 0
    for status in ("SENT", "CANCELLED"):
        n += conn.execute(
            "DELETE FROM reminders WHERE id IN (SELECT id FROM reminders WHERE status = ?"
            " AND due_at < ? LIMIT ?)",
            (status, to_db(before), limit),
        ).rowcount
    return n


def get(conn: sqlite3.Connection, reminder_id: int) -> Reminder | None:
    return _row(conn.execute("SELECT * FROM reminders WHERE id = ?", (reminder_id,)).fetchone())


def for_item(conn: sqlite3.Connection, item_id: int) -> list[Reminder]:
    return _rows(
        conn.execute(
            "SELECT * FROM reminders WHERE item_id = ? ORDER BY occurrence_at, seq", (item_id,)
        )
    )


def find(
    conn: sqlite3.Connection, item_id: int, occurrence: datetime, seq: int = 0
) -> Reminder | None:
    return _row(
        conn.execute(
            "SELECT * FROM reminders WHERE item_id = ? AND occurrence_at = ? AND seq = ?",
            (item_id, to_db(occurrence), seq),
        ).fetchone()
    )


def latest_for_item(conn: sqlite3.Connection, item_id: int) -> Reminder | None:
    """The item's most recent reminder (latest occurrence, highest seq)."""
    return _row(
        conn.execute(
            "SELECT * FROM reminders WHERE item_id = ? AND status != 'CANCELLED'"
            " ORDER BY occurrence_at DESC, seq DESC LIMIT 1",
            (item_id,),
        ).fetchone()
    )


def last_seq(conn: sqlite3.Connection, item_id: int, occurrence: datetime) -> int:
    row = conn.execute(
        "SELECT MAX(seq) FROM reminders WHERE item_id = ? AND occurrence_at = ?",
        (item_id, to_db(occurrence)),
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else -1


def pending_snooze(conn: sqlite3.Connection, item_id: int, occurrence: datetime) -> Reminder | None:
    return _row(
        conn.execute(
            "SELECT * FROM reminders WHERE item_id = ? AND occurrence_at = ? AND seq > 0"
            f" AND {_no_index(conn)}status = 'PENDING' ORDER BY seq DESC LIMIT 1",
            (item_id, to_db(occurrence)),
        ).fetchone()
    )


def insert(
    conn: sqlite3.Connection,
    *,
    chat_id: int,
    kind: str,
    occurrence: datetime,
    due: datetime,
    now: datetime,
    item_id: int | None = None,
    seq: int = 0,
    local_date: date | None = None,
) -> int:
    ts = to_db(now)
    cur = conn.execute(
        "INSERT INTO reminders (item_id, chat_id, kind, occurrence_at, seq, local_date, due_at,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            item_id,
            chat_id,
            kind,
            to_db(occurrence),
            seq,
            local_date.isoformat() if local_date else None,
            to_db(due),
            ts,
            ts,
        ),
    )
    return int(cur.fetchone()[0])


def reschedule(
    conn: sqlite3.Connection, reminder_id: int, *, due: datetime, kind: str, now: datetime
) -> None:
    """Make a not-yet-sent row PENDING again at `due` (a SENT row is never re-armed)."""
    conn.execute(
        "UPDATE reminders SET status = 'PENDING', due_at = ?, kind = ?, updated_at = ?"
        " WHERE id = ? AND status != 'SENT'",
        (to_db(due), kind, to_db(now), reminder_id),
    )


def mark_sent(
    conn: sqlite3.Connection,
    reminder_id: int,
    *,
    now: datetime,
    late: bool,
    outbox_id: int | None,
) -> bool:
    cur = conn.execute(
        "UPDATE reminders SET status = 'SENT', sent_at = ?, late = ?, outbox_id = ?,"
        " updated_at = ? WHERE id = ? AND status = 'PENDING'",
        (to_db(now), int(late), outbox_id, to_db(now), reminder_id),
    )
    return cur.rowcount == 1


def cancel(conn: sqlite3.Connection, reminder_id: int, now: datetime) -> None:
    conn.execute(
        "UPDATE reminders SET status = 'CANCELLED', updated_at = ?"
        " WHERE id = ? AND status = 'PENDING'",
        (to_db(now), reminder_id),
    )


def cancel_for_item(
    conn: sqlite3.Connection,
    item_id: int,
    now: datetime,
    *,
    keep: Iterable[datetime] = (),
) -> int:
    """Cancel the item's PENDING rows except those for the occurrences in `keep`."""
    kept = [to_db(k) for k in keep]
    marks = ", ".join("?" for _ in kept)
    extra = f" AND occurrence_at NOT IN ({marks})" if kept else ""
    cur = conn.execute(
        "UPDATE reminders SET status = 'CANCELLED', updated_at = ?"
        f" WHERE item_id = ? AND {_no_index(conn)}status = 'PENDING'{extra}",
        (to_db(now), item_id, *kept),
    )
    return cur.rowcount


def outbox_id_for(conn: sqlite3.Connection, dedup_key: str) -> int | None:
    row = conn.execute("SELECT id FROM outbox WHERE dedup_key = ?", (dedup_key,)).fetchone()
    return int(row[0]) if row else None


def outbox_text(conn: sqlite3.Connection, outbox_id: int) -> str | None:
    row = conn.execute("SELECT text FROM outbox WHERE id = ?", (outbox_id,)).fetchone()
    return row[0] if row else None


def chat_lang(conn: sqlite3.Connection, chat_id: int) -> str | None:
    """The language of the chat's latest item that has one (items.lang, ru | en)."""
    row = conn.execute(
        "SELECT lang FROM items WHERE chat_id = ? AND lang IS NOT NULL ORDER BY id DESC LIMIT 1",
        (chat_id,),
    ).fetchone()
    return row[0] if row else None


# --- the daily agenda ---------------------------------------------------------------


def agenda_row(conn: sqlite3.Connection, chat_id: int, local_date: date) -> Reminder | None:
    return _row(
        conn.execute(
            "SELECT * FROM reminders WHERE kind = 'agenda' AND chat_id = ? AND local_date = ?",
            (chat_id, local_date.isoformat()),
        ).fetchone()
    )


def pending_agenda(conn: sqlite3.Connection, chat_id: int, since: date) -> list[Reminder]:
    """The chat's PENDING agenda rows for `since` or later (a range on reminders_agenda_day,
    so the chat's history of sent agendas is never walked)."""
    return _rows(
        conn.execute(
            "SELECT * FROM reminders WHERE kind = 'agenda' AND chat_id = ? AND local_date >= ?"
            f" AND {_no_index(conn)}status = 'PENDING' ORDER BY {_no_index(conn)}due_at",
            (chat_id, since.isoformat()),
        )
    )
