"""Items: tasks, meetings, notes — all the SQL the pipeline needs for them.

Every function that writes runs inside the caller's transaction (the pipeline wraps one
inbox row's effects and its outbox reply in one `transaction(conn)`), so an item change
and the reply about it commit together or not at all.

Calendar request fields follow the contract in docs/CONTRIBUTING.md: a complete meeting
(created or rescheduled) gets `cal_state='PENDING', cal_op='upsert'` (or `LOCAL` with
CALENDAR_BACKEND=none); cancelling a meeting the calendar knows of asks for a delete.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from organizer.ical import event_uid
from organizer.model import from_db, to_db

OPEN_STATUSES = ("DRAFT", "OPEN")
CALENDAR_KNOWN = ("PENDING", "SYNCED", "FAILED")


@dataclass(frozen=True)
class Item:
    id: int
    chat_id: int
    inbox_id: int | None
    type: str
    title: str | None
    status: str
    start_at: datetime | None
    end_at: datetime | None
    all_day: bool
    rrule: str | None
    tz: str
    source_text: str | None
    cal_state: str
    cal_op: str | None
    cal_uid: str | None
    cal_event_id: str | None
    lang: str | None
    created_at: datetime | None
    updated_at: datetime | None


_COLUMNS = (
    "id, chat_id, inbox_id, type, title, status, start_at, end_at, all_day, rrule, tz,"
    " source_text, cal_state, cal_op, cal_uid, cal_event_id, lang, created_at, updated_at"
)


def _item(r: sqlite3.Row | None) -> Item | None:
    if r is None:
        return None
    # by position (the order of _COLUMNS and of Item's fields): ~7 items are read per
    # text message, and a dict of each row cost more than the row itself
    return Item(r[0], r[1], r[2], r[3], r[4], r[5], from_db(r[6]), from_db(r[7]), bool(r[8]),
                r[9], r[10], r[11], r[12], r[13], r[14], r[15], r[16], from_db(r[17]),
                from_db(r[18]))


def get(conn: sqlite3.Connection, item_id: int) -> Item | None:
    return _item(conn.execute(f"SELECT {_COLUMNS} FROM items WHERE id = ?", (item_id,)).fetchone())


def by_inbox(conn: sqlite3.Connection, inbox_id: int) -> Item | None:
    return _item(
        conn.execute(f"SELECT {_COLUMNS} FROM items WHERE inbox_id = ?", (inbox_id,)).fetchone()
    )


def instance_id(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT value FROM meta WHERE key = 'instance_id'").fetchone()
    return row[0] if row else "unknown"


def insert(
    conn: sqlite3.Connection,
    *,
    chat_id: int,
    inbox_id: int | None,
    type: str,
    title: str | None,
    status: str,
    start: datetime | None,
    end: datetime | None,
    all_day: bool,
    rrule: str | None,
    tz: str,
    source_text: str | None,
    lang: str | None,
    now: datetime,
) -> tuple[int, bool]:
    """(id, True) for a new item; (existing id, False) when this inbox row made one already."""
    ts = to_db(now)
    cur = conn.execute(
        "INSERT INTO items (chat_id, inbox_id, type, title, status, start_at, end_at, all_day,"
        " rrule, tz, source_text, lang, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (inbox_id) DO NOTHING RETURNING id",
        (
            chat_id,
            inbox_id,
            type,
            title,
            status,
            to_db(start),
            to_db(end),
            int(all_day),
            rrule,
            tz,
            source_text,
            lang,
            ts,
            ts,
        ),
    )
    made = cur.fetchall()  # RETURNING: lastrowid is SQLite's alone
    if made:
        return int(made[0][0]), True
    row = conn.execute("SELECT id FROM items WHERE inbox_id = ?", (inbox_id,)).fetchone()
    return int(row[0]), False


_UPDATABLE = frozenset(
    {"type", "title", "status", "start_at", "end_at", "all_day", "rrule", "source_text", "lang"}
)


def update(conn: sqlite3.Connection, item_id: int, now: datetime, **fields: Any) -> None:
    """Set the given columns (datetimes converted, booleans as 0/1) and updated_at."""
    unknown = set(fields) - _UPDATABLE
    if unknown:
        raise ValueError(f"cannot update items columns {sorted(unknown)}")
    sets, values = [], []
    for key, value in fields.items():
        if isinstance(value, datetime):
            value = to_db(value)
        elif isinstance(value, bool):
            value = int(value)
        sets.append(f"{key} = ?")
        values.append(value)
    sets.append("updated_at = ?")
    values.append(to_db(now))
    conn.execute(f"UPDATE items SET {', '.join(sets)} WHERE id = ?", (*values, item_id))


def request_upsert(
    conn: sqlite3.Connection, item_id: int, *, backend: str, now: datetime
) -> None:
    """A complete meeting (new or moved): ask the sync job to create/update its event."""
    if backend == "none":
        conn.execute(
            "UPDATE items SET cal_state = 'LOCAL', cal_op = NULL, updated_at = ? WHERE id = ?",
            (to_db(now), item_id),
        )
        return
    # A new series definition: the event is anchored at the item's start again.
    conn.execute(
        "UPDATE items SET cal_state = 'PENDING', cal_op = 'upsert', attempts = 0,"
        " next_attempt_at = ?, last_error = NULL, cal_uid = ?, cal_dtstart = NULL,"
        " cal_dtend = NULL, updated_at = ? WHERE id = ?",
        (to_db(now), event_uid(instance_id(conn), item_id), to_db(now), item_id),
    )


def request_refresh(conn: sqlite3.Connection, item_id: int, *, now: datetime) -> bool:
    """An open meeting the calendar knows of changed within its series (an occurrence was
    cancelled): ask the sync job to update its event, keeping the series' anchor.

    Same request as `request_upsert` (PENDING, upsert, attempts 0, due now); nothing for
    items the calendar does not hold (NONE, LOCAL) or cancelled ones. True when asked.
    """
    cur = conn.execute(
        "UPDATE items SET cal_state = 'PENDING', cal_op = 'upsert', attempts = 0,"
        " next_attempt_at = ?, last_error = NULL,"
        " cal_uid = COALESCE(cal_uid, ?), updated_at = ?"
        " WHERE id = ? AND type = 'meeting' AND status = 'OPEN'"
        " AND cal_state IN ('PENDING', 'SYNCED', 'FAILED')",
        (to_db(now), event_uid(instance_id(conn), item_id), to_db(now), item_id),
    )
    return cur.rowcount == 1


def move_in_series(
    conn: sqlite3.Connection,
    item_id: int,
    now: datetime,
    *,
    start: datetime,
    end: datetime | None,
) -> None:
    """A recurring item moves on to another occurrence of the same series.

    The first move remembers where the series began (`cal_dtstart`/`cal_dtend`), so the
    calendar event keeps its DTSTART. (In an UPDATE every right-hand side reads the old
    row, so both CASEs see the old cal_dtstart.)
    """
    conn.execute(
        "UPDATE items SET"
        " cal_dtend = CASE WHEN cal_dtstart IS NULL THEN end_at ELSE cal_dtend END,"
        " cal_dtstart = COALESCE(cal_dtstart, start_at),"
        " start_at = ?, end_at = ?, updated_at = ? WHERE id = ?",
        (to_db(start), to_db(end), to_db(now), item_id),
    )


def add_exdate(
    conn: sqlite3.Connection, item_id: int, occurrence: datetime, *, now: datetime
) -> bool:
    """Record one cancelled occurrence of a series; False when it was recorded already."""
    cur = conn.execute(
        "INSERT INTO item_exdates (item_id, occurrence_at, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT (item_id, occurrence_at) DO NOTHING",
        (item_id, to_db(occurrence), to_db(now)),
    )
    return cur.rowcount == 1


def exdates(conn: sqlite3.Connection, item_id: int) -> list[datetime]:
    """The item's cancelled occurrences, oldest first."""
    rows = conn.execute(
        "SELECT occurrence_at FROM item_exdates WHERE item_id = ? ORDER BY occurrence_at",
        (item_id,),
    )
    return [d for d in (from_db(r[0]) for r in rows) if d is not None]


