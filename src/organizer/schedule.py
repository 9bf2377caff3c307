"""When things happen: recurrence, reminder moments, snooze targets, the agenda moment.

Pure: every function takes `now` and the zone as arguments; no clock, no I/O.

Recurrence is computed the way a person reads it: python-dateutil's rrule walks the
*local wall time* of the user's zone (so "every day at 10:00" stays at 10:00 across a
DST change), and each wall time is then localized with zoneinfo:

- a wall time that does not exist (the spring-forward gap, 02:30 on 2027-03-28 in
  Berlin) is read with the offset before the gap, i.e. it lands one hour later on the
  clock (03:30 CEST), as RFC 5545 says;
- a wall time that exists twice (the autumn fold, 02:30 on 2026-10-25) is the first
  of the two (fold=0), as RFC 5545 says.

All results are aware UTC datetimes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

# An all-day task ("к пятнице отправить отчёт") is reminded at this local time of its day.
ALL_DAY_REMIND_AT = time(9, 0)
# Snooze "tomorrow" means this local time on the next day.
SNOOZE_TOMORROW_AT = time(9, 0)
SNOOZE_CHOICES = ("15m", "1h", "tom")
# A reminder delivered this long after its due moment is marked late.
LATE_AFTER = timedelta(minutes=2)
# A task created (or moved) to a moment that passed less than this ago is still reminded.
GRACE = timedelta(minutes=1)

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_UNTIL_UTC = re.compile(r"UNTIL=(\d{8}T\d{6})Z", re.IGNORECASE)
# How far one search may walk (a yearly rule on 29 February needs a few years).
_MAX_STEPS = 1000


class ScheduleError(ValueError):
    """A zone, clock time or rule that cannot be used."""


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`, or ScheduleError."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ScheduleError(f"unknown time zone {name!r}") from None


def valid_zone(name: str) -> bool:
    try:
        zone(name)
    except ScheduleError:
        return False
    return "/" in name or name == "UTC"


def parse_hhmm(text: str) -> time:
    """'07:30' -> time(7, 30); ScheduleError otherwise."""
    m = _HHMM.match(text.strip())
    if not m:
        raise ScheduleError(f"{text!r} is not a time like 07:30")
    return time(int(m.group(1)), int(m.group(2)))


def localize(wall: datetime, tz: ZoneInfo) -> datetime:
    """A naive local wall time -> aware UTC (gap: offset before it; fold: the first)."""
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def wall(moment: datetime, tz: ZoneInfo) -> datetime:
    """An aware moment -> naive local wall time in `tz`."""
    return moment.astimezone(tz).replace(tzinfo=None)


def local_at(day: date, at: time, tz: ZoneInfo) -> datetime:
    """`at` o'clock on `day` in `tz`, as aware UTC."""
    return localize(datetime.combine(day, at), tz)


