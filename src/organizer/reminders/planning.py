"""Keeping the `reminders` table in step with the items and the chats' agenda times.

Everything is scheduled from the database, never from in-memory timers: each open,
dated task or meeting keeps exactly one PENDING row for its current occurrence, and
each chat one PENDING agenda row. All of it runs in the caller's transaction.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from organizer import schedule
from organizer.db import items as items_db
from organizer.db import reminders as db
from organizer.db import users
from organizer.reminders.prefs import ChatPrefs, defaults, prefs, prefs_of
from organizer.reminders.series import next_kept

if TYPE_CHECKING:
    from organizer.db.items import Item

log = logging.getLogger(__name__)

MAX_SKIPPED = 16  # occurrences passed over (cancelled or already sent) when planning


def _plan(item: Item, p: ChatPrefs, now: datetime, after: datetime | None) -> schedule.Plan | None:
    try:
        return schedule.plan(
            item_type=item.type,
            start=item.start_at,
            all_day=item.all_day,
            rrule_body=item.rrule,
            tz_name=item.tz or p.tz,
            lead_min=p.lead_min,
            now=now,
            after=after,
        )
    except schedule.ScheduleError as e:
        log.warning("item=%d: %s; reminding it as a one-off", item.id, e)
        return schedule.plan(
            item_type=item.type,
            start=item.start_at,
            all_day=item.all_day,
            rrule_body=None,
            tz_name=item.tz if schedule.valid_zone(item.tz or "") else p.tz,
            lead_min=p.lead_min,
            now=now,
            after=after,
        )


def _next_plan(
    conn: sqlite3.Connection, item: Item, p: ChatPrefs, now: datetime
) -> tuple[schedule.Plan | None, db.Reminder | None]:
    """The occurrence to remind next (past cancelled and already-sent ones) and its row."""
    skip = set(items_db.exdates(conn, item.id)) if item.rrule else set()
    after: datetime | None = None
    plan: schedule.Plan | None = None
    existing: db.Reminder | None = None
    for _ in range(MAX_SKIPPED):
        plan = _plan(item, p, now, after)
        if plan is None:
            break
        if plan.occurrence in skip:  # cancelled ("only this one"): the next, if any
            after, plan, existing = plan.occurrence, None, None
            continue
        existing = db.find(conn, item.id, plan.occurrence)
        if existing is not None and existing.status == "SENT":
            after, plan = plan.occurrence, None  # that one went out: the next, if any
            continue
        break
    return plan, existing


def sync_item(conn: sqlite3.Connection, item_id: int, now: datetime) -> int | None:
    """Make the item's reminder rows match the item; returns the PENDING row's id.

    Runs in the caller's transaction. A closed, draft, undated or note item keeps no
    PENDING row. Otherwise the planned occurrence gets its row (new, moved or revived);
    PENDING rows of other occurrences are cancelled, except the current occurrence's
    (a backlog reminder or a snooze of it still goes out).
    """
    item = items_db.get(conn, item_id)
    if item is None:
        return None
    # The chat's settings row, read once for the agenda and the plan (issue 19)
    user = users.get(conn, item.chat_id)
    if user is None:
        users.ensure(conn, item.chat_id, now)
    p = prefs_of(user)
    ensure_agenda(conn, item.chat_id, now, p=p)
    if item.status != "OPEN" or item.start_at is None or item.type not in ("task", "meeting"):
        db.cancel_for_item(conn, item.id, now)
        return None
    plan, existing = _next_plan(conn, item, p, now)
    keep = [item.start_at] + ([plan.occurrence] if plan else [])
    db.cancel_for_item(conn, item.id, now, keep=keep)
    if plan is None:
        return None
    if existing is None:
        return db.insert(
            conn,
            item_id=item.id,
            chat_id=item.chat_id,
            kind=plan.kind,
            occurrence=plan.occurrence,
            due=plan.due,
            now=now,
        )
    if existing.status != "PENDING" or existing.due_at != plan.due or existing.kind != plan.kind:
        db.reschedule(conn, existing.id, due=plan.due, kind=plan.kind, now=now)
    return existing.id


def on_item_changed(conn: sqlite3.Connection, item_id: int, now: datetime) -> None:
    """Called inside the pipeline's transaction after an item is created/changed/closed.

    Upserts (or cancels) the item's reminder; no BEGIN here — the caller holds it.
    """
    sync_item(conn, item_id, now)


def resync_chat(conn: sqlite3.Connection, chat_id: int, now: datetime) -> None:
    """A new lead time (or zone) changes every pending meeting reminder of the chat."""
    for it in items_db.open_items(conn, chat_id, limit=1000):
        sync_item(conn, it.id, now)


# --- the daily agenda: scheduling -------------------------------------------------------


def _agenda_day(
    conn: sqlite3.Connection, chat_id: int, p: ChatPrefs, now: datetime, catch_up: bool,
    pending: list[db.Reminder],
) -> tuple[date, datetime] | None:
    """(local day, moment) the chat's next agenda goes out; a day already sent is skipped."""
    try:
        at = schedule.parse_hhmm(p.agenda_time)
        day, moment = schedule.next_agenda(at, p.tz, now)
        if catch_up:
            today = schedule.wall(now, schedule.zone(p.tz)).date()
            day, moment = today, schedule.local_at(today, at, schedule.zone(p.tz))
    except schedule.ScheduleError as e:
        log.warning("chat=%d agenda not planned: %s", chat_id, e)
        return None
    for _ in range(3):
        if any(r.local_date == day.isoformat() for r in pending):
            break  # that day's row is PENDING, so not SENT: no need to read it again
        row = db.agenda_row(conn, chat_id, day)
        if row is None or row.status != "SENT":
            break
        day = day + timedelta(days=1)
        moment = schedule.local_at(day, at, schedule.zone(p.tz))
    return day, moment