def request_delete(conn: sqlite3.Connection, item_id: int, *, now: datetime) -> None:
    """A cancelled meeting the calendar may know of: ask the sync job to remove its event."""
    conn.execute(
        "UPDATE items SET cal_state = 'PENDING', cal_op = 'delete', attempts = 0,"
        " next_attempt_at = ?, last_error = NULL, updated_at = ?"
        " WHERE id = ? AND cal_state IN ('PENDING', 'SYNCED', 'FAILED')",
        (to_db(now), to_db(now), item_id),
    )


def open_items(conn: sqlite3.Connection, chat_id: int, *, limit: int = 500) -> list[Item]:
    """The chat's OPEN items, newest first (what cancel/complete/reschedule search)."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM items WHERE chat_id = ? AND status = 'OPEN'"
        " ORDER BY id DESC LIMIT ?",
        (chat_id, limit),
    )
    return [i for i in map(_item, rows) if i is not None]


def open_recurring(conn: sqlite3.Connection, chat_id: int) -> list[Item]:
    """The chat's OPEN dated recurring items, by id (the agenda expands their series);
    one query, not one per item (issue 19)."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM items WHERE chat_id = ? AND status = 'OPEN'"
        " AND rrule IS NOT NULL AND start_at IS NOT NULL ORDER BY id",
        (chat_id,),
    )
    return [i for i in map(_item, rows) if i is not None]


