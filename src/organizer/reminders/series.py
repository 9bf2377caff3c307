"""Which occurrence of a recurring item a button or a cancel means. PURE.

Plain functions of the item, the moment and the occurrences already cancelled: no
database, no clock (`now` is an argument). The zone is the caller's: the item's own,
else the operator's default.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Protocol

from organizer import schedule
from organizer.pipeline.replies import ItemLike
from organizer.pipeline.timefmt import STAMP, stamp

log = logging.getLogger(__name__)



class Item(ItemLike, Protocol):
    """What these rules need of an item (organizer.db.items.Item has it all)."""

    tz: str | None


MAX_STEPS = 1000  # occurrences walked past cancelled ones before giving up


def series_of(item: Item, default_tz: str) -> schedule._Occurrences | None:
    """The item's occurrences, or None for a one-off (or an RRULE we cannot read)."""
    if not item.rrule or item.start_at is None:
        return None
    try:
        return schedule.occurrences(item.rrule, item.start_at, item.tz or default_tz)
    except schedule.ScheduleError as e:
        log.warning("item=%d: %s", item.id, e)
        return None


def next_kept(
    series: schedule._Occurrences, after: datetime, now: datetime, skip: set[datetime]
) -> datetime | None:
    """The first occurrence after `after` (and after `now` when the series fell behind)
    that was not cancelled; None when the series has ended."""
    nxt = series.after(after)
    if nxt is not None and nxt <= now:
        nxt = series.after(now)
    for _ in range(MAX_STEPS):
        if nxt is None or nxt not in skip:
            return nxt
        nxt = series.after(nxt)
    return None


def span(item: Item) -> timedelta:
    """How long one occurrence lasts (a meeting without an end: an hour, as the calendar)."""
    if item.start_at is not None and item.end_at is not None and item.end_at > item.start_at:
        return item.end_at - item.start_at
    return timedelta(days=1) if item.all_day else timedelta(hours=1)


def occurrence_to_cancel(
    item: Item, now: datetime, skip: set[datetime], default_tz: str
) -> datetime | None:
    """The occurrence "only this one" means: the item's current occurrence — for a
    meeting, unless it is over already (the item stays on its last occurrence until the
    next one's reminder), then the first one not over — and never one already cancelled.
    None when the series has nothing left."""
    series = series_of(item, default_tz)
    if series is None or item.start_at is None:
        return None
    occ: datetime | None = item.start_at
    if item.type == "meeting":
        length = span(item)
        if occ + length <= now:
            occ = series.after(now - length)  # the first whose end is still ahead
    for _ in range(MAX_STEPS):
        if occ is None or occ not in skip:
            return occ
        occ = series.after(occ)
    return None


def occurrence_at_stamp(item: Item, at: str, tz: str, default_tz: str) -> datetime | None:
    """The occurrence of the item's series at local minute `at` (YYYYmmddHHMM), or None."""
    series = series_of(item, default_tz)
    try:
        minute = schedule.localize(datetime.strptime(at, STAMP), schedule.zone(tz))
    except (ValueError, schedule.ScheduleError):
        return None
    if series is None:
        return None
    # From the current occurrence on; an earlier one is behind anyway.
    occ = series.after(minute, inc=True)
    return occ if occ is not None and stamp(occ, tz) == at else None
