"""Reminders, recurrence and the daily agenda (issue 10).

Everything is scheduled from the database (table `reminders`), never from in-memory
timers, so a restart forgets nothing:

- `on_item_changed` (the pipeline calls it inside its transaction) keeps exactly one
  PENDING reminder per open item: its current occurrence's (a task at its start, a
  meeting REMINDER_LEAD_MIN before, an all-day task at 09:00 local).
- the scheduler tick (`make_periodic`, every second in the worker) takes the due rows
  with one indexed query and, in ONE transaction per batch, writes each to the outbox
  with dedup_key `remind:<id>` and marks it SENT. A row is therefore sent exactly once;
  one that fell due while everything was down goes out once on recovery, marked late.
  After sending the reminder of a recurring item it moves the item to that occurrence
  and plans the next one.
- buttons: Done (pipeline; for recurring items `done:<id>:<occurrence>` here),
  Snooze `snooze:<id>:15m|1h|tom` (a new reminder row for the same occurrence; the item
  does not move), Running late `late:<id>` (meetings: reminds again at the start),
  and the series question of a cancel: `cxo:<id>` (this occurrence) / `cxs:<id>` (series).
- the daily agenda: a `reminders` row of kind 'agenda' per chat and local day, due at
  the chat's agenda time; dedup_key `agenda:<chat_id>:<YYYY-MM-DD>`.
- per-chat settings through `handle_command`: /settings, /tz, a sent location.

See docs/REMINDERS.md.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time as _time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from organizer import schedule
from organizer.config import VARS_BY_NAME, Settings
from organizer.db import items as items_db
from organizer.db import outbox, users
from organizer.db import reminders as db
from organizer.db.connect import transaction
from organizer.pipeline.replies import EN_MONTHS, EN_WEEKDAYS, RU_WEEKDAYS
from organizer.pipeline.replies import RU_MONTHS_GEN as RU_MONTHS
from organizer.runtime import Periodic

if TYPE_CHECKING:
    from organizer.db.items import Item
    from organizer.model import InboxRow
    from organizer.registry import Context

log = logging.getLogger(__name__)

TICK_EVERY_S = 1.0
BATCH = 200
# One tick stops taking new batches after this long (a backlog drains over a few ticks).
TICK_BUDGET_S = 0.5
MAX_BATCHES = 100
# Sent and cancelled rows are kept this long (diagnosis), then purged hourly.
KEEP_FOR = timedelta(days=30)
PURGE_EVERY = timedelta(hours=1)


# --- defaults ------------------------------------------------------------------------


@dataclass(frozen=True)
class Defaults:
    """The operator's defaults for chats that did not choose their own."""

    tz: str = str(VARS_BY_NAME["ORGANIZER_TZ"].default)
    agenda_time: str = str(VARS_BY_NAME["AGENDA_TIME"].default)
    lead_min: int = int(VARS_BY_NAME["REMINDER_LEAD_MIN"].default)
    lang: str = "ru"


_defaults = Defaults()


def configure(settings: Settings) -> None:
    """Remember the operator's defaults (the hooks' signatures carry no Settings).

    The worker calls it through `make_periodic`; the callback/command hooks call it
    with their context's settings too.
    """
    global _defaults
    _defaults = Defaults(settings.organizer_tz, settings.agenda_time, settings.reminder_lead_min)


@dataclass(frozen=True)
class ChatPrefs:
    tz: str
    lang: str
    agenda_time: str  # HH:MM or 'off'
    lead_min: int


def _lang_code(code: str | None) -> str | None:
    """A Telegram language_code -> 'ru' | 'en' (ru/uk/be read Russian best)."""
    if not code:
        return None
    return "ru" if code.lower().startswith(("ru", "uk", "be")) else "en"


def prefs(conn: sqlite3.Connection, chat_id: int, lang_hint: str | None = None) -> ChatPrefs:
    """The chat's settings, its NULLs filled with the operator's defaults.

    Language: the chat's /settings lang, else `lang_hint` (the item's or the message's
    language), else Russian.
    """
    u = users.get(conn, chat_id)
    lang = u.lang if u and u.lang else _lang_code(lang_hint)
    return ChatPrefs(
        tz=u.tz if u and u.tz else _defaults.tz,
        lang=lang or _defaults.lang,
        agenda_time=u.agenda_time if u and u.agenda_time else _defaults.agenda_time,
        lead_min=(
            u.reminder_lead_min if u and u.reminder_lead_min is not None else _defaults.lead_min
        ),
    )


