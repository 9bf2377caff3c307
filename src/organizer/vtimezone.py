"""A VTIMEZONE for an IANA zone, as the zone's current yearly rules.

Pure: no clock, no I/O. icalendar's own export lists every historical transition as
RDATEs up to 2038; vobject-based servers (Radicale, Calypso) then read Europe/Moscow as
+04:00 and time-range searches come out an hour off, and a series past 2038 has no rule
at all (RFC 5545 §3.6.5). Here a zone with daylight saving becomes one STANDARD and one
DAYLIGHT component, each an RRULE (`BYMONTH=3;BYDAY=-1SU`), and a zone without it one
STANDARD component of its fixed offset: what vobject, icalendar and Xandikos read alike.
The rules are those in force in the event's year; zones whose transitions follow no
weekday rule (none in Europe or the Americas today) get the nearest weekday rule.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Transition:
    """The first instant of a new offset, with the wall clock just before it."""

    local: datetime  # naive wall time in the old offset (the component's DTSTART form)
    before: timedelta
    after: timedelta
    name: str
    daylight: bool


def transitions(zone: ZoneInfo, year: int) -> list[Transition]:
    """Offset changes during `year`, found day by day, then to the minute."""
    out: list[Transition] = []
    day = datetime(year, 1, 1, tzinfo=UTC)
    prev = day.astimezone(zone).utcoffset()
    while day.year == year:
        nxt = day + timedelta(days=1)
        if nxt.astimezone(zone).utcoffset() != prev:
            lo, hi = day, nxt  # bisect to the minute: offset(lo) == prev != offset(hi)
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(zone).utcoffset() == prev:
                    lo = mid
                else:
                    hi = mid
            new = hi.astimezone(zone)
            assert prev is not None
            out.append(Transition((hi + prev).replace(tzinfo=None, second=0, microsecond=0),
                                  prev, new.utcoffset() or timedelta(), new.tzname() or "",
                                  bool(new.dst())))
            prev = new.utcoffset()
        day = nxt
    return out


def weekday_rule(local: datetime) -> dict[str, Any]:
    """The yearly rule that names this date: the n-th (or last) weekday of its month."""
    days_in_month = calendar.monthrange(local.year, local.month)[1]
    n = -1 if local.day + 7 > days_in_month else (local.day - 1) // 7 + 1
    return {"FREQ": "YEARLY", "BYMONTH": local.month, "BYDAY": f"{n}{_DAYS[local.weekday()]}"}


def first_in_1970(local: datetime, rule: dict[str, Any]) -> datetime:
    """The rule's occurrence in 1970 at the same wall time: a DTSTART the RRULE matches."""
    month = rule["BYMONTH"]
    by = rule["BYDAY"]
    n, wd = int(by[:-2]), _DAYS.index(by[-2:])
    days = [d for d in range(1, calendar.monthrange(1970, month)[1] + 1)
            if calendar.weekday(1970, month, d) == wd]
    return datetime(1970, month, days[n - 1 if n > 0 else n], local.hour, local.minute)


def build(tzid: str, year: int) -> Any:
    """An icalendar.Timezone for `tzid` under the rules in force in `year`."""
    import icalendar

    zone = ZoneInfo(tzid)
    tz = icalendar.Timezone()
    tz.add("tzid", tzid)
    changes = transitions(zone, year)
    if len(changes) != 2:  # no DST (or the year it was abolished): the offset at year end
        end = datetime(year, 12, 31, 12, tzinfo=UTC).astimezone(zone)
        std = icalendar.TimezoneStandard()
        std.add("dtstart", datetime(1970, 1, 1))
        std.add("tzoffsetfrom", end.utcoffset())
        std.add("tzoffsetto", end.utcoffset())
        std.add("tzname", end.tzname())
        tz.add_component(std)
        return tz
    for t in changes:
        comp = icalendar.TimezoneDaylight() if t.daylight else icalendar.TimezoneStandard()
        rule = weekday_rule(t.local)
        comp.add("dtstart", first_in_1970(t.local, rule))
        comp.add("rrule", rule)
        comp.add("tzoffsetfrom", t.before)
        comp.add("tzoffsetto", t.after)
        comp.add("tzname", t.name)
        tz.add_component(comp)
    return tz
