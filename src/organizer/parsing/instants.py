"""Instants in the user's zone: wall time built with zoneinfo and normalised through UTC, so
each carries the offset of its own date and a time in a DST gap moves forward; elapsed
arithmetic ("через 2 часа", a default one-hour meeting) is done in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from datetime import tzinfo as tzinfo_
from zoneinfo import ZoneInfo

from organizer.parsing.dates import last_day


def local(d: date, h: int, m: int, zone: ZoneInfo, tzo: int | str | None = None) -> datetime:
    """Wall time d h:m in zone, normalised (a time in a DST gap moves forward). With
    `tzo` the wall time is in that named zone instead: an IANA name ("16:00 CET", «в 10 по
    Москве»), or a fixed offset in minutes east of UTC ("GMT+3")."""
    if tzo is None:
        tzinfo: tzinfo_ = zone
    elif isinstance(tzo, str):
        tzinfo = ZoneInfo(tzo)
    else:
        tzinfo = timezone(timedelta(minutes=tzo))
    dt = datetime.combine(d, time(h, m), tzinfo=tzinfo)
    return dt.astimezone(UTC).astimezone(zone)


def midnight(d: date, zone: ZoneInfo) -> datetime:
    return local(d, 0, 0, zone)


def plus_elapsed(dt: datetime, minutes: float, zone: ZoneInfo) -> datetime:
    return (dt.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(zone)


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    y += d.year
    m += 1
    if not 1 <= y <= 9998:
        return d
    return date(y, m, min(d.day, last_day(y, m)))
