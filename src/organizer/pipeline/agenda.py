"""The agenda text for a range of days. PURE.

`render_agenda` is shared: the pipeline answers "что у меня завтра" with it, and the
reminders job reuses it for the daily message and /today, /tomorrow, /week.
The items come from `organizer.db.items.in_range` / `overdue_tasks` (or any objects
with the same attributes).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from organizer.pipeline.replies import ItemLike, Keyboard, button, clip, rrule_text
from organizer.pipeline.timefmt import clock, day_text, local
from organizer.texts import tr

MAX_LINES = 60
MAX_BUTTONS = 8


def day_range(day: date, days: int, tz: str) -> tuple[datetime, datetime]:
    """[day 00:00, day+days 00:00) in the zone, as aware datetimes."""
    zone = ZoneInfo(tz)
    return (
        datetime.combine(day, time(0), zone),
        datetime.combine(day + timedelta(days=days), time(0), zone),
    )


def week_range(today: date, tz: str) -> tuple[datetime, datetime]:
    """This Monday 00:00 to next Monday 00:00."""
    return day_range(today - timedelta(days=today.weekday()), 7, tz)


def range_title(start: datetime, end: datetime, *, tz: str, now: datetime, lang: str) -> str:
    today = local(now, tz).date()
    s = local(start, tz)
    last = (local(end, tz) - timedelta(microseconds=1)).date()
    if last <= s.date():
        return day_text(s.date(), today, lang)
    first = day_text(s.date(), today, lang, relative=False)
    return f"{first} – {day_text(last, today, lang, relative=False)}"


def _line(item: ItemLike, *, tz: str, lang: str, show_day: bool, today: date) -> str:
    title = clip(item.title or tr(lang, "replies.untitled"))
    if item.start_at is None:
        when = ""
    else:
        s = local(item.start_at, tz)
        day = f"{day_text(s.date(), today, lang)} " if show_day else ""
        if item.all_day:
            when = day.strip() + (" " if day else "")
            if item.type == "meeting":
                when += tr(lang, "agenda.all_day")
        else:
            when = f"{day}{clock(s)}"
            if item.end_at is not None and item.end_at > item.start_at:
                e = local(item.end_at, tz)
                when += f"–{clock(e)}" if e.date() == s.date() else f"–{clock(e)} (+1)"
            when += " "
    rr = rrule_text(item.rrule, lang)
    mark = "☐ " if item.type == "task" else ""
    return f"• {when}{mark}{title}" + (f" ({rr})" if rr else "")


def render_agenda(
    items: Sequence[ItemLike],
    start: datetime,
    end: datetime,
    *,
    tz: str,
    now: datetime,
    lang: str,
    overdue: Sequence[ItemLike] = (),
    undated: int = 0,
) -> str:
    """'Завтра, 25 ноября:' then one line per item, grouped by day when the range is longer.

    Overdue tasks (when given) follow under their own heading; `undated` counts open
    tasks with no date, mentioned in one closing line. Nothing planned says so.
    """
    today = local(now, tz).date()
    title = range_title(start, end, tz=tz, now=now, lang=lang)
    title = title[0].upper() + title[1:]
    lines: list[str] = []
    multi_day = (local(end, tz).date() - local(start, tz).date()).days > 1
    current: date | None = None
    for item in items[:MAX_LINES]:
        if multi_day and item.start_at is not None:
            d = max(local(item.start_at, tz).date(), local(start, tz).date())
            if d != current:
                current = d
                head = day_text(d, today, lang)
                lines.append(head[0].upper() + head[1:] + ":")
        lines.append(_line(item, tz=tz, lang=lang, show_day=False, today=today))
    if len(items) > MAX_LINES:
        more = len(items) - MAX_LINES
        lines.append(tr(lang, "agenda.more", n=more))
    if not lines:
        text = tr(lang, "agenda.nothing_planned", title=title)
    else:
        text = f"{title}:\n" + "\n".join(lines)
    if overdue:
        text += "\n\n" + tr(lang, "agenda.overdue") + "\n"
        text += "\n".join(
            _line(i, tz=tz, lang=lang, show_day=True, today=today) for i in overdue[:MAX_LINES]
        )
    if undated:
        text += "\n\n" + tr(lang, "agenda.undated", n=undated)
    return text


def render_tasks(tasks: Sequence[ItemLike], *, tz: str, now: datetime, lang: str) -> str:
    """/tasks: every open task, dated ones first."""
    if not tasks:
        return tr(lang, "agenda.no_open_tasks")
    today = local(now, tz).date()
    head = tr(lang, "agenda.open_tasks")
    return head + "\n" + "\n".join(
        _line(t, tz=tz, lang=lang, show_day=True, today=today) for t in tasks[:MAX_LINES]
    )


_MEETING_WORDS = re.compile(r"встреч|созвон|совещан|событ|meeting|call|event", re.IGNORECASE)
_TASK_WORDS = re.compile(r"задач|\bдел[аоу]?\b|todo|to-do|tasks?\b", re.IGNORECASE)


def kind_asked(text: str) -> str | None:
    """'какие у меня встречи' → 'meeting'; 'какие дела' → 'task'; otherwise None (all)."""
    meeting = _MEETING_WORDS.search(text) is not None
    task = _TASK_WORDS.search(text) is not None
    if meeting != task:
        return "meeting" if meeting else "task"
    return None


def agenda_keyboard(items: Sequence[ItemLike], lang: str) -> Keyboard:
    """'Done' buttons for the open tasks of the list (at most MAX_BUTTONS)."""
    rows: Keyboard = []
    for item in items:
        if item.type == "task" and item.status == "OPEN" and len(rows) < MAX_BUTTONS:
            label = ("✓ " + (item.title or ""))[:40]
            rows.append([button(label, f"done:{item.id}")])
    return rows
