"""What a chat already has at a time: the intervals suggested times skip, and the
meetings a new meeting overlaps (issue 16 #12).

Plain arguments (no Turn), so turn.py can call it: recurring items are expanded to their
occurrences the same way as the agenda (organizer.reminders.agenda_entries); the
decisions are the pure organizer.pipeline.lists's.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from organizer import reminders
from organizer.db import items
from organizer.pipeline import agenda, lists, replies
from organizer.pipeline.timefmt import local

MAX_DAYS = 62


def occurrences(
    conn: sqlite3.Connection, chat_id: int, tz: str, start: datetime, end: datetime
) -> list[items.Item]:
    """Open items in [start, end), recurring ones expanded to their occurrences there
    (day by day through `reminders.agenda_entries`, the same source as the daily agenda)."""
    zone = ZoneInfo(tz)
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    out: list[items.Item] = []
    seen: set[tuple[int, datetime | None]] = set()
    for k in range(min((last - first).days + 1, MAX_DAYS)):
        meetings, tasks, _ = reminders.agenda_entries(conn, chat_id, first + timedelta(days=k), tz)
        for entry in (*meetings, *tasks):
            it = reminders.at_occurrence(entry)
            if (it.id, it.start_at) in seen or it.start_at is None or it.start_at >= end:
                continue
            if it.start_at < start and (it.end_at is None or it.end_at <= start):
                continue
            seen.add((it.id, it.start_at))
            out.append(it)
    out.sort(key=lambda i: (i.start_at or start, not i.all_day, i.id))
    return out


def busy(
    conn: sqlite3.Connection, chat_id: int, tz: str, now: datetime, at: datetime | None
) -> list[lists.Interval]:
    """What the person has from today through the day of `at` (at least today and
    tomorrow), as the intervals suggested times must skip."""
    today = local(now, tz).date()
    day: date = local(at, tz).date() if at is not None else today
    last = max(today + timedelta(days=1), day)
    start, end = agenda.day_range(today, min((last - today).days + 1, MAX_DAYS), tz)
    found = occurrences(conn, chat_id, tz, start, end)
    return lists.busy_intervals([(i.start_at, i.end_at, i.all_day) for i in found])


def overlap_note(
    conn: sqlite3.Connection, item: items.Item, *, tz: str, now: datetime, lang: str
) -> str:
    """'\\n⚠ Пересекается с …' when a timed meeting meets another one, else ''."""
    if item.type != "meeting" or item.all_day or item.start_at is None or item.end_at is None:
        return ""
    found = occurrences(conn, item.chat_id, tz, item.start_at, item.end_at)
    others = lists.overlapping(item.start_at, item.end_at, found, self_id=item.id)
    if not others:
        return ""
    return "\n" + replies.overlap_text(others, tz=tz, now=now, lang=lang)
