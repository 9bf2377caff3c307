"""An item's new times: the fields of a new item, a reschedule, an offered time. PURE.

Plain functions of the parse, the item and `now`: no database, no clock reads.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from organizer.pipeline import shifts
from organizer.pipeline.dialog import Parsed
from organizer.pipeline.replies import ItemLike
from organizer.pipeline.timefmt import STAMP, midnight

DEFAULT_MEETING = timedelta(hours=1)


def fields(item_type: str, p: Parsed, tz: str) -> dict[str, Any]:
    """start/end/all_day/rrule for an item of `item_type` from parse fields."""
    start, end, all_day = p.start, p.end, p.all_day
    if item_type == "note":
        return {"start_at": None, "end_at": None, "all_day": False, "rrule": None}
    if item_type == "meeting" and start is not None and end is None:
        if all_day:
            day = start.astimezone(ZoneInfo(tz)).date()
            end = midnight(day + timedelta(days=1), tz)
        else:
            end = start + DEFAULT_MEETING
    return {"start_at": start, "end_at": end, "all_day": all_day, "rrule": p.rrule}


def missing(p: Parsed) -> tuple[str, ...]:
    """What a draft still lacks, as its question asks it (a date when nothing is known)."""
    known = tuple(n for n in p.needs if n in ("date", "time", "title"))
    return known or ("date",)


def _to_date(item: ItemLike, p: Parsed, tz: str) -> tuple[datetime, datetime | None, bool]:
    """A reschedule to a date alone: the item keeps its clock time and its length."""
    zone = ZoneInfo(tz)
    assert p.start is not None
    old_len = None
    if item.start_at is not None and item.end_at is not None and item.end_at > item.start_at:
        old_len = item.end_at - item.start_at
    day = p.start.astimezone(zone).date()
    if p.week_only and item.start_at is not None:  # "to next week": the item's weekday
        day += timedelta(days=item.start_at.astimezone(zone).weekday() - day.weekday())
    if item.start_at is not None and not item.all_day:
        clock = item.start_at.astimezone(zone).timetz().replace(tzinfo=None)
        start = datetime.combine(day, clock, zone)
        end = start + old_len if old_len else None
        if end is None and item.type == "meeting":
            end = start + DEFAULT_MEETING
        return start, end, False
    start = midnight(day, tz)
    if item.type == "meeting":
        days = max(1, round(old_len.total_seconds() / 86400)) if old_len else 1
        return start, midnight(day + timedelta(days=days), tz), True
    return start, None, True


def new_times(
    item: ItemLike, p: Parsed, tz: str, now: datetime
) -> tuple[datetime, datetime | None, bool]:
    """The item's new (start, end, all_day) for a reschedule to `p.start`.

    A new date alone keeps the item's clock time; the duration is kept; an untimed
    item moved to a date stays all-day.
    """
    if shifts.has_shift(p):  # followup: "на час позже"
        return shifts.shifted(item, p, tz, now)
    zone = ZoneInfo(tz)
    assert p.start is not None
    if p.all_day:
        return _to_date(item, p, tz)
    old_len = None
    if item.start_at is not None and item.end_at is not None and item.end_at > item.start_at:
        old_len = item.end_at - item.start_at
    start = p.start
    if not p.date_said and item.start_at is not None:
        # "перенеси на 17": the same day as the item, at the new clock time
        clock = p.start.astimezone(zone).timetz().replace(tzinfo=None)
        same_day = datetime.combine(item.start_at.astimezone(zone).date(), clock, zone)
        if same_day > now:
            start = same_day
    if p.end is not None and p.end > p.start:
        return start, start + (p.end - p.start), False
    if old_len is not None and not item.all_day:
        return start, start + old_len, False
    return start, (start + DEFAULT_MEETING if item.type == "meeting" else None), False


def pick_time(arg: str, tz: str) -> datetime | None:
    """The moment an offered-time button names (`pick:<id>:<YYYYmmddHHMM local>`)."""
    try:
        naive = datetime.strptime(arg, STAMP)
    except ValueError:
        return None
    return naive.replace(tzinfo=ZoneInfo(tz))


def picked(item: ItemLike, when: datetime) -> Parsed:
    """An offered time pressed for an open item: a reschedule to it (an all-day item
    offered midnight stays all-day)."""
    keep_all_day = item.all_day and when.hour == 0 and when.minute == 0
    return Parsed("reschedule", None, when, None, keep_all_day, None, ())
