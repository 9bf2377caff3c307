"""Deterministic calendar identity and the iCalendar text of an event.

Pure: no clock, no I/O. `event_uid` maps the same item to the same iCalUID forever;
`vevent` renders an EventSpec as a VCALENDAR for CalDAV servers.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from organizer.calendars.base import EventSpec

PRODID = "-//organizer//organizer calendar sync//EN"


def event_uid(instance_id: str, item_id: int) -> str:
    """iCalUID of an item's event: stable across restarts, unique per database."""
    return f"organizer-{instance_id}-{item_id}@organizer.local"


def local_span(spec: EventSpec) -> tuple[datetime | date, datetime | date]:
    """(start, end) as the calendar should show them.

    Timed events: aware datetimes in the spec's zone (end defaults to one hour).
    All-day events: dates, the end exclusive (the day after the last day).
    """
    zone = ZoneInfo(spec.tz)
    start = spec.start.astimezone(zone)
    if spec.all_day:
        first = start.date()
        last = spec.end.astimezone(zone).date() if spec.end is not None else first
        if last <= first:
            last = first + timedelta(days=1)
        return first, last
    end = spec.end.astimezone(zone) if spec.end is not None else start + timedelta(hours=1)
    if end <= start:
        end = start + timedelta(hours=1)
    return start, end


def local_exdates(spec: EventSpec) -> list[datetime | date]:
    """The series' cancelled occurrences as DTSTART is written: zoned datetimes in the
    spec's zone (EXDATE;TZID=…), or dates for an all-day series (EXDATE;VALUE=DATE).
    Nothing for a one-off event."""
    if not spec.rrule:
        return []
    zone = ZoneInfo(spec.tz)
    out: list[datetime | date] = []
    for moment in sorted(set(spec.exdates)):
        local = moment.astimezone(zone)
        value: datetime | date = local.date() if spec.all_day else local
        if value not in out:
            out.append(value)
    return out


def exdate_lines(spec: EventSpec) -> list[str]:
    """One iCalendar EXDATE line per cancelled occurrence (Google's `recurrence` list)."""
    lines = []
    for value in local_exdates(spec):
        if isinstance(value, datetime):
            lines.append(f"EXDATE;TZID={spec.tz}:{value.strftime('%Y%m%dT%H%M%S')}")
        else:
            lines.append(f"EXDATE;VALUE=DATE:{value.strftime('%Y%m%d')}")
    return lines


def vevent(spec: EventSpec, stamp: datetime) -> str:
    """A VCALENDAR holding one VEVENT (with VTIMEZONE) for `spec`; `stamp` is DTSTAMP."""
    import icalendar

    start, end = local_span(spec)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    ev = icalendar.Event()
    ev.add("uid", spec.uid)
    ev.add("dtstamp", stamp)
    ev.add("summary", spec.title)
    ev.add("dtstart", start)  # a date gets VALUE=DATE, a zoned datetime gets TZID
    ev.add("dtend", end)
    if spec.rrule:
        ev.add("rrule", icalendar.vRecur.from_ical(spec.rrule.removeprefix("RRULE:")))
        for value in local_exdates(spec):  # TZID like DTSTART, or VALUE=DATE
            ev.add("exdate", value)
    if spec.description:
        ev.add("description", spec.description)
    if "TZID" in ev["DTSTART"].params:  # not for dates, nor for UTC (written with Z)
        from organizer.vtimezone import build

        cal.add_component(build(spec.tz, start.year))  # before the event that names it
    cal.add_component(ev)
    return cal.to_ical().decode("utf-8")
