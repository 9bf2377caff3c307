"""Answering "что у меня завтра", /today, /tomorrow, /week: the range's items, drawn by
the shared renderer (organizer.pipeline.agenda, pure), recurring items expanded the
same way as the daily agenda (organizer.reminders.agenda_entries)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from organizer.db import items
from organizer.pipeline import agenda, followup
from organizer.pipeline.busy import occurrences
from organizer.pipeline.dialog import Parsed
from organizer.pipeline.turn import Turn

MAX_AGENDA_DAYS = 62


def agenda_range(p: Parsed, now: datetime, tz: str) -> tuple[datetime, datetime]:
    today = now.astimezone(ZoneInfo(tz)).date()
    if p.start is not None and p.end is not None and p.end > p.start:
        return p.start, p.end
    if p.start is not None:
        return agenda.day_range(p.start.astimezone(ZoneInfo(tz)).date(), 1, tz)
    return agenda.day_range(today, 7, tz)


def show_agenda(t: Turn, p: Parsed, text: str = "") -> None:
    start, end = agenda_range(p, t.now, t.tz)
    send_agenda(t, start, end, only=agenda.kind_asked(text))


def agenda_items(t: Turn, start: datetime, end: datetime) -> list[items.Item]:
    """Open items in [start, end), recurring ones expanded (organizer.pipeline.busy)."""
    return occurrences(t.conn, t.chat_id, t.tz, start, end)


def send_agenda(t: Turn, start: datetime, end: datetime, *, only: str | None = None) -> None:
    """The range's items (all, or only meetings / only tasks), overdue tasks when the
    range includes now, and how many tasks have no date."""
    found = agenda_items(t, start, end)
    today_start = agenda.day_range(t.now.astimezone(ZoneInfo(t.tz)).date(), 1, t.tz)[0]
    overdue: list[items.Item] = []
    undated = 0
    if start <= t.now < end and only != "meeting":
        overdue = [i for i in items.overdue_tasks(t.conn, t.chat_id, today_start) if not i.rrule]
        undated = items.count_undated_tasks(t.conn, t.chat_id)
    if only is not None:
        found = [i for i in found if i.type == only]
    text = agenda.render_agenda(
        found, start, end, tz=t.tz, now=t.now, lang=t.lang, overdue=overdue, undated=undated
    )
    t.reply(text, agenda.agenda_keyboard([*found, *overdue], t.lang))
    followup.shown(t, [*found, *overdue])  # one item shown alone is "it"