# Parsed once per (rule, start, zone): the agenda and the busy times expand the same series
# day after day within one message (issue 19). dateutil's rrule (cache off) is not changed
# by iterating it, so one object can be shared; errors are raised again, not cached.
@lru_cache(maxsize=1024)
def _rule(body: str, dtstart_wall: datetime, tz: ZoneInfo) -> rrule:
    body = body.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    if not body or "FREQ=" not in body.upper():
        raise ScheduleError(f"not an RRULE body: {body!r}")

    # dtstart is naive wall time, so UNTIL must be too: turn a UTC UNTIL into local.
    def _until(m: re.Match[str]) -> str:
        u = datetime.strptime(m.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        return "UNTIL=" + wall(u, tz).strftime("%Y%m%dT%H%M%S")

    body = _UNTIL_UTC.sub(_until, body)
    try:
        rule = rrulestr(body, dtstart=dtstart_wall)
    except (ValueError, TypeError) as e:
        raise ScheduleError(f"bad RRULE {body!r}: {e}") from None
    if not isinstance(rule, rrule):
        raise ScheduleError(f"not a single RRULE: {body!r}")
    return rule


def occurrences(rrule_body: str, dtstart: datetime, tz_name: str) -> _Occurrences:
    """The series of `rrule_body` anchored at `dtstart` (aware), in zone `tz_name`."""
    tz = zone(tz_name)
    return _Occurrences(_rule(rrule_body, wall(dtstart, tz), tz), tz)


@dataclass(frozen=True)
class _Occurrences:
    rule: rrule
    tz: ZoneInfo

    def after(self, moment: datetime, *, inc: bool = False) -> datetime | None:
        """The first occurrence strictly after `moment` (or at it when `inc`), UTC."""
        # Start the wall-time search a little early: around a fold, wall time runs back.
        cursor = wall(moment, self.tz) - timedelta(hours=3)
        for _ in range(_MAX_STEPS):
            nxt = self.rule.after(cursor, inc=False)
            if nxt is None:
                return None
            at = localize(nxt, self.tz)
            if at > moment or (inc and at == moment):
                return at
            cursor = nxt
        return None

    def between(self, start: datetime, end: datetime) -> list[datetime]:
        """Occurrences in [start, end), UTC."""
        out: list[datetime] = []
        at = self.after(start, inc=True)
        while at is not None and at < end and len(out) < _MAX_STEPS:
            out.append(at)
            at = self.after(at)
        return out


def next_occurrence(
    rrule_body: str, dtstart: datetime, tz_name: str, after: datetime
) -> datetime | None:
    """The first occurrence of the series strictly after `after` (None when it ended)."""
    return occurrences(rrule_body, dtstart, tz_name).after(after)


@dataclass(frozen=True)
class Plan:
    """The reminder an item should have now: for which occurrence, due when."""

    occurrence: datetime
    due: datetime
    kind: str  # 'task' | 'meeting'


def reminder_due(
    item_type: str, start: datetime, all_day: bool, tz_name: str, lead_min: int
) -> datetime | None:
    """When the reminder of one occurrence is due (None: it has none).

    A timed task at its start; a timed meeting `lead_min` before; an all-day task at
    09:00 local on its day; an all-day meeting none (the daily agenda lists it).
    """
    if item_type == "task":
        if all_day:
            return local_at(wall(start, zone(tz_name)).date(), ALL_DAY_REMIND_AT, zone(tz_name))
        return start
    if item_type == "meeting":
        if all_day:
            return None
        return start - timedelta(minutes=max(0, lead_min))
    return None


def plan(
    *,
    item_type: str,
    start: datetime | None,
    all_day: bool,
    rrule_body: str | None,
    tz_name: str,
    lead_min: int,
    now: datetime,
    after: datetime | None = None,
) -> Plan | None:
    """The one pending reminder an open item should have at `now`, if any.

    The occurrence is `start` for a one-off item; for a recurring one, the first
    occurrence from `start` on (and strictly after `after`, when given: the occurrence
    whose reminder went out already) whose reminder is still ahead. A meeting whose
    reminder moment passed but which has not started yet is reminded right away, and
    so is a timed task set for a moment that passed less than GRACE ago.
    """
    if start is None or item_type not in ("task", "meeting"):
        return None
    series = occurrences(rrule_body, start, tz_name) if rrule_body else None
    occ: datetime | None = start
    if series is not None:
        # Jump near `now` instead of walking from an old start one step at a time.
        floor = now - timedelta(minutes=max(0, lead_min)) - timedelta(days=2)
        if after is not None and after > floor:
            floor = after
        if floor > start:
            occ = series.after(floor)
    for _ in range(_MAX_STEPS):
        if occ is None:
            return None
        if after is None or occ > after:
            due = reminder_due(item_type, occ, all_day, tz_name, lead_min)
            if due is None:
                return None
            if due >= now:
                return Plan(occ, due, item_type)
            if (item_type == "meeting" and occ > now) or (
                item_type == "task" and not all_day and due >= now - GRACE
            ):
                return Plan(occ, now, item_type)
        if series is None:
            return None
        occ = series.after(occ)
    return None


def snooze_target(choice: str, now: datetime, tz_name: str) -> datetime:
    """+15 min, +1 h (elapsed time), or tomorrow 09:00 local."""
    if choice == "15m":
        return now + timedelta(minutes=15)
    if choice == "1h":
        return now + timedelta(hours=1)
    if choice == "tom":
        tz = zone(tz_name)
        return local_at(wall(now, tz).date() + timedelta(days=1), SNOOZE_TOMORROW_AT, tz)
    raise ScheduleError(f"unknown snooze {choice!r}; one of {', '.join(SNOOZE_CHOICES)}")


def next_agenda(at: time, tz_name: str, now: datetime) -> tuple[date, datetime]:
    """The next agenda moment strictly after `now`: (its local date, the moment in UTC).

    On a day where `at` falls in the spring-forward gap it comes an hour later on the
    clock; a day where it exists twice gets it once (the first).
    """
    tz = zone(tz_name)
    day = wall(now, tz).date()
    for _ in range(3):
        moment = local_at(day, at, tz)
        if moment > now:
            return day, moment
        day += timedelta(days=1)
    raise AssertionError("unreachable: an agenda moment exists within three days")


def local_day_bounds(day: date, tz_name: str) -> tuple[datetime, datetime]:
    """[00:00 of `day`, 00:00 of the next day) in the zone, as UTC (23, 24 or 25 h)."""
    tz = zone(tz_name)
    return local_at(day, time(0), tz), local_at(day + timedelta(days=1), time(0), tz)