@contextmanager
def _tx(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """The caller's transaction when it holds one, else our own."""
    if conn.in_transaction:
        yield conn
    else:
        with transaction(conn):
            yield conn


# --- planning an item's reminder ------------------------------------------------------


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
    users.ensure(conn, item.chat_id, now)
    ensure_agenda(conn, item.chat_id, now)
    if item.status != "OPEN" or item.start_at is None or item.type not in ("task", "meeting"):
        db.cancel_for_item(conn, item.id, now)
        return None
    p = prefs(conn, item.chat_id)
    skip = set(items_db.exdates(conn, item.id)) if item.rrule else set()
    after: datetime | None = None
    plan: schedule.Plan | None = None
    existing: db.Reminder | None = None
    for _ in range(16):
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


# --- the daily agenda: scheduling -------------------------------------------------------


def ensure_agenda(
    conn: sqlite3.Connection, chat_id: int, now: datetime, *, catch_up: bool = False
) -> int | None:
    """Keep one PENDING agenda row for the chat, at its next agenda moment.

    A day whose agenda already went out is skipped (a later agenda time set after
    today's was sent waits for tomorrow). 'off' cancels it. `catch_up` (recovery after
    downtime) plans today's even when its moment has passed, so it goes out late.
    """
    p = prefs(conn, chat_id)
    # Pending rows are for today or tomorrow, or a day missed while everything was down.
    since = schedule.wall(now, schedule.zone(p.tz)).date() - timedelta(days=7)
    pending = db.pending_agenda(conn, chat_id, since)
    if p.agenda_time == "off":
        for r in pending:
            db.cancel(conn, r.id, now)
        return None
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
        row = db.agenda_row(conn, chat_id, day)
        if row is None or row.status != "SENT":
            break
        day = day + timedelta(days=1)
        moment = schedule.local_at(day, at, schedule.zone(p.tz))
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


# --- the scheduler tick --------------------------------------------------------------------


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
            for r in db.due(conn, now, batch):
                _deliver_one(conn, r, now, result)
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
    conn.execute("SAVEPOINT reminder")
    try:
        _deliver(conn, r, now, result)
    except Exception:
        conn.execute("ROLLBACK TO reminder")
        log.exception("reminder id=%d kind=%s chat=%d could not be sent; cancelled",
                      r.id, r.kind, r.chat_id)  # fmt: skip
        db.cancel(conn, r.id, now)
        result.failed += 1
    finally:
        conn.execute("RELEASE reminder")


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
    result.sent += 1
    result.late += int(late)
    log.debug(
        "reminder id=%d item=%d kind=%s due=%s%s sent",
        r.id, item.id, r.kind, r.due_at.isoformat(), " (late)" if late else "",
    )  # fmt: skip
    if item.rrule and item.start_at is not None and r.occurrence_at > item.start_at:
        _move_item(conn, item, r.occurrence_at, now)  # the series rolled on to this one
    sync_item(conn, item.id, now)  # a recurring item: plan the next occurrence


def _move_item(conn: sqlite3.Connection, item: Item, start: datetime, now: datetime) -> None:
    """Move a recurring item to another occurrence of its series (the calendar event
    keeps its DTSTART: items_db.move_in_series remembers where the series began)."""
    end = item.end_at + (start - item.start_at) if item.end_at and item.start_at else None
    items_db.move_in_series(conn, item.id, now, start=start, end=end)


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
    else:
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


# --- texts ---------------------------------------------------------------------------------



def _t(lang: str, ru: str, en: str) -> str:
    return ru if lang == "ru" else en


def _hhmm(moment: datetime, tz: str) -> str:
    return schedule.wall(moment, schedule.zone(tz)).strftime("%H:%M")


def _day(d: date, lang: str, *, weekday: bool = False) -> str:
    if lang == "ru":
        s = f"{d.day} {RU_MONTHS[d.month - 1]}"
        return f"{RU_WEEKDAYS[d.weekday()]}, {s}" if weekday else s
    s = f"{EN_MONTHS[d.month - 1]} {d.day}"
    return f"{EN_WEEKDAYS[d.weekday()]}, {s}" if weekday else s


def _when(moment: datetime, tz: str, lang: str, now: datetime) -> str:
    """'10:00' today, else '2 декабря, 10:00' / 'December 2, 10:00'."""
    z = schedule.zone(tz)
    d = schedule.wall(moment, z).date()
    if d == schedule.wall(now, z).date():
        return _hhmm(moment, tz)
    return f"{_day(d, lang)}, {_hhmm(moment, tz)}"


def _stamp(moment: datetime, tz: str) -> str:
    """The local YYYYmmddHHMM a button names an occurrence by."""
    return schedule.wall(moment, schedule.zone(tz)).strftime("%Y%m%d%H%M")


def late_note(delay: timedelta, lang: str) -> str:
    d = schedule.format_delay(delay, lang)
    return _t(lang, f"(опоздало на {d})", f"(late by {d})")


def reminder_message(
    item: Item, r: db.Reminder, p: ChatPrefs, now: datetime, *, late: bool
) -> tuple[str, outbox.Keyboard]:
    """The reminder's text and its buttons."""
    lang, tz = p.lang, item.tz if schedule.valid_zone(item.tz or "") else p.tz
    title = item.title or _t(lang, "без названия", "untitled")
    occ = r.occurrence_at
    if item.type == "meeting":
        if item.all_day:
            text = f"⏰ {title} — {_t(lang, 'весь день', 'all day')}"
        else:
            end = (
                f"–{_hhmm(item.end_at + (occ - item.start_at), tz)}"
                if (item.end_at and item.start_at)
                else ""
            )
            text = f"⏰ {title} — {_when(occ, tz, lang, now)}{end}"
            if occ > now:
                mins = max(1, round((occ - now).total_seconds() / 60))
                text += _t(lang, f" (через {mins} мин)", f" (in {mins} min)")
    else:
        text = f"⏰ {_t(lang, 'Напоминание', 'Reminder')}: {title}"
        if not item.all_day and r.kind == "snooze":
            text += f" ({_when(occ, tz, lang, now)})"
    if item.rrule:
        text += " 🔁"
    if late:
        text += " " + late_note(now - r.due_at, lang)
    done = f"done:{item.id}" + (f":{_stamp(occ, tz)}" if item.rrule else "")
    keyboard: outbox.Keyboard = [
        [{"text": _t(lang, "✅ Готово", "✅ Done"), "callback_data": done}],
        [
            {"text": _t(lang, "+15 мин", "+15 min"), "callback_data": f"snooze:{item.id}:15m"},
            {"text": _t(lang, "+1 ч", "+1 h"), "callback_data": f"snooze:{item.id}:1h"},
            {"text": _t(lang, "Завтра 9:00", "Tomorrow 9:00"), "callback_data": f"snooze:{item.id}:tom"},
        ],
    ]  # fmt: skip
    if item.type == "meeting":
        keyboard.append(
            [{"text": _t(lang, "🏃 Опаздываю", "🏃 Running late"), "callback_data": f"late:{item.id}"}]
        )  # fmt: skip
    return text, keyboard


@dataclass(frozen=True)
class AgendaEntry:
    item: Item
    start: datetime | None  # this occurrence's start (recurring items: expanded)


def agenda_entries(
    conn: sqlite3.Connection, chat_id: int, day: date, tz: str
) -> tuple[list[AgendaEntry], list[AgendaEntry], list[AgendaEntry]]:
    """(meetings, tasks due that day, overdue tasks) of the chat's local `day`."""
    lo, hi = schedule.local_day_bounds(day, tz)
    meetings: list[AgendaEntry] = []
    tasks: list[AgendaEntry] = []
    for it in items_db.in_range(conn, chat_id, lo, hi):
        if it.rrule:
            continue
        (meetings if it.type == "meeting" else tasks if it.type == "task" else []).append(
            AgendaEntry(it, it.start_at)
        )
    for item_id in db.recurring_item_ids(conn, chat_id):
        it = items_db.get(conn, item_id)
        if it is None or it.start_at is None or it.type not in ("task", "meeting"):
            continue
        try:
            occs = schedule.occurrences(it.rrule or "", it.start_at, it.tz or tz).between(lo, hi)
        except schedule.ScheduleError:
            occs = [it.start_at] if lo <= it.start_at < hi else []
        if occs:
            skip = set(items_db.exdates(conn, it.id))  # cancelled occurrences
            occs = [o for o in occs if o not in skip]
        for occ in occs[:1]:
            (meetings if it.type == "meeting" else tasks).append(AgendaEntry(it, occ))
    overdue = [AgendaEntry(it, it.start_at) for it in items_db.overdue_tasks(conn, chat_id, lo)
               if not it.rrule]  # fmt: skip

    def key(e: AgendaEntry) -> tuple[int, str, int]:
        return (0 if e.item.all_day else 1, e.start.isoformat() if e.start else "", e.item.id)

    meetings.sort(key=key)
    tasks.sort(key=key)
    return meetings, tasks, overdue


def agenda_message(
    conn: sqlite3.Connection, chat_id: int, day: date, p: ChatPrefs, now: datetime,
    *, late_by: timedelta | None = None,
) -> tuple[str | None, outbox.Keyboard | None]:  # fmt: skip
    """The daily agenda's text and Done buttons; (None, None) when the day is empty.

    Drawn by the pipeline's shared renderer (organizer.pipeline.agenda), fed with this
    module's day: recurring items expanded to their occurrence on that day.
    """
    from organizer.pipeline import agenda as render

    lang, tz = p.lang, p.tz
    meetings, tasks, overdue = agenda_entries(conn, chat_id, day, tz)
    if not (meetings or tasks or overdue):
        return None, None

    def at_occurrence(e: AgendaEntry) -> Item:
        it = e.item
        if e.start is None or it.start_at is None or e.start == it.start_at:
            return it
        shift = e.start - it.start_at
        return replace(it, start_at=e.start, end_at=it.end_at + shift if it.end_at else None)

    lo, hi = schedule.local_day_bounds(day, tz)
    listed = sorted(
        (at_occurrence(e) for e in meetings + tasks),
        key=lambda i: (not i.all_day, i.start_at or lo, i.id),
    )
    late_items = [e.item for e in overdue]
    text = render.render_agenda(listed, lo, hi, tz=tz, now=now, lang=lang, overdue=late_items)
    if late_by is not None:
        head, _, rest = text.partition("\n")
        text = f"{head} {late_note(late_by, lang)}" + (f"\n{rest}" if rest else "")
    keyboard = render.agenda_keyboard([*listed, *late_items], lang)
    return "📅 " + text, keyboard or None


# --- hooks the pipeline calls -------------------------------------------------------------


def on_item_changed(conn: sqlite3.Connection, item_id: int, now: datetime) -> None:
    """Called inside the pipeline's transaction after an item is created/changed/closed.

    Upserts (or cancels) the item's reminder; no BEGIN here — the caller holds it.
    """
    sync_item(conn, item_id, now)


def _advance(conn: sqlite3.Connection, item: Item, now: datetime) -> datetime | None:
    """Move a recurring item to its next occurrence (after the current one, and after
    `now` when the series fell behind); None when the series has ended."""
    if not item.rrule or item.start_at is None:
        return None
    try:
        series = schedule.occurrences(item.rrule, item.start_at, item.tz or _defaults.tz)
    except schedule.ScheduleError as e:
        log.warning("item=%d: %s; not advanced", item.id, e)
        return None
    nxt = _next_kept(series, item.start_at, now, set(items_db.exdates(conn, item.id)))
    if nxt is None:
        return None
    _move_item(conn, item, nxt, now)
    sync_item(conn, item.id, now)
    return nxt


def _series(item: Item) -> schedule._Occurrences | None:
    if not item.rrule or item.start_at is None:
        return None
    try:
        return schedule.occurrences(item.rrule, item.start_at, item.tz or _defaults.tz)
    except schedule.ScheduleError as e:
        log.warning("item=%d: %s", item.id, e)
        return None


def _next_kept(
    series: schedule._Occurrences, after: datetime, now: datetime, skip: set[datetime]
) -> datetime | None:
    """The first occurrence after `after` (and after `now` when the series fell behind)
    that was not cancelled; None when the series has ended."""
    nxt = series.after(after)
    if nxt is not None and nxt <= now:
        nxt = series.after(now)
    for _ in range(1000):
        if nxt is None or nxt not in skip:
            return nxt
        nxt = series.after(nxt)
    return None


def _span(item: Item) -> timedelta:
    """How long one occurrence lasts (a meeting without an end: an hour, as the calendar)."""
    if item.start_at is not None and item.end_at is not None and item.end_at > item.start_at:
        return item.end_at - item.start_at
    return timedelta(days=1) if item.all_day else timedelta(hours=1)


def occurrence_to_cancel(item: Item, now: datetime, skip: set[datetime]) -> datetime | None:
    """The occurrence "only this one" means: the item's current occurrence — for a
    meeting, unless it is over already (the item stays on its last occurrence until the
    next one's reminder), then the first one not over — and never one already cancelled.
    None when the series has nothing left."""
    series = _series(item)
    if series is None or item.start_at is None:
        return None
    occ: datetime | None = item.start_at
    if item.type == "meeting":
        span = _span(item)
        if occ + span <= now:
            occ = series.after(now - span)  # the first whose end is still ahead
    for _ in range(1000):
        if occ is None or occ not in skip:
            return occ
        occ = series.after(occ)
    return None


def on_complete(conn: sqlite3.Connection, item_id: int, now: datetime) -> bool:
    """A recurring item moves to its next occurrence instead of closing: True if so.

    Runs in the caller's transaction. False for a one-off item, or a series with no
    occurrence left (the pipeline then closes it as usual).
    """
    item = items_db.get(conn, item_id)
    if item is None or item.status != "OPEN" or not item.rrule:
        return False
    return _advance(conn, item, now) is not None


# --- buttons -----------------------------------------------------------------------------


def _payload(row: InboxRow) -> dict[str, object]:
    try:
        value = json.loads(row.payload or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _answer(
    conn: sqlite3.Connection, row: InboxRow, now: datetime, text: str | None,
    *, edit_text: str | None = None, keyboard: outbox.Keyboard | None = None,
) -> None:  # fmt: skip
    """Answer the button press (toast) and, when given, rewrite the message holding it."""
    payload = _payload(row)
    cq = payload.get("callback_query_id")
    outbox.enqueue(
        conn, chat_id=row.chat_id, kind="callback_answer", text=text, now=now,
        dedup_key=f"cbans:{row.id}", callback_query_id=str(cq) if cq else None, inbox_id=row.id,
    )  # fmt: skip
    mid = payload.get("message_id")
    if edit_text is not None and isinstance(mid, int):
        outbox.enqueue(
            conn, chat_id=row.chat_id, kind="edit", text=edit_text, now=now,
            dedup_key=f"edit:{row.id}", target_message_id=mid, keyboard=keyboard,
            inbox_id=row.id,
        )  # fmt: skip
    elif edit_text is not None:
        outbox.enqueue(
            conn, chat_id=row.chat_id, text=edit_text, now=now, dedup_key=f"reply:{row.id}",
            keyboard=keyboard, inbox_id=row.id,
        )  # fmt: skip


def _message_text(conn: sqlite3.Connection, item_id: int) -> str | None:
    """The text of the latest reminder sent for the item (to rewrite under a button)."""
    r = db.latest_for_item(conn, item_id)
    while r is not None and r.outbox_id is None and r.seq > 0:
        r = db.find(conn, item_id, r.occurrence_at, r.seq - 1)
    return db.outbox_text(conn, r.outbox_id) if r and r.outbox_id else None


def handle_callback(ctx: Context, row: InboxRow, action: str, item_id: int, arg: str) -> bool:
    """snooze, late, cxo/cxs, cancel of a recurring item, done of one occurrence."""
    if action not in ("snooze", "late", "cxo", "cxs", "cancel", "done"):
        return False
    configure(ctx.settings)
    conn, now = ctx.conn, ctx.now
    with _tx(conn):
        item = items_db.get(conn, item_id)
        if action in ("cancel", "done") and (item is None or not item.rrule):
            return False  # one-off items: the pipeline's own done/cancel
        if action == "done" and not arg:
            return False  # the pipeline's done calls on_complete for the series
        p = prefs(conn, row.chat_id, item.lang if item else None)
        lang = p.lang
        if item is None or item.chat_id != row.chat_id or item.status != "OPEN":
            _answer(conn, row, now, _t(lang, "Этого уже нет в списке.", "That is no longer open."))
            return True
        tz = item.tz or p.tz
        title = item.title or _t(lang, "без названия", "untitled")
        if action == "snooze":
            _snooze(conn, row, item, arg, p, now)
        elif action == "late":
            _running_late(conn, row, item, p, now)
        elif action == "cancel":
            skip = set(items_db.exdates(conn, item.id))
            text, keyboard = series_question(item, tz=tz, lang=lang, now=now, skip=skip)
            _answer(conn, row, now, None, edit_text=text, keyboard=keyboard)
        elif action == "cxo":
            if not item.rrule:
                return False
            _cancel_one(conn, row, item, arg, tz, lang, now)
        elif action == "cxs":
            _close_series(conn, item, now)
            _answer(
                conn, row, now, _t(lang, "Серия отменена", "Series cancelled"),
                edit_text=_t(lang, f"«{title}» — вся серия отменена.",
                             f"“{title}” — the whole series is cancelled."),
            )  # fmt: skip
        else:  # done:<id>:<occurrence> of a recurring item
            current = _stamp(item.start_at, tz) if item.start_at else ""
            if arg != current and (item.start_at is None or arg < current):
                _answer(
                    conn,
                    row,
                    now,
                    _t(lang, "Это повторение уже позади", "That occurrence is already behind"),
                )
                return True
            nxt = _advance(conn, item, now)
            if nxt is None:
                items_db.update(conn, item.id, now, status="DONE")
                sync_item(conn, item.id, now)
                msg = _t(lang, f"✅ «{title}» — готово, серия завершена.",
                         f"✅ “{title}” — done, the series has ended.")  # fmt: skip
            else:
                msg = _t(lang, f"✅ «{title}» — готово. Следующий раз: {_when(nxt, tz, lang, now)}.",
                         f"✅ “{title}” — done. Next time: {_when(nxt, tz, lang, now)}.")  # fmt: skip
            _answer(conn, row, now, _t(lang, "Готово", "Done"), edit_text=msg)
    return True


def series_question(
    item: Item, *, tz: str, lang: str, now: datetime, skip: set[datetime] | None = None
) -> tuple[str, outbox.Keyboard]:
    """ "Cancel only <this occurrence> or the whole series?" with the cxo/cxs buttons.

    The pipeline can send it when a cancel by text names a recurring item. The "this
    one" button names its occurrence (`cxo:<id>:<YYYYmmddHHMM local>`), so pressing it
    twice, or late, never cancels a second one. `skip`: occurrences already cancelled.
    """
    title = item.title or _t(lang, "без названия", "untitled")
    occ = occurrence_to_cancel(item, now, skip or set()) or item.start_at
    when = _when(occ, tz, lang, now) if occ else ""
    text = _t(
        lang,
        f"«{title}» повторяется. Отменить только {when} или всю серию?",
        f"“{title}” repeats. Cancel only {when} or the whole series?",
    )
    this_one = f"cxo:{item.id}" + (f":{_stamp(occ, tz)}" if occ else "")
    keyboard: outbox.Keyboard = [
        [
            {"text": _t(lang, "Только это", "This one"), "callback_data": this_one},
            {"text": _t(lang, "Всю серию", "Whole series"), "callback_data": f"cxs:{item.id}"},
        ]
    ]
    return text, keyboard


def _cancel_one(
    conn: sqlite3.Connection, row: InboxRow, item: Item, arg: str, tz: str, lang: str,
    now: datetime,
) -> None:  # fmt: skip
    """cxo: cancel one occurrence of a series, once.

    The occurrence is recorded in `item_exdates` (UNIQUE, so a second press records
    nothing) and, for a meeting the calendar holds, the event is asked to update in the
    same transaction (it gets the occurrence as an EXDATE). When it is the item's
    upcoming occurrence the item moves on to the next one kept; a later one is only
    skipped when its turn comes. `arg` names the occurrence (local YYYYmmddHHMM); an
    old button without it means the upcoming occurrence.
    """
    title = item.title or _t(lang, "без названия", "untitled")
    skip = set(items_db.exdates(conn, item.id))
    upcoming = occurrence_to_cancel(item, now, skip)
    target = upcoming
    if arg:
        if any(_stamp(x, tz) == arg for x in skip):  # pressed again, or a late copy
            _answer(conn, row, now, _t(lang, "Уже отменено", "Already cancelled"))
            return
        target = _occurrence_at_stamp(item, arg, tz)
        if target is None or upcoming is None or target < upcoming:
            _answer(conn, row, now,
                    _t(lang, "Это повторение уже позади", "That occurrence is already behind"))  # fmt: skip
            return
    if target is None:  # nothing left to cancel: the series is over
        _close_series(conn, item, now)
        _answer(conn, row, now, _t(lang, "Серия отменена", "Series cancelled"),
                edit_text=_t(lang, f"«{title}» — серия отменена.",
                             f"“{title}” — the series is cancelled."))  # fmt: skip
        return
    items_db.add_exdate(conn, item.id, target, now=now)
    skip.add(target)
    series = _series(item)
    nxt = upcoming if target != upcoming else (
        _next_kept(series, target, now, skip) if series is not None else None
    )
    if nxt is None:
        _close_series(conn, item, now)
        msg = _t(lang, f"«{title}»: это было последнее — серия отменена.",
                 f"“{title}”: that was the last one — series cancelled.")  # fmt: skip
    else:
        if target == upcoming:
            _move_item(conn, item, nxt, now)
        sync_item(conn, item.id, now)
        items_db.request_refresh(conn, item.id, now=now)  # the event gets the EXDATE
        gone = _when(target, tz, lang, now)
        msg = _t(lang, f"Отменено только {gone}. Следующее «{title}» — {_when(nxt, tz, lang, now)}.",
                 f"Cancelled {gone} only. Next “{title}”: {_when(nxt, tz, lang, now)}.")  # fmt: skip
    _answer(conn, row, now, _t(lang, "Отменено", "Cancelled"), edit_text=msg)


def _occurrence_at_stamp(item: Item, stamp: str, tz: str) -> datetime | None:
    """The occurrence of the item's series at local minute `stamp`, or None."""
    series = _series(item)
    try:
        minute = schedule.localize(datetime.strptime(stamp, "%Y%m%d%H%M"), schedule.zone(tz))
    except (ValueError, schedule.ScheduleError):
        return None
    if series is None:
        return None
    # From the current occurrence on; an earlier one is behind anyway.
    occ = series.after(minute, inc=True)
    return occ if occ is not None and _stamp(occ, tz) == stamp else None


def _close_series(conn: sqlite3.Connection, item: Item, now: datetime) -> None:
    items_db.update(conn, item.id, now, status="CANCELLED")
    if item.type == "meeting":
        items_db.request_delete(conn, item.id, now=now)
    sync_item(conn, item.id, now)


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


def _snooze(
    conn: sqlite3.Connection, row: InboxRow, item: Item, arg: str, p: ChatPrefs, now: datetime
) -> None:
    lang = p.lang
    try:
        due = schedule.snooze_target(arg, now, p.tz)
    except schedule.ScheduleError:
        _answer(conn, row, now, _t(lang, "Не понял кнопку", "Unknown button"))
        return
    _snooze_row(conn, item, due, now)
    when = _when(due, p.tz, lang, now)
    note = _t(lang, f"💤 Напомню в {when}", f"💤 I'll remind you at {when}")
    original = _message_text(conn, item.id)
    _answer(conn, row, now, note, edit_text=f"{original}\n{note}" if original else note)


def _running_late(
    conn: sqlite3.Connection, row: InboxRow, item: Item, p: ChatPrefs, now: datetime
) -> None:
    """Meetings: noted, and reminded again at the start (or in 10 minutes if it began)."""
    lang = p.lang
    occ = db.latest_for_item(conn, item.id)
    start = occ.occurrence_at if occ else item.start_at
    due = (
        start
        if start is not None and start > now + timedelta(minutes=1)
        else (now + timedelta(minutes=10))
    )
    _snooze_row(conn, item, due, now)
    when = _when(due, item.tz or p.tz, lang, now)
    note = _t(lang, f"🏃 Отметил, что опаздываешь. Напомню ещё раз в {when}.",
              f"🏃 Noted: running late. I'll remind you again at {when}.")  # fmt: skip
    original = _message_text(conn, item.id)
    _answer(
        conn, row, now, _t(lang, "Отметил", "Noted"),
        edit_text=f"{original}\n{note}" if original else note,
    )  # fmt: skip


# --- settings commands ---------------------------------------------------------------------


def handle_command(ctx: Context, row: InboxRow, command: str, args: str) -> bool:
    """/settings [agenda HH:MM|off | lead N | lang ru|en | tz Zone], /tz Zone, a location."""
    command = command.lower().lstrip("/")
    if command not in ("settings", "tz", "location"):
        return False
    configure(ctx.settings)
    conn, now = ctx.conn, ctx.now
    with _tx(conn):
        users.ensure(conn, row.chat_id, now)
        words = args.split()
        if command == "tz":
            words = ["tz", *words]
        elif command == "location":
            words = ["location", args.strip()]
        code = _payload(row).get("lang")
        hint = str(code) if code else None
        reply = _apply_setting(conn, row.chat_id, words, now, hint)
        outbox.enqueue(
            conn, chat_id=row.chat_id, text=reply, now=now, dedup_key=f"reply:{row.id}",
            inbox_id=row.id,
        )  # fmt: skip
    return True


def zone_from_location(lat: float, lon: float) -> str | None:
    """The IANA zone at a point (timezonefinder: offline polygons), or None at sea."""
    from timezonefinder import TimezoneFinder  # 30 MB of polygons: only when asked

    name = TimezoneFinder().timezone_at(lng=lon, lat=lat)
    return name if name and schedule.valid_zone(name) else None


def settings_text(p: ChatPrefs) -> str:
    lang = p.lang
    agenda = p.agenda_time if p.agenda_time != "off" else _t(lang, "выключена", "off")
    return _t(
        lang,
        f"⚙️ Настройки\nЧасовой пояс: {p.tz}\nСводка дня: {agenda}\n"
        f"Напоминать о встречах за: {p.lead_min} мин\nЯзык: русский\n\n"
        "Изменить: /tz Europe/Berlin (или пришлите геопозицию), /settings agenda 07:30 "
        "(или off), /settings lead 30, /settings lang en",
        f"⚙️ Settings\nTime zone: {p.tz}\nDaily agenda: {agenda}\n"
        f"Meeting reminders: {p.lead_min} min before\nLanguage: English\n\n"
        "Change: /tz Europe/Berlin (or send a location), /settings agenda 07:30 (or off), "
        "/settings lead 30, /settings lang ru",
    )


def _apply_setting(
    conn: sqlite3.Connection, chat_id: int, words: list[str], now: datetime, hint: str | None
) -> str:
    p = prefs(conn, chat_id, hint)
    lang = p.lang
    if not words:
        return settings_text(p)
    what, value = words[0].lower(), " ".join(words[1:]).strip()
    if what in ("tz", "zone", "timezone", "location"):
        if what == "location":
            try:
                lat_s, lon_s = value.split(",")
                lat, lon = float(lat_s), float(lon_s)
                if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    raise ValueError
            except ValueError:
                return _t(lang, "Не понял координаты.", "Could not read that location.")
            name = zone_from_location(lat, lon)
            if name is None:
                return _t(lang, "Не нашёл часовой пояс для этой точки. Укажите его: /tz Europe/Berlin",
                          "No time zone found there. Set it with /tz Europe/Berlin")  # fmt: skip
            value = name
        if not value:
            return _t(lang, f"Часовой пояс: {p.tz}. Изменить: /tz Europe/Berlin",
                      f"Time zone: {p.tz}. Change it with /tz Europe/Berlin")  # fmt: skip
        if not schedule.valid_zone(value):
            return _t(lang, f"«{value}» — не часовой пояс. Пример: /tz Europe/Berlin",
                      f"“{value}” is not a time zone. Example: /tz Europe/Berlin")  # fmt: skip
        users.update(conn, chat_id, now, tz=value)
    elif what == "agenda":
        v = value.lower()
        if v in ("off", "выкл", "нет"):
            users.update(conn, chat_id, now, agenda_time="off")
        else:
            try:
                t = schedule.parse_hhmm(v)
            except schedule.ScheduleError:
                return _t(lang, "Время сводки — как 07:30 (или off).",
                          "Agenda time looks like 07:30 (or off).")  # fmt: skip
            users.update(conn, chat_id, now, agenda_time=t.strftime("%H:%M"))
    elif what == "lead":
        try:
            n = int(value.removesuffix("m").removesuffix("min").strip())
            if not 0 <= n <= 24 * 60:
                raise ValueError
        except ValueError:
            return _t(lang, "За сколько минут напоминать: число от 0 до 1440.",
                      "Reminder lead: minutes from 0 to 1440.")  # fmt: skip
        users.update(conn, chat_id, now, reminder_lead_min=n)
    elif what in ("lang", "language", "язык"):
        v = value.lower()[:2]
        if v not in ("ru", "en"):
            return _t(lang, "Язык: ru или en.", "Language: ru or en.")
        users.update(conn, chat_id, now, lang=v)
    else:
        return settings_text(p)
    ensure_agenda(conn, chat_id, now)
    if what in ("tz", "zone", "timezone", "location", "lead"):
        _resync_chat(conn, chat_id, now)
    return _t(prefs(conn, chat_id, hint).lang, "Сохранено.\n", "Saved.\n") + settings_text(
        prefs(conn, chat_id, hint)
    )


def _resync_chat(conn: sqlite3.Connection, chat_id: int, now: datetime) -> None:
    """A new lead time changes every pending meeting reminder of the chat."""
    for it in items_db.open_items(conn, chat_id, limit=1000):
        sync_item(conn, it.id, now)
