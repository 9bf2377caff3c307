"""The reminders' buttons: snooze, running late, one occurrence done, cancel of a series.

`snooze:<id>:15m|1h|tom` adds a reminder row for the same occurrence (the item does
not move); `late:<id>` (meetings) reminds again at the start; `done:<id>:<occurrence>`
completes one occurrence of a recurring item; `cancel:<id>` of a recurring item asks
"only this one or the whole series?", answered by `cxo:<id>:<occurrence>` / `cxs:<id>`.
One-off items' done/cancel are the pipeline's. Texts: organizer.reminders.texts;
which occurrence is meant: organizer.reminders.series (both pure).

Dispatch: `BUTTONS` is this package's part of the button table (organizer.registry):
snooze, late, cxo, cxs. done and cancel are the pipeline's prefixes; its handler asks
`is_series_press` and hands a series' press to `on_button` here.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from organizer import schedule
from organizer.db import items as items_db
from organizer.db import reminders as db
from organizer.db.connect import joined_transaction
from organizer.pipeline.press import answer_press
from organizer.pipeline.timefmt import short_when, stamp
from organizer.registry import ButtonHandler, Callback
from organizer.reminders import texts
from organizer.reminders.planning import advance, close_series, move_item, sync_item
from organizer.reminders.prefs import ChatPrefs, configure, defaults, prefs
from organizer.reminders.series import (
    next_kept,
    occurrence_at_stamp,
    occurrence_to_cancel,
    series_of,
)

if TYPE_CHECKING:
    from organizer.db.items import Item
    from organizer.model import InboxRow
    from organizer.registry import Context

OWN = ("snooze", "late", "cxo", "cxs")  # prefixes only the reminders emit and answer
SERIES = ("cancel", "done")  # the pipeline's prefixes, answered here for a series


@dataclass
class Press:
    """One button press of a reminder: where it came from and whom it is about."""

    conn: sqlite3.Connection
    row: InboxRow
    now: datetime
    item: Item
    p: ChatPrefs
    arg: str

    @property
    def lang(self) -> str:
        return self.p.lang

    @property
    def tz(self) -> str:
        return self.item.tz or self.p.tz

    @property
    def title(self) -> str:
        return texts.title_of(self.item, self.lang)

    def when(self, moment: datetime, tz: str | None = None) -> str:
        return short_when(moment, tz or self.tz, self.lang, self.now)

    def answer(
        self, toast: str | None, edit_text: str | None = None,
        keyboard: texts.Keyboard | None = None,
    ) -> None:  # fmt: skip
        answer_press(self.conn, self.row, self.now, toast, edit_text=edit_text,
                     keyboard=keyboard)  # fmt: skip


def series_question(
    item: Item, *, tz: str, lang: str, now: datetime, skip: set[datetime] | None = None
) -> tuple[str, texts.Keyboard]:
    """ "Cancel only <this occurrence> or the whole series?" with the cxo/cxs buttons.

    The pipeline sends it when a cancel by text names a recurring item. `skip`:
    occurrences already cancelled.
    """
    occ = occurrence_to_cancel(item, now, skip or set(), defaults().tz) or item.start_at
    return texts.series_question(item, occ, tz=tz, lang=lang, now=now)


def is_series_press(conn: sqlite3.Connection, cb: Callback) -> bool:
    """done:<id>:<occurrence> or cancel:<id> of a recurring item: the series' press.

    Other done/cancel presses (one-off items; done without an occurrence, which
    completes the series through on_complete) are the pipeline's.
    """
    if cb.action not in SERIES or (cb.action == "done" and not cb.arg):
        return False
    item = items_db.get(conn, cb.item_id)
    return item is not None and bool(item.rrule)


def on_button(ctx: Context, row: InboxRow, cb: Callback) -> bool:
    """snooze, late, cxo/cxs, and a series' cancel or one occurrence done.

    False for cxo of an item that is no series (the dispatcher answers it as unknown).
    """
    configure(ctx.settings)
    conn, now = ctx.conn, ctx.now
    with joined_transaction(conn):
        item = items_db.get(conn, cb.item_id)
        p = prefs(conn, row.chat_id, item.lang if item else None)
        if item is None or item.chat_id != row.chat_id or item.status != "OPEN":
            answer_press(conn, row, now, texts.gone(p.lang))
            return True
        if cb.action == "cxo" and not item.rrule:
            return False
        ACTION_HANDLERS[cb.action](Press(conn, row, now, item, p, cb.arg))
    return True


def handle_callback(ctx: Context, row: InboxRow, action: str, item_id: int, arg: str) -> bool:
    """This package's part of a press as one call; False when the press is the pipeline's.

    The worker dispatches through the button table instead; tests call this.
    """
    cb = Callback(action, item_id, arg)
    if action in SERIES and not is_series_press(ctx.conn, cb):
        return False
    if action not in OWN and action not in SERIES:
        return False
    return on_button(ctx, row, cb)


def _ask_series(b: Press) -> None:
    skip = set(items_db.exdates(b.conn, b.item.id))
    text, keyboard = series_question(b.item, tz=b.tz, lang=b.lang, now=b.now, skip=skip)
    b.answer(None, edit_text=text, keyboard=keyboard)


def _cancel_series(b: Press) -> None:
    close_series(b.conn, b.item, b.now)
    b.answer(*texts.series_cancelled(b.title, b.lang, whole=True))


def _done_occurrence(b: Press) -> None:
    """done:<id>:<occurrence> of a recurring item: that occurrence, once."""
    item = b.item
    current = stamp(item.start_at, b.tz) if item.start_at else ""
    if b.arg != current and (item.start_at is None or b.arg < current):
        b.answer(texts.occurrence_behind(b.lang))
        return
    nxt = advance(b.conn, item, b.now)
    if nxt is None:
        items_db.update(b.conn, item.id, b.now, status="DONE")
        sync_item(b.conn, item.id, b.now)
    b.answer(*texts.occurrence_done(b.title, b.when(nxt) if nxt else None, b.lang))


def _cancel_target(b: Press, skip: set[datetime], upcoming: datetime | None) -> datetime | None:
    """The occurrence a cxo press names, or None after answering why it cannot be."""
    if not b.arg:  # an old button without it means the upcoming occurrence
        return upcoming
    if any(stamp(x, b.tz) == b.arg for x in skip):  # pressed again, or a late copy
        b.answer(texts.already_cancelled(b.lang))
        return None
    target = occurrence_at_stamp(b.item, b.arg, b.tz, defaults().tz)
    if target is None or upcoming is None or target < upcoming:
        b.answer(texts.occurrence_behind(b.lang))
        return None
    return target


def _cancel_one(b: Press) -> None:
    """cxo: cancel one occurrence of a series, once.

    The occurrence is recorded in `item_exdates` (UNIQUE, so a second press records
    nothing) and, for a meeting the calendar holds, the event is asked to update in the
    same transaction (it gets the occurrence as an EXDATE). When it is the item's
    upcoming occurrence the item moves on to the next one kept; a later one is only
    skipped when its turn comes.
    """
    item, conn, now = b.item, b.conn, b.now
    skip = set(items_db.exdates(conn, item.id))
    upcoming = occurrence_to_cancel(item, now, skip, defaults().tz)
    if upcoming is None and not b.arg:  # nothing left to cancel: the series is over
        close_series(conn, item, now)
        b.answer(*texts.series_cancelled(b.title, b.lang, whole=False))
        return
    target = _cancel_target(b, skip, upcoming)
    if target is None:
        return
    items_db.add_exdate(conn, item.id, target, now=now)
    skip.add(target)
    series = series_of(item, defaults().tz)
    nxt = upcoming if target != upcoming else (
        next_kept(series, target, now, skip) if series is not None else None
    )
    if nxt is None:
        close_series(conn, item, now)
        msg = texts.last_one_cancelled(b.title, b.lang)
    else:
        if target == upcoming:
            move_item(conn, item, nxt, now)
        sync_item(conn, item.id, now)
        items_db.request_refresh(conn, item.id, now=now)  # the event gets the EXDATE
        msg = texts.one_cancelled(b.title, b.when(target), b.when(nxt), b.lang)
    b.answer(texts.cancelled_toast(b.lang), edit_text=msg)


def _snooze_row(
    conn: sqlite3.Connection, item: Item, due: datetime, now: datetime
) -> db.Reminder | None:
    """Move the occurrence's pending snooze, or add one (kind 'snooze', next seq)."""
    last = db.latest_for_item(conn, item.id)
    occ = last.occurrence_at if last is not None else item.start_at
    if occ is None:
        return None
    pending = db.pending_snooze(conn, item.id, occ)
    if pending is not None:
        db.reschedule(conn, pending.id, due=due, kind="snooze", now=now)
        return db.get(conn, pending.id)
    rid = db.insert(
        conn, item_id=item.id, chat_id=item.chat_id, kind="snooze", occurrence=occ, due=due,
        now=now, seq=db.last_seq(conn, item.id, occ) + 1,
    )  # fmt: skip
    return db.get(conn, rid)


