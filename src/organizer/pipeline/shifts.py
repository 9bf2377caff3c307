"""An item's new times for a relative move ("на час позже", "push it by 30 minutes"). PURE.

The parser gives the move as `shift_minutes` (elapsed) and `shift_days` (calendar days:
the wall clock is kept across a DST change); the new start is the item's own start plus
the move, and the end moves with it (the length is kept).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from organizer.pipeline.dialog import Parsed
from organizer.pipeline.replies import ItemLike
from organizer.pipeline.timefmt import midnight


def has_shift(p: Parsed) -> bool:
    return bool(p.shift_minutes or p.shift_days)


def has_new_time(p: Parsed) -> bool:
    """A reschedule that says where to: a new start or a relative move."""
    return p.start is not None or has_shift(p)


def _wall_plus_days(dt: datetime, days: int, zone: ZoneInfo) -> datetime:
    wall = dt.astimezone(zone).replace(tzinfo=None) + timedelta(days=days)
    return wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


def shifted(
    item: ItemLike, p: Parsed, tz: str, now: datetime
) -> tuple[datetime, datetime | None, bool]:
    """(start, end, all_day) of `item` moved by the parse's shift.

    An undated item is moved from now (days: from today, all-day); an all-day item moves
    by whole days only (an hour later of a whole day is the same day).
    """
    zone = ZoneInfo(tz)
    minutes, days = p.shift_minutes or 0, p.shift_days or 0
    if item.start_at is None:
        if days and not minutes:
            return midnight(now.astimezone(zone).date() + timedelta(days=days), tz), None, True
        start = _wall_plus_days(now, days, zone) + timedelta(minutes=minutes)
        return start.astimezone(zone), None, False
    length = None
    if item.end_at is not None and item.end_at > item.start_at:
        length = item.end_at - item.start_at
    if item.all_day:
        start = midnight(item.start_at.astimezone(zone).date() + timedelta(days=days), tz)
        end = (
            midnight((item.end_at.astimezone(zone).date() + timedelta(days=days)), tz)
            if item.end_at is not None
            else None
        )
        return start, end, True
    start = (_wall_plus_days(item.start_at, days, zone) + timedelta(minutes=minutes)).astimezone(
        zone
    )
    return start, (start + length if length is not None else None), False