def in_range(
    conn: sqlite3.Connection, chat_id: int, start: datetime, end: datetime
) -> list[Item]:
    """OPEN items that start in [start, end) or (multi-day) span into it, by start."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM items WHERE chat_id = ? AND status = 'OPEN'"
        " AND start_at IS NOT NULL AND start_at < ?"
        " AND (start_at >= ? OR (end_at IS NOT NULL AND end_at > ?))"
        " ORDER BY start_at, id",
        (chat_id, to_db(end), to_db(start), to_db(start)),
    )
    return [i for i in map(_item, rows) if i is not None]


def overdue_tasks(conn: sqlite3.Connection, chat_id: int, before: datetime) -> list[Item]:
    """OPEN tasks whose due moment is before `before`."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM items WHERE chat_id = ? AND status = 'OPEN' AND type = 'task'"
        " AND start_at IS NOT NULL AND start_at < ? ORDER BY start_at, id",
        (chat_id, to_db(before)),
    )
    return [i for i in map(_item, rows) if i is not None]


def undated_tasks(conn: sqlite3.Connection, chat_id: int, *, limit: int = 50) -> list[Item]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM items WHERE chat_id = ? AND status = 'OPEN' AND type = 'task'"
        " AND start_at IS NULL ORDER BY id LIMIT ?",
        (chat_id, limit),
    )
    return [i for i in map(_item, rows) if i is not None]


def count_undated_tasks(conn: sqlite3.Connection, chat_id: int) -> int:
    return int(
        conn.execute(
            "SELECT COUNT(*) FROM items WHERE chat_id = ? AND status = 'OPEN' AND type = 'task'"
            " AND start_at IS NULL",
            (chat_id,),
        ).fetchone()[0]
    )


def open_tasks(conn: sqlite3.Connection, chat_id: int, *, limit: int = 100) -> list[Item]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM items WHERE chat_id = ? AND status = 'OPEN' AND type = 'task'"
        " ORDER BY start_at IS NULL, start_at, id LIMIT ?",
        (chat_id, limit),
    )
    return [i for i in map(_item, rows) if i is not None]


def count_by_chat(conn: sqlite3.Connection, chat_id: int) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM items WHERE chat_id = ?", (chat_id,)).fetchone()[0])


def answered(conn: sqlite3.Connection, inbox_id: int) -> bool:
    """True when an outbox row for this inbox row exists: its work is already committed.

    The pipeline writes every effect of a message and its reply in one transaction, so a
    reply means "done" — a row processed again after a crash is answered once, acted once.
    """
    row = conn.execute("SELECT 1 FROM outbox WHERE inbox_id = ? LIMIT 1", (inbox_id,)).fetchone()
    return row is not None


def ids(items: Sequence[Item]) -> list[int]:
    return [i.id for i in items]