def _message_text(conn: sqlite3.Connection, item_id: int) -> str | None:
    """The text of the latest reminder sent for the item (to rewrite under a button)."""
    r = db.latest_for_item(conn, item_id)
    while r is not None and r.outbox_id is None and r.seq > 0:
        r = db.find(conn, item_id, r.occurrence_at, r.seq - 1)
    return db.outbox_text(conn, r.outbox_id) if r and r.outbox_id else None


def _snooze(b: Press) -> None:
    try:
        due = schedule.snooze_target(b.arg, b.now, b.p.tz)
    except schedule.ScheduleError:
        b.answer(texts.unknown_button(b.lang))
        return
    _snooze_row(b.conn, b.item, due, b.now)
    toast, note = texts.snoozed(b.when(due, b.p.tz), b.lang)
    b.answer(toast, edit_text=texts.under(_message_text(b.conn, b.item.id), note))


def _running_late(b: Press) -> None:
    """Meetings: noted, and reminded again at the start (or in 10 minutes if it began)."""
    occ = db.latest_for_item(b.conn, b.item.id)
    start = occ.occurrence_at if occ else b.item.start_at
    due = start if start is not None and start > b.now + timedelta(minutes=1) else (
        b.now + timedelta(minutes=10)
    )
    _snooze_row(b.conn, b.item, due, b.now)
    toast, note = texts.running_late(b.when(due), b.lang)
    b.answer(toast, edit_text=texts.under(_message_text(b.conn, b.item.id), note))


ACTION_HANDLERS = {
    "snooze": _snooze,
    "late": _running_late,
    "cancel": _ask_series,
    "cxo": _cancel_one,
    "cxs": _cancel_series,
    "done": _done_occurrence,
}

# This package's part of the button table (organizer.registry.button_table).
BUTTONS: dict[str, ButtonHandler] = dict.fromkeys(OWN, on_button)
