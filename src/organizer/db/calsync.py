"""All the SQL of the calendar sync state machine (see docs/CALENDAR.md).

States of `items.cal_state`: NONE (not a calendar item), LOCAL (CALENDAR_BACKEND=none),
PENDING (to push; `cal_op` says upsert or delete), SYNCED, FAILED.

A syncer `claim`s a PENDING item (cal_claimed_by, cal_lease_until; migration 0008)
before its remote call, so two syncers never work one item at once; `due` skips held
items, every outcome gives the claim back, a crashed syncer's claim lapses.

Every write here is one short transaction and is *conditional* on the row still being
the version the sync job read (`CalRow.version`): when the pipeline reschedules or
cancels an item while its previous version is on the wire, the new request is never
overwritten — only the event id learnt from the server is kept.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from organizer.db.connect import transaction
from organizer.db.dialect import is_postgres
from organizer.errors import NotFound, OrganizerError
from organizer.model import to_db

# The item's cancelled occurrences (migration 0006) as one deterministic text, oldest
# first, comma-separated; NULL when there are none. SQLite's group_concat keeps the order
# of the ordered subquery; PostgreSQL's string_agg takes the order itself.
_EXDATES_SQLITE = (
    "(SELECT group_concat(occurrence_at, ',') FROM (SELECT occurrence_at FROM item_exdates"
    " x WHERE x.item_id = items.id ORDER BY occurrence_at))"
)
_EXDATES_PG = (
    "(SELECT string_agg(occurrence_at, ',' ORDER BY occurrence_at) FROM item_exdates x"
    " WHERE x.item_id = items.id)"
)

# Columns whose change means "a newer request than the one being executed".
_VERSION = ("cal_op", "cal_uid", "title", "start_at", "end_at", "all_day", "rrule", "tz",
            "status", "updated_at", "cal_dtstart", "cal_dtend", "exdates")


@dataclass(frozen=True)
class CalRow:
    """One item as the sync job sees it."""

    id: int
    type: str
    status: str
    title: str | None
    start_at: str | None
    end_at: str | None
    all_day: bool
    rrule: str | None
    tz: str
    cal_state: str
    cal_op: str | None
    cal_uid: str | None
    cal_event_id: str | None
    attempts: int
    next_attempt_at: str | None
    last_error: str | None
    updated_at: str
    # the series' anchor when the item has moved along it (NULL: start_at/end_at)
    cal_dtstart: str | None = None
    cal_dtend: str | None = None
    # cancelled occurrences, UTC db text, comma-separated, oldest first (None: none)
    exdates: str | None = None

    @property
    def version(self) -> tuple[object, ...]:
        return tuple(
            int(self.all_day) if name == "all_day" else getattr(self, name) for name in _VERSION
        )


_PLAIN_COLUMNS = (
    "id, type, status, title, start_at, end_at, all_day, rrule, tz, cal_state, cal_op, "
    "cal_uid, cal_event_id, attempts, next_attempt_at, last_error, updated_at, "
    "cal_dtstart, cal_dtend"
)


def _exdates(conn: sqlite3.Connection) -> str:
    return _EXDATES_PG if is_postgres(conn) else _EXDATES_SQLITE


def _columns(conn: sqlite3.Connection) -> str:
    return f"{_PLAIN_COLUMNS}, {_exdates(conn)} AS exdates"


def _same(conn: sqlite3.Connection) -> str:
    """Null-safe equality: SQLite's `IS`, PostgreSQL's `IS NOT DISTINCT FROM`."""
    return "IS NOT DISTINCT FROM" if is_postgres(conn) else "IS"


def _row(r: sqlite3.Row) -> CalRow:
    d = dict(r)
    d["all_day"] = bool(d["all_day"])
    return CalRow(**d)


def get(conn: sqlite3.Connection, item_id: int) -> CalRow | None:
    r = conn.execute(f"SELECT {_columns(conn)} FROM items WHERE id = ?", (item_id,)).fetchone()
    return _row(r) if r else None


def due(conn: sqlite3.Connection, now: datetime, limit: int) -> list[CalRow]:
    """PENDING items whose next attempt is due and that no syncer holds, oldest first."""
    rows = conn.execute(
        f"SELECT {_columns(conn)} FROM items WHERE cal_state = 'PENDING' "
        "AND (next_attempt_at IS NULL OR next_attempt_at <= ?) "
        "AND (cal_lease_until IS NULL OR cal_lease_until <= ?) "
        # NULLS FIRST: SQLite's order on both stores (PostgreSQL puts NULLs last)
        "ORDER BY next_attempt_at NULLS FIRST, id LIMIT ?",
        (to_db(now), to_db(now), limit),
    ).fetchall()
    return [_row(r) for r in rows]


def claim(conn: sqlite3.Connection, row: CalRow, by: str, now: datetime, lease_s: float) -> bool:
    """Take the item for one remote call (one short transaction, before the call).

    False when another syncer holds an unexpired claim, or the item moved on since it
    was read. A crashed syncer's claim lapses at `cal_lease_until`.
    """
    where, args = _same_version(conn, row)
    with transaction(conn):
        cur = conn.execute(
            "UPDATE items SET cal_claimed_by = ?, cal_lease_until = ? "
            f"WHERE {where} AND (cal_lease_until IS NULL OR cal_lease_until <= ? "
            "OR cal_claimed_by = ?)",
            (by, to_db(now + timedelta(seconds=lease_s)), *args, to_db(now), by),
        )
        return cur.rowcount == 1


def release_dead(conn: sqlite3.Connection, host: str, alive: Callable[[int], bool]) -> int:
    """Claims of this host's syncers whose process is gone (`host:pid:…`): let go now.

    A restarted worker need not wait out the lease of the one it replaces. Claims of
    other hosts, or of a process still running, are left to their lease."""
    released = 0
    held = conn.execute(
        # a prefix compare, not LIKE: `_` in a host name is a LIKE wildcard, and LIKE's
        # case rules differ between the stores
        "SELECT id, cal_claimed_by FROM items WHERE substr(cal_claimed_by, 1, ?) = ?",
        (len(host) + 1, f"{host}:"),
    ).fetchall()
    for item_id, by in held:
        pid = str(by)[len(host) + 1 :].split(":", 1)[0]
        if pid.isdigit() and not alive(int(pid)):
            with transaction(conn):
                released += conn.execute(
                    "UPDATE items SET cal_claimed_by = NULL, cal_lease_until = NULL "
                    "WHERE id = ? AND cal_claimed_by = ?",
                    (item_id, by),
                ).rowcount
    return released


def _release(conn: sqlite3.Connection, row: CalRow, by: str | None) -> None:
    """The row moved on while we worked it: give back our claim (only ours)."""
    if by is not None:
        conn.execute(
            "UPDATE items SET cal_claimed_by = NULL, cal_lease_until = NULL "
            "WHERE id = ? AND cal_claimed_by = ?",
            (row.id, by),
        )


def next_due_at(conn: sqlite3.Connection) -> str | None:
    r = conn.execute(
        "SELECT MIN(next_attempt_at) FROM items WHERE cal_state = 'PENDING'"
    ).fetchone()
    return r[0] if r else None


def _same_version(conn: sqlite3.Connection, row: CalRow) -> tuple[str, tuple[object, ...]]:
    """WHERE the item is still the version `row` was read as (and still PENDING).

    On PostgreSQL (READ COMMITTED) a concurrent UPDATE of the row makes ours wait and then
    re-check this condition against the committed row, so it is as strict as on SQLite."""
    expr = {"exdates": _exdates(conn)}
    same = _same(conn)
    where = " AND ".join(f"{expr.get(name, name)} {same} ?" for name in _VERSION)
    return f"id = ? AND cal_state = 'PENDING' AND {where}", (row.id, *row.version)


def _keep_event_id(conn: sqlite3.Connection, row: CalRow, event_id: str | None) -> None:
    """The row moved on: remember what the server told us, leave the new request alone."""
    conn.execute(
        f"UPDATE items SET cal_event_id = ? WHERE id = ? AND cal_uid {_same(conn)} ?",
        (event_id, row.id, row.cal_uid),
    )


_UNCLAIM = "cal_claimed_by = NULL, cal_lease_until = NULL"


def mark_synced(
    conn: sqlite3.Connection, row: CalRow, event_id: str | None, *, by: str | None = None
) -> bool:
    """PENDING -> SYNCED with the event id (NULL after a delete). False: row moved on."""
    where, args = _same_version(conn, row)
    with transaction(conn):
        cur = conn.execute(
            "UPDATE items SET cal_state = 'SYNCED', cal_event_id = ?, attempts = 0, "
            f"next_attempt_at = NULL, last_error = NULL, {_UNCLAIM} WHERE {where}",
            (event_id, *args),
        )
        if cur.rowcount:
            return True
        _keep_event_id(conn, row, event_id)
        _release(conn, row, by)
        return False


def mark_retry(
    conn: sqlite3.Connection,
    row: CalRow,
    error: str,
    next_at: datetime,
    event_id: str | None = None,
    *,
    by: str | None = None,
) -> bool:
    """Stay PENDING, attempts + 1, next try at `next_at`. False: row moved on."""
    where, args = _same_version(conn, row)
    with transaction(conn):
        cur = conn.execute(
            "UPDATE items SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, "
            f"cal_event_id = COALESCE(?, cal_event_id), {_UNCLAIM} WHERE {where}",
            (to_db(next_at), error[:1000], event_id, *args),
        )
        if not cur.rowcount:
            _release(conn, row, by)
        return bool(cur.rowcount)


def mark_failed(conn: sqlite3.Connection, row: CalRow, error: str, *, by: str | None = None) -> bool:
    """PENDING -> FAILED with last_error (retry budget spent or a permanent error)."""
    where, args = _same_version(conn, row)
    with transaction(conn):
        cur = conn.execute(
            "UPDATE items SET cal_state = 'FAILED', attempts = attempts + 1, "
            f"next_attempt_at = NULL, last_error = ?, {_UNCLAIM} WHERE {where}",
            (error[:1000], *args),
        )
        if not cur.rowcount:
            _release(conn, row, by)
        return bool(cur.rowcount)


def mark_local(conn: sqlite3.Connection, row: CalRow) -> bool:
    """CALENDAR_BACKEND=none: the meeting is kept locally, nothing is retried."""
    where, args = _same_version(conn, row)
    with transaction(conn):
        cur = conn.execute(
            "UPDATE items SET cal_state = 'LOCAL', attempts = 0, next_attempt_at = NULL, "
            f"last_error = NULL WHERE {where}",
            args,
        )
        return bool(cur.rowcount)


def _instance_id(conn: sqlite3.Connection) -> str:
    r = conn.execute("SELECT value FROM meta WHERE key = 'instance_id'").fetchone()
    if r is None:
        raise OrganizerError("the database has no instance id", "run `organizer migrate`")
    return str(r[0])


def request(conn: sqlite3.Connection, item_id: int, op: str | None, now: datetime) -> CalRow:
    """Repair: (re)queue an item's calendar sync, attempts reset.

    `op` None keeps the item's own operation: upsert for a live meeting, delete for a
    cancelled one. Tasks and notes are refused.
    """
    if op not in (None, "upsert", "delete"):
        raise OrganizerError(f"unknown calendar operation {op!r}", "use upsert or delete")
    from organizer.ical import event_uid

    with transaction(conn):
        r = conn.execute(
            # PostgreSQL: the row locked until our UPDATE (SQLite's writer lock does that)
            f"SELECT {_columns(conn)} FROM items WHERE id = ?"
            + (" FOR UPDATE" if is_postgres(conn) else ""),
            (item_id,),
        ).fetchone()
        if r is None:
            raise NotFound(f"item {item_id} does not exist", "see `organizer diag calendar`")
        row = _row(r)
        if row.type != "meeting" or row.start_at is None:
            raise OrganizerError(
                f"item {item_id} is a {row.type} without a calendar event",
                "only meetings with a time are synced to the calendar",
            )
        if op is None:
            op = "delete" if row.status == "CANCELLED" else (row.cal_op or "upsert")
        uid = row.cal_uid or event_uid(_instance_id(conn), item_id)
        conn.execute(
            "UPDATE items SET cal_state = 'PENDING', cal_op = ?, cal_uid = ?, attempts = 0, "
            "next_attempt_at = ?, last_error = NULL WHERE id = ?",
            (op, uid, to_db(now), item_id),
        )
    got = get(conn, item_id)
    assert got is not None
    return got


def retry_failed(conn: sqlite3.Connection, now: datetime) -> int:
    """Repair: every FAILED item back to PENDING with its attempts reset."""
    with transaction(conn):
        cur = conn.execute(
            "UPDATE items SET cal_state = 'PENDING', attempts = 0, next_attempt_at = ?, "
            "last_error = NULL WHERE cal_state = 'FAILED'",
            (to_db(now),),
        )
        return cur.rowcount


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {
        r[0]: r[1] for r in conn.execute("SELECT cal_state, COUNT(*) FROM items GROUP BY cal_state")
    }
