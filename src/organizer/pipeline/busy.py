"""What a chat already has at a time: the intervals suggested times skip, and the
meetings a new meeting overlaps (issue 16 #12).

Plain arguments (no Turn), so turn.py can call it: recurring items are expanded to their
occurrences the same way as the agenda (organizer.reminders.agenda_entries); the
decisions are the pure organizer.pipeline.lists's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from organizer import reminders, schedule
from organizer.db import items
from organizer.pipeline import agenda, lists, replies
from organizer.pipeline.timefmt import local

MAX_DAYS = 62


def occurrences(
    conn: sqlite3.Connection, chat_id: int, tz: str, start: datetime, end: datetime
) -> list[items.Item]:
    """Open items in [start, end), recurring ones expanded to their occurrences there
    (day by day, as `reminders.agenda_entries` does for the daily agenda: a recurring
    item's first occurrence of each day that is not cancelled)."""
    zone = ZoneInfo(tz)
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    days = [schedule.local_day_bounds(first + timedelta(days=k), tz)
            for k in range(min((last - first).days + 1, MAX_DAYS))]
    if not days:
        return []
    # The days are back to back, so one query reads every day's dated items, and the
    # chat's series are read and parsed once, not once per day (issue 19).
    found = [it for it in items.in_range(conn, chat_id, days[0][0], days[-1][1])
             if not it.rrule and it.type in ("meeting", "task")]
    found += _recurring(conn, chat_id, tz, days)
    out: list[items.Item] = []
    seen: set[tuple[int, datetime | None]] = set()
    for it in found:
        if (it.id, it.start_at) in seen or it.start_at is None or it.start_at >= end:
            continue
        if it.start_at < start and (it.end_at is None or it.end_at <= start):
            continue
        seen.add((it.id, it.start_at))
        out.append(it)
    out.sort(key=lambda i: (i.start_at or start, not i.all_day, i.id))
    return out


def _recurring(conn: sqlite3.Connection, chat_id: int, tz: str,
               days: list[tuple[datetime, datetime]]) -> list[items.Item]:
    """The chat's recurring tasks and meetings at their first kept occurrence of each day
    ([lo, hi) in UTC), as reminders.agenda_entries reads them."""
    out: list[items.Item] = []
    for it in items.open_recurring(conn, chat_id):
        if it.start_at is None or it.type not in ("task", "meeting"):
            continue
        skip: set[datetime] | None = None

        def cancelled(it_id: int = it.id) -> set[datetime]:
            nonlocal skip
            if skip is None:
                skip = set(items.exdates(conn, it_id))  # read once a day has an occurrence
            return skip

        try:
            series = schedule.occurrences(it.rrule or "", it.start_at, it.tz or tz)
        except schedule.ScheduleError:
            series = None  # a bad rule: the item stands on its own start, as in the agenda
        for lo, hi in days:
            at = _first_kept(series, it.start_at, lo, hi, cancelled)
            if at is not None:
                out.append(reminders.at_occurrence(reminders.AgendaEntry(it, at)))
    return out


def _first_kept(series: schedule._Occurrences | None, start_at: datetime, lo: datetime,
                hi: datetime, cancelled: Callable[[], set[datetime]]) -> datetime | None:
    """The first occurrence in [lo, hi) that was not cancelled: the first kept one of
    `series.between(lo, hi)` (the agenda's reading), found without listing the day's
    others; a bad rule: the item's own start, if there."""
    if series is not None:
        try:
            at = series.after(lo, inc=True)
            for _ in range(schedule._MAX_STEPS):  # between() lists at most as many
                if at is None or at >= hi:
                    return None
                if at not in cancelled():
                    return at
                at = series.after(at)
            return None
        except schedule.ScheduleError:
            pass
    return start_at if lo <= start_at < hi and start_at not in cancelled() else None


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
