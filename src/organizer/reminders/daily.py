"""The daily agenda's content: a chat's items of one local day, recurring ones expanded.

Read from the database here; drawn by the pipeline's shared renderer
(organizer.pipeline.agenda), so "что у меня завтра", /today and the daily message look
the same.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from organizer import schedule
from organizer.db import items as items_db
from organizer.pipeline import agenda as render
from organizer.reminders.prefs import ChatPrefs
from organizer.reminders.texts import Keyboard, agenda_head_late

if TYPE_CHECKING:
    from organizer.db.items import Item


@dataclass(frozen=True)
class AgendaEntry:
    item: Item
    start: datetime | None  # this occurrence's start (recurring items: expanded)


def _recurring(
    conn: sqlite3.Connection, chat_id: int, lo: datetime, hi: datetime, tz: str
) -> list[AgendaEntry]:
    """The chat's recurring tasks and meetings, at their first kept occurrence in [lo, hi)."""
    out: list[AgendaEntry] = []
    for it in items_db.open_recurring(conn, chat_id):
        if it.start_at is None or it.type not in ("task", "meeting"):
            continue
        try:
            occs = schedule.occurrences(it.rrule or "", it.start_at, it.tz or tz).between(lo, hi)
        except schedule.ScheduleError:
            occs = [it.start_at] if lo <= it.start_at < hi else []
        if occs:
            skip = set(items_db.exdates(conn, it.id))  # cancelled occurrences
            occs = [o for o in occs if o not in skip]
        out.extend(AgendaEntry(it, occ) for occ in occs[:1])
    return out


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
    for e in _recurring(conn, chat_id, lo, hi, tz):
        (meetings if e.item.type == "meeting" else tasks).append(e)
    overdue = [AgendaEntry(it, it.start_at) for it in items_db.overdue_tasks(conn, chat_id, lo)
               if not it.rrule]  # fmt: skip

    def key(e: AgendaEntry) -> tuple[int, str, int]:
        return (0 if e.item.all_day else 1, e.start.isoformat() if e.start else "", e.item.id)

    meetings.sort(key=key)
    tasks.sort(key=key)
    return meetings, tasks, overdue


def at_occurrence(e: AgendaEntry) -> Item:
    """The entry's item as if it stood on the entry's occurrence (recurring items)."""
    it = e.item
    if e.start is None or it.start_at is None or e.start == it.start_at:
        return it
    shift = e.start - it.start_at
    return replace(it, start_at=e.start, end_at=it.end_at + shift if it.end_at else None)


def agenda_message(
    conn: sqlite3.Connection, chat_id: int, day: date, p: ChatPrefs, now: datetime,
    *, late_by: timedelta | None = None,
) -> tuple[str | None, Keyboard | None]:  # fmt: skip
    """The daily agenda's text and Done buttons; (None, None) when the day is empty."""
    lang, tz = p.lang, p.tz
    meetings, tasks, overdue = agenda_entries(conn, chat_id, day, tz)
    if not (meetings or tasks or overdue):
        return None, None
    lo, hi = schedule.local_day_bounds(day, tz)
    listed = sorted(
        (at_occurrence(e) for e in meetings + tasks),
        key=lambda i: (not i.all_day, i.start_at or lo, i.id),
    )
    late_items = [e.item for e in overdue]
    text = render.render_agenda(listed, lo, hi, tz=tz, now=now, lang=lang, overdue=late_items)
    if late_by is not None:
        text = agenda_head_late(text, late_by, lang)
    keyboard = render.agenda_keyboard([*listed, *late_items], lang)
    return "📅 " + text, keyboard or None
