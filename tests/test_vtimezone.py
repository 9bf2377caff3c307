"""The VTIMEZONE we send: read alike by vobject (Radicale), icalendar and dateutil, for
zones with and without daylight saving, and for series that run past 2038."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures.calendar import RADICALE_PASSWORD, RADICALE_USER
from organizer.calendars.base import EventSpec
from organizer.ical import vevent
from organizer.vtimezone import build

STAMP = datetime(2026, 12, 5, tzinfo=UTC)
ZONES = ["Europe/Moscow", "Europe/London", "Europe/Berlin", "America/New_York",
         "America/Los_Angeles", "Australia/Sydney", "Asia/Kolkata", "Asia/Tokyo", "UTC"]  # fmt: skip


def spec(tz: str, start: datetime, rrule: str | None = None) -> EventSpec:
    return EventSpec(uid="tz-test", title="T", start=start, end=None, all_day=False,
                     tz=tz, rrule=rrule)  # fmt: skip


def test_moscow_is_plus_three_for_vobject() -> None:
    """Before: icalendar's RDATE export made vobject read Europe/Moscow as +04:00."""
    import vobject

    start = datetime(2026, 12, 10, 15, tzinfo=ZoneInfo("Europe/Moscow"))
    cal = vobject.readOne(vevent(spec("Europe/Moscow", start), STAMP))
    assert cal.vevent.dtstart.value.utcoffset() == timedelta(hours=3)


def test_no_end_year_and_rules_not_dates() -> None:
    text = build("Europe/London", 2026).to_ical().decode()
    assert "2038" not in text and "RDATE" not in text
    assert text.count("RRULE:FREQ=YEARLY") == 2
    assert "BYDAY=-1SU;BYMONTH=3" in text and "BYDAY=-1SU;BYMONTH=10" in text


@settings(max_examples=60, deadline=None)
@given(zone=st.sampled_from(ZONES), day=st.integers(0, 365 * 30), hour=st.integers(0, 23))
def test_every_reader_agrees_with_zoneinfo(zone: str, day: int, hour: int) -> None:
    """A weekly series starting on any day until 2056: vobject and icalendar place its
    start, and its occurrences a year and twenty years on, at zoneinfo's instant."""
    import vobject

    z = ZoneInfo(zone)
    start = datetime.combine(datetime(2026, 1, 1).date() + timedelta(days=day),
                             datetime.min.time().replace(hour=hour), z)  # fmt: skip
    start = start.astimezone(UTC).astimezone(z)  # a wall time inside a DST gap moves on
    text = vevent(spec(zone, start, "RRULE:FREQ=WEEKLY"), STAMP)
    ev = icalendar.Calendar.from_ical(text).walk("VEVENT")[0]
    assert ev["DTSTART"].dt == start
    parsed = vobject.readOne(text).vevent
    assert parsed.dtstart.value == start
    rules = parsed.getrruleset()
    for years in (1, 20):
        after = start + timedelta(days=365 * years)
        occ = rules.after(after.astimezone(UTC))
        assert occ is not None
        wall = occ.replace(tzinfo=None)
        assert wall.time() == start.replace(tzinfo=None).time()
        assert occ.utcoffset() == wall.replace(tzinfo=z).utcoffset(), (zone, occ)


@pytest.mark.slow
def test_time_range_report_on_radicale(caldav_url: str) -> None:
    """A REPORT for 12:00–12:30 UTC finds the 15:00 Moscow meeting (and an occurrence of
    its weekly series in 2045); an hour earlier finds nothing."""
    from caldav import DAVClient

    moscow = ZoneInfo("Europe/Moscow")
    start = datetime(2026, 12, 10, 15, tzinfo=moscow)
    client = DAVClient(url=caldav_url, username=RADICALE_USER, password=RADICALE_PASSWORD,
                       enable_rfc6764=False, require_tls=False)  # fmt: skip
    cal = client.calendar(url=caldav_url)
    cal.save_event(vevent(spec("Europe/Moscow", start, "RRULE:FREQ=WEEKLY"), STAMP))

    def found(lo: datetime, hi: datetime) -> int:
        # post_filter=False: the server's answer alone (caldav re-filters with icalendar
        # by default, which hid the server's misreading)
        return len(cal.search(start=lo, end=hi, event=True, expand=False, post_filter=False))

    noon = datetime(2026, 12, 10, 12, tzinfo=UTC)
    assert found(noon + timedelta(minutes=10), noon + timedelta(minutes=20)) == 1
    assert found(noon - timedelta(minutes=50), noon - timedelta(minutes=40)) == 0
    later = datetime(2045, 12, 14, 12, tzinfo=UTC)  # a Thursday of the series
    assert found(later + timedelta(minutes=10), later + timedelta(minutes=20)) == 1
    assert found(later - timedelta(minutes=50), later - timedelta(minutes=40)) == 0
