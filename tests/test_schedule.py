"""organizer.schedule: pure recurrence, reminder, snooze and agenda arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from organizer import schedule
from organizer.pipeline import timefmt

BERLIN = "Europe/Berlin"
BZ = ZoneInfo(BERLIN)
ZONES = ["Europe/Berlin", "Europe/Moscow", "America/New_York", "Australia/Sydney", "UTC",
         "Asia/Kolkata", "Pacific/Chatham", "America/Sao_Paulo"]  # fmt: skip


def b(*args: int) -> datetime:
    """Berlin wall time -> aware UTC."""
    return datetime(*args, tzinfo=BZ).astimezone(UTC)  # type: ignore[misc]


def test_daily_keeps_wall_clock_across_autumn_dst() -> None:
    start = b(2026, 10, 23, 10, 0)
    occ = schedule.occurrences("FREQ=DAILY", start, BERLIN).between(
        b(2026, 10, 23), b(2026, 10, 28)
    )
    assert [o.astimezone(BZ).strftime("%d %H:%M %Z") for o in occ] == [
        "23 10:00 CEST", "24 10:00 CEST", "25 10:00 CET", "26 10:00 CET", "27 10:00 CET",
    ]  # fmt: skip
    # the UTC step across the change is 25 hours
    assert occ[2] - occ[1] == timedelta(hours=25)


def test_daily_keeps_wall_clock_across_spring_dst() -> None:
    start = b(2027, 3, 26, 9, 0)
    occ = schedule.occurrences("FREQ=DAILY", start, BERLIN).between(b(2027, 3, 26), b(2027, 3, 30))
    assert [o.astimezone(BZ).strftime("%d %H:%M") for o in occ] == [
        "26 09:00",
        "27 09:00",
        "28 09:00",
        "29 09:00",
    ]
    assert occ[2] - occ[1] == timedelta(hours=23)


def test_nonexistent_wall_time_moves_forward_and_ambiguous_is_first() -> None:
    gap = schedule.next_occurrence(
        "FREQ=DAILY", b(2027, 3, 27, 2, 30), BERLIN, b(2027, 3, 27, 3, 0)
    )
    assert gap == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # 03:30 CEST
    fold = schedule.next_occurrence(
        "FREQ=DAILY", b(2026, 10, 24, 2, 30), BERLIN, b(2026, 10, 24, 3)
    )
    assert fold == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the first 02:30 (CEST)


def test_month_end_rules() -> None:
    last = schedule.occurrences("FREQ=MONTHLY;BYMONTHDAY=-1", b(2027, 1, 31, 18, 0), BERLIN)
    got = last.between(b(2027, 1, 1), b(2027, 5, 1))
    assert [o.astimezone(BZ).date().isoformat() for o in got] == [
        "2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30",
    ]  # fmt: skip
    # the 31st skips short months (RFC 5545), it does not clamp
    d31 = schedule.occurrences("FREQ=MONTHLY;BYMONTHDAY=31", b(2027, 1, 31, 9, 0), BERLIN)
    assert d31.after(b(2027, 1, 31, 9, 0)) == b(2027, 3, 31, 9, 0)


def test_weekly_byday_interval_and_until() -> None:
    s = schedule.occurrences("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", b(2026, 11, 2, 10), BERLIN)
    assert s.after(b(2026, 11, 2, 10)) == b(2026, 11, 16, 10)
    u = schedule.occurrences("RRULE:FREQ=DAILY;UNTIL=20261104T090000Z", b(2026, 11, 2, 10), BERLIN)
    assert u.between(b(2026, 11, 1), b(2026, 12, 1)) == [
        b(2026, 11, 2, 10),
        b(2026, 11, 3, 10),
        b(2026, 11, 4, 10),
    ]
    assert u.after(b(2026, 11, 4, 10)) is None


def test_bad_rules_and_zones() -> None:
    with pytest.raises(schedule.ScheduleError):
        schedule.occurrences("BYDAY=MO", b(2026, 11, 2), BERLIN)
    with pytest.raises(schedule.ScheduleError):
        schedule.occurrences("FREQ=SOMETIMES", b(2026, 11, 2), BERLIN)
    with pytest.raises(schedule.ScheduleError):
        schedule.zone("Mars/Olympus")
    assert not schedule.valid_zone("Mars/Olympus")
    assert schedule.valid_zone("Europe/Berlin")
    with pytest.raises(schedule.ScheduleError):
        schedule.parse_hhmm("25:00")
    assert schedule.parse_hhmm("7:05") == time(7, 5)


def test_reminder_due_and_plan() -> None:
    now = b(2026, 11, 2, 8, 0)
    start = b(2026, 11, 2, 15, 0)
    assert schedule.reminder_due("task", start, False, BERLIN, 15) == start
    assert schedule.reminder_due("meeting", start, False, BERLIN, 15) == b(2026, 11, 2, 14, 45)
    assert schedule.reminder_due("task", b(2026, 11, 6), True, BERLIN, 15) == b(2026, 11, 6, 9, 0)
    assert schedule.reminder_due("meeting", b(2026, 11, 6), True, BERLIN, 15) is None
    kw = {"all_day": False, "rrule_body": None, "tz_name": BERLIN, "lead_min": 15}
    # a meeting in 5 minutes: reminded right away
    p = schedule.plan(item_type="meeting", start=now + timedelta(minutes=5), now=now, **kw)
    assert p is not None and p.due == now
    # a task in the past: none; a task a few seconds ago: now
    assert schedule.plan(item_type="task", start=now - timedelta(hours=1), now=now, **kw) is None
    p = schedule.plan(item_type="task", start=now - timedelta(seconds=20), now=now, **kw)
    assert p is not None and p.due == now
    assert schedule.plan(item_type="note", start=start, now=now, **kw) is None
    # a recurring task whose current occurrence went by: the next one
    kw["rrule_body"] = "FREQ=DAILY"
    p = schedule.plan(item_type="task", start=b(2026, 10, 1, 7, 0), now=now, **kw)
    assert p is not None and p.occurrence == b(2026, 11, 3, 7, 0)
    p = schedule.plan(
        item_type="task", start=b(2026, 11, 3, 7, 0), now=now, after=b(2026, 11, 3, 7, 0), **kw
    )
    assert p is not None and p.occurrence == b(2026, 11, 4, 7, 0)


def test_snooze_targets() -> None:
    now = b(2026, 11, 2, 23, 50)
    assert schedule.snooze_target("15m", now, BERLIN) == now + timedelta(minutes=15)
    assert schedule.snooze_target("1h", now, BERLIN) == now + timedelta(hours=1)
    assert schedule.snooze_target("tom", now, BERLIN) == b(2026, 11, 3, 9, 0)
    # tomorrow 09:00 across the autumn change
    assert schedule.snooze_target("tom", b(2026, 10, 24, 20), BERLIN) == b(2026, 10, 25, 9, 0)
    with pytest.raises(schedule.ScheduleError):
        schedule.snooze_target("2d", now, BERLIN)


def test_next_agenda_and_day_bounds() -> None:
    d, m = schedule.next_agenda(time(8), BERLIN, b(2026, 11, 2, 7, 59))
    assert (d, m) == (date(2026, 11, 2), b(2026, 11, 2, 8, 0))
    d, m = schedule.next_agenda(time(8), BERLIN, b(2026, 11, 2, 8, 0))
    assert (d, m) == (date(2026, 11, 3), b(2026, 11, 3, 8, 0))
    lo, hi = schedule.local_day_bounds(date(2026, 10, 25), BERLIN)
    assert hi - lo == timedelta(hours=25)
    lo, hi = schedule.local_day_bounds(date(2027, 3, 28), BERLIN)
    assert hi - lo == timedelta(hours=23)


def test_format_delay() -> None:
    # Babel's CLDR short units ("hr" in English)
    assert timefmt.duration_text(timedelta(hours=3, seconds=20), "ru") == "3 ч"
    assert timefmt.duration_text(timedelta(hours=1, minutes=20), "en") == "1 hr 20 min"
    assert timefmt.duration_text(timedelta(minutes=45), "ru") == "45 мин"
    assert timefmt.duration_text(timedelta(seconds=5), "en") == "1 min"


# --- properties ---------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
rules = st.sampled_from([
    "FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,WE,FR", "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU",
    "FREQ=MONTHLY;BYMONTHDAY=1", "FREQ=MONTHLY;BYMONTHDAY=-1", "FREQ=YEARLY",
    "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "FREQ=DAILY;INTERVAL=3",
])  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    rule=rules,
    hh=st.integers(0, 23),
    mm=st.sampled_from([0, 15, 30, 45]),
    start_day=st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31)),
    offset=st.integers(0, 400),
)
def test_next_occurrence_is_after_in_series_at_wall_clock(
    zone: str, rule: str, hh: int, mm: int, start_day: date, offset: int
) -> None:
    tz = ZoneInfo(zone)
    start = schedule.local_at(start_day, time(hh, mm), tz)
    after = start + timedelta(days=offset, hours=offset % 24)
    nxt = schedule.next_occurrence(rule, start, zone, after)
    assert nxt is not None and nxt > after
    # the wall clock is the start's, except on a day where it does not exist (the gap)
    clock = schedule.wall(start, tz).time()
    local = schedule.wall(nxt, tz)
    if local.time() != clock:
        naive = datetime.combine(local.date(), clock)
        assert schedule.wall(schedule.localize(naive, tz), tz) != naive
    # nothing in the series lies between `after` and the answer
    assert (
        schedule.occurrences(rule, start, zone).between(after + timedelta(microseconds=1), nxt)
        == []
    )


@settings(max_examples=150, deadline=None)
@given(zone=st.sampled_from(ZONES), now=moments, hh=st.integers(0, 23), mm=st.integers(0, 59))
def test_next_agenda_is_the_next_local_time(zone: str, now: datetime, hh: int, mm: int) -> None:
    day, moment = schedule.next_agenda(time(hh, mm), zone, now)
    assert now < moment <= now + timedelta(hours=26)
    assert schedule.wall(moment, ZoneInfo(zone)).date() in (day, day + timedelta(days=1))


@settings(max_examples=100, deadline=None)
@given(zone=st.sampled_from(ZONES), now=moments, choice=st.sampled_from(schedule.SNOOZE_CHOICES))
def test_snooze_is_always_ahead(zone: str, now: datetime, choice: str) -> None:
    target = schedule.snooze_target(choice, now, zone)
    assert now < target <= now + timedelta(hours=34)


@settings(max_examples=150, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    item_type=st.sampled_from(["task", "meeting"]),
    all_day=st.booleans(),
    rule=st.one_of(st.none(), rules),
    start=moments,
    ahead=st.integers(-3 * 86_400, 3 * 86_400),
    lead=st.integers(0, 120),
)
def test_plan_is_never_in_the_past_and_belongs_to_the_series(
    zone: str, item_type: str, all_day: bool, rule: str | None, start: datetime, ahead: int,
    lead: int,
) -> None:  # fmt: skip
    now = start + timedelta(seconds=ahead)
    p = schedule.plan(item_type=item_type, start=start, all_day=all_day, rrule_body=rule,
                      tz_name=zone, lead_min=lead, now=now)  # fmt: skip
    if p is None:
        assert rule is None or (item_type == "meeting" and all_day)
        return
    assert p.due >= now and p.occurrence >= start
    if item_type == "meeting":
        assert p.due <= p.occurrence
    if rule:
        assert (
            p.occurrence == start
            or schedule.next_occurrence(rule, start, zone, p.occurrence - timedelta(microseconds=1))
            == p.occurrence
        )
    # planning again after that occurrence went out never returns it a second time
    again = schedule.plan(item_type=item_type, start=start, all_day=all_day, rrule_body=rule,
                          tz_name=zone, lead_min=lead, now=p.due, after=p.occurrence)  # fmt: skip
    assert again is None or again.occurrence > p.occurrence