def ensure_agenda(
    conn: sqlite3.Connection, chat_id: int, now: datetime, *, catch_up: bool = False,
    p: ChatPrefs | None = None,
) -> int | None:
    """Keep one PENDING agenda row for the chat, at its next agenda moment.

    A day whose agenda already went out is skipped (a later agenda time set after
    today's was sent waits for tomorrow). 'off' cancels it. `catch_up` (recovery after
    downtime) plans today's even when its moment has passed, so it goes out late.
    """
    p = p or prefs(conn, chat_id)
    # Pending rows are for today or tomorrow, or a day missed while everything was down.
    since = schedule.wall(now, schedule.zone(p.tz)).date() - timedelta(days=7)
    pending = db.pending_agenda(conn, chat_id, since)
    if p.agenda_time == "off":
        for r in pending:
            db.cancel(conn, r.id, now)
        return None
    planned = _agenda_day(conn, chat_id, p, now, catch_up, pending)
    if planned is None:
        return None
    day, moment = planned
    keep_id: int | None = None
    for r in pending:
        if r.local_date == day.isoformat():
            keep_id = r.id
            if r.due_at != moment:
                db.reschedule(conn, r.id, due=moment, kind="agenda", now=now)
        else:
            db.cancel(conn, r.id, now)
    if keep_id is not None:
        return keep_id
    row = db.agenda_row(conn, chat_id, day)
    if row is not None:  # CANCELLED earlier (agenda turned off and on again): revive it
        db.reschedule(conn, row.id, due=moment, kind="agenda", now=now)
        return row.id
    return db.insert(
        conn, chat_id=chat_id, kind="agenda", occurrence=moment, due=moment, now=now,
        local_date=day,
    )  # fmt: skip


# --- moving a series on ------------------------------------------------------------------


def move_item(conn: sqlite3.Connection, item: Item, start: datetime, now: datetime) -> None:
    """Move a recurring item to another occurrence of its series (the calendar event
    keeps its DTSTART: items_db.move_in_series remembers where the series began)."""
    end = item.end_at + (start - item.start_at) if item.end_at and item.start_at else None
    items_db.move_in_series(conn, item.id, now, start=start, end=end)


def advance(conn: sqlite3.Connection, item: Item, now: datetime) -> datetime | None:
    """Move a recurring item to its next occurrence (after the current one, and after
    `now` when the series fell behind); None when the series has ended."""
    if not item.rrule or item.start_at is None:
        return None
    try:
        series = schedule.occurrences(item.rrule, item.start_at, item.tz or defaults().tz)
    except schedule.ScheduleError as e:
        log.warning("item=%d: %s; not advanced", item.id, e)
        return None
    nxt = next_kept(series, item.start_at, now, set(items_db.exdates(conn, item.id)))
    if nxt is None:
        return None
    move_item(conn, item, nxt, now)
    sync_item(conn, item.id, now)
    return nxt


def on_complete(conn: sqlite3.Connection, item_id: int, now: datetime) -> bool:
    """A recurring item moves to its next occurrence instead of closing: True if so.

    Runs in the caller's transaction. False for a one-off item, or a series with no
    occurrence left (the pipeline then closes it as usual).
    """
    item = items_db.get(conn, item_id)
    if item is None or item.status != "OPEN" or not item.rrule:
        return False
    return advance(conn, item, now) is not None


def close_series(conn: sqlite3.Connection, item: Item, now: datetime) -> None:
    items_db.update(conn, item.id, now, status="CANCELLED")
    if item.type == "meeting":
        items_db.request_delete(conn, item.id, now=now)
    sync_item(conn, item.id, now)
