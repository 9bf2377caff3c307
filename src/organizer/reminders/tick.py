"""The scheduler tick: every due reminder and agenda goes to the outbox exactly once.

The tick (every second in the worker) takes the due rows with one indexed query and,
in ONE transaction per batch, writes each to the outbox with dedup_key `remind:<id>`
(`agenda:<chat>:<day>`) and marks it SENT. On PostgreSQL several workers tick at once:
each takes its rows with FOR UPDATE SKIP LOCKED and leaves a chat another worker holds
for a later tick (organizer.db.reminders.take_due), so each row is sent by one of them. One that fell due while everything was down
goes out once on recovery, marked late. After the reminder of a recurring item the item
moves to that occurrence and the next one is planned.
"""

from __future__ import annotations

import logging
import sqlite3
import time as _time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from organizer import schedule
from organizer.config import Settings
from organizer.db import items as items_db
from organizer.db import outbox, referent
from organizer.db import reminders as db
from organizer.db.connect import savepoint, transaction
from organizer.reminders.daily import agenda_message
from organizer.reminders.planning import ensure_agenda, move_item, sync_item
from organizer.reminders.prefs import configure, prefs
from organizer.reminders.texts import reminder_message
from organizer.runtime import Periodic

log = logging.getLogger(__name__)

TICK_EVERY_S = 1.0
BATCH = 200
# One tick stops taking new batches after this long (a backlog drains over a few ticks).
TICK_BUDGET_S = 0.5
MAX_BATCHES = 100
# Sent and cancelled rows are kept this long (diagnosis), then purged hourly.
KEEP_FOR = timedelta(days=30)
PURGE_EVERY = timedelta(hours=1)


@dataclass
class TickResult:
    sent: int = 0
    late: int = 0
    skipped: int = 0
    failed: int = 0


def tick(conn: sqlite3.Connection, now: datetime, *, batch: int = BATCH) -> TickResult:
    """Send every reminder due at `now`: outbox row + SENT in one transaction per batch."""
    result = TickResult()
    started = _time.monotonic()
    for _ in range(MAX_BATCHES):
        if not db.any_due(conn, now):  # the common case, nothing due: one index probe
            break
        with transaction(conn):
            taken = db.take_due(conn, now, batch)
            for r in taken:
                _deliver_one(conn, r, now, result)
        if not taken:
            break  # what is due is another worker's or waits for its chat: next tick
        if _time.monotonic() - started > TICK_BUDGET_S:
            break  # a big backlog drains over the next ticks
    if result.sent or result.failed:
        log.info(
            "reminders: sent %d (late %d), skipped %d, failed %d",
            result.sent, result.late, result.skipped, result.failed,
        )  # fmt: skip
    return result


def _deliver_one(
    conn: sqlite3.Connection, r: db.Reminder, now: datetime, result: TickResult
) -> None:
    """One row under a savepoint: a row that cannot be sent (a bug, a corrupt setting) is
    cancelled with an ERROR line instead of blocking every reminder behind it."""
    try:
        with savepoint(conn, "reminder"):
            _deliver(conn, r, now, result)
    except Exception:
        log.exception("reminder id=%d kind=%s chat=%d could not be sent; cancelled",
                      r.id, r.kind, r.chat_id)  # fmt: skip
        db.cancel(conn, r.id, now)
        result.failed += 1


def _deliver(conn: sqlite3.Connection, r: db.Reminder, now: datetime, result: TickResult) -> None:
    if r.kind == "agenda":
        _deliver_agenda(conn, r, now, result)
        return
    item = items_db.get(conn, r.item_id) if r.item_id is not None else None
    if item is None or item.status != "OPEN":
        db.cancel(conn, r.id, now)
        result.skipped += 1
        return
    p = prefs(conn, item.chat_id, item.lang)
    late = now - r.due_at > schedule.LATE_AFTER
    text, keyboard = reminder_message(item, r, p, now, late=late)
    key = f"remind:{r.id}"
    oid = outbox.enqueue(
        conn, chat_id=item.chat_id, text=text, now=now, dedup_key=key, keyboard=keyboard,
        item_id=item.id,
    )  # fmt: skip
    if oid is None:
        oid = db.outbox_id_for(conn, key)
    db.mark_sent(conn, r.id, now=now, late=late, outbox_id=oid)
    # "готово" now means this item (and any other reminded in the same tick)
    referent.remember(conn, item.chat_id, item.id, now, cause=f"tick:{now.isoformat()}")
    result.sent += 1
    result.late += int(late)
    log.debug(
        "reminder id=%d item=%d kind=%s due=%s%s sent",
        r.id, item.id, r.kind, r.due_at.isoformat(), " (late)" if late else "",
    )  # fmt: skip
    if item.rrule and item.start_at is not None and r.occurrence_at > item.start_at:
        move_item(conn, item, r.occurrence_at, now)  # the series rolled on to this one
    sync_item(conn, item.id, now)  # a recurring item: plan the next occurrence


def _deliver_agenda(
    conn: sqlite3.Connection, r: db.Reminder, now: datetime, result: TickResult
) -> None:
    day = date.fromisoformat(r.local_date or "")
    p = prefs(conn, r.chat_id, db.chat_lang(conn, r.chat_id))
    today = schedule.wall(now, schedule.zone(p.tz)).date()
    if today > day:  # the day is over (everything was down all day): skip it
        db.cancel(conn, r.id, now)
        result.skipped += 1
        log.info("agenda chat=%d day=%s skipped: the day is over", r.chat_id, day)
        ensure_agenda(conn, r.chat_id, now, catch_up=True)  # today's, late if need be
        return
    late = now - r.due_at > schedule.LATE_AFTER
    text, keyboard = agenda_message(
        conn, r.chat_id, day, p, now, late_by=now - r.due_at if late else None
    )
    oid = None
    if text is not None:
        key = f"agenda:{r.chat_id}:{day.isoformat()}"
        oid = outbox.enqueue(
            conn, chat_id=r.chat_id, text=text, now=now, dedup_key=key, keyboard=keyboard
        ) or db.outbox_id_for(conn, key)
    db.mark_sent(conn, r.id, now=now, late=late, outbox_id=oid)
    result.sent += int(oid is not None)
    result.skipped += int(oid is None)
    ensure_agenda(conn, r.chat_id, now)


def purge(conn: sqlite3.Connection, now: datetime) -> int:
    """Forget SENT/CANCELLED rows older than KEEP_FOR (a reminder only ever looks back
    at rows of the last day or two: the current occurrence's, today's agenda)."""
    with transaction(conn):
        return db.purge(conn, now - KEEP_FOR)


def make_periodic(settings: Settings, conn: sqlite3.Connection) -> Periodic | None:
    """The scheduler tick the worker runs every second."""
    configure(settings)

    last_purge: list[datetime] = []

    def run(now: datetime) -> TickResult:
        result = tick(conn, now)
        if not last_purge or now - last_purge[0] >= PURGE_EVERY:
            last_purge[:] = [now]
            n = purge(conn, now)
            if n:
                log.info("reminders: purged %d sent/cancelled row(s) older than %s", n, KEEP_FOR)
        return result

    return Periodic("reminders", TICK_EVERY_S, run)
