"""Calendar sync, the same scenarios on every backend: the real google-api-python-client
against our Calendar v3 server, and the caldav library against a real Radicale.

The sync job runs in-process (`Syncer.run(now)`) with the clock passed in, so backoff
is exercised without sleeping; the crash tests (test_calendar_crash.py) run the real
`organizer worker` process.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fixtures.calendar import (
    GOOGLE_CALENDAR_ID,
    RADICALE_PASSWORD,
    RADICALE_USER,
    add_meeting,
    cancel,
    item,
    reschedule,
)
from organizer.calendars.base import EventSpec
from organizer.db import calsync
from organizer.model import utcnow
from organizer.sync import Syncer

MSK = ZoneInfo("Europe/Moscow")


@dataclass
class Event:
    uid: str
    id: str
    summary: str
    start: datetime | date
    rrule: str | None


@dataclass
class Backend:
    name: str
    make: Callable[..., Any]  # -> a Calendar
    events: Callable[[], list[Event]]  # live events on the server
    server: Any  # FakeGoogleCalendar | Radicale

    def syncer(self, conn: sqlite3.Connection, max_attempts: int = 5, **kw: Any) -> Syncer:
        return Syncer(
            conn,
            lambda: self.make(**kw),
            backend=self.name,
            max_attempts=max_attempts,
            base_s=0.01,
            max_s=0.05,
        )


def _google_events(fake: Any) -> list[Event]:
    out = []
    for ev in fake.live_events(GOOGLE_CALENDAR_ID):
        s = ev["start"]
        start = (
            date.fromisoformat(s["date"]) if "date" in s else datetime.fromisoformat(s["dateTime"])
        )
        rec = ev.get("recurrence") or [None]
        out.append(
            Event(ev["iCalUID"], ev["id"], ev["summary"], start,
                  rec[0].removeprefix("RRULE:") if rec[0] else None)
        )
    return out


def _caldav_events(url: str) -> list[Event]:
    import icalendar

    from fixtures.calendar import caldav_events

    out = []
    for text in caldav_events(url):
        for ve in icalendar.Calendar.from_ical(text).walk("VEVENT"):
            rr = ve.get("rrule")
            out.append(
                Event(str(ve["uid"]), url, str(ve["summary"]), ve["dtstart"].dt,
                      rr.to_ical().decode() if rr else None)
            )
    return out


@pytest.fixture(params=["google", "caldav"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "google":
        from fixtures.calendar import write_sa_file
        from organizer.calendars.google import GoogleCalendar

        fake = request.getfixturevalue("fake_google")
        sa = write_sa_file(tmp_path / "sa.json", request.getfixturevalue("rsa_key"),
                           fake.token_uri)

        def make_google(timeout_s: float = 2.0) -> Any:
            return GoogleCalendar(
                GOOGLE_CALENDAR_ID, sa, api_endpoint=fake.api_endpoint, timeout_s=timeout_s
            )

        return Backend("google", make_google, lambda: _google_events(fake), fake)
    from organizer.calendars.caldav import CalDavCalendar

    url = request.getfixturevalue("caldav_url")

    def make_caldav(timeout_s: float = 2.0) -> Any:
        return CalDavCalendar(
            url, username=RADICALE_USER, password=RADICALE_PASSWORD, timeout_s=timeout_s
        )

    return Backend("caldav", make_caldav, lambda: _caldav_events(url),
                   request.getfixturevalue("radicale"))


def drain(syncer: Syncer, conn: sqlite3.Connection, rounds: int = 20) -> datetime:
    """Run the job until nothing is PENDING; the clock jumps an hour per round."""
    now = utcnow()
    for _ in range(rounds):
        syncer.run(now)
        if not conn.execute("SELECT 1 FROM items WHERE cal_state = 'PENDING'").fetchone():
            break
        now += timedelta(hours=1)
    return now


START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # 15:00 in Moscow


@pytest.mark.stores
def test_create_then_reschedule_then_cancel(
    backend: Backend, conn: sqlite3.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="organizer.sync")
    syncer = backend.syncer(conn)
    item_id = add_meeting(conn, "Встреча с Петей", START)
    drain(syncer, conn)
    row = item(conn, item_id)
    assert row["cal_state"] == "SYNCED" and row["cal_event_id"] and row["attempts"] == 0
    [ev] = backend.events()
    assert ev.uid == row["cal_uid"] and ev.summary == "Встреча с Петей"
    assert ev.start == START.astimezone(MSK)
    assert f"calendar item={item_id} state=SYNCED event={row['cal_event_id']} (created)" in (
        caplog.text
    )

    reschedule(conn, item_id, START + timedelta(days=1, hours=2))
    drain(syncer, conn)
    row2 = item(conn, item_id)
    assert row2["cal_state"] == "SYNCED" and row2["cal_event_id"] == row["cal_event_id"]
    [ev] = backend.events()
    assert ev.start == (START + timedelta(days=1, hours=2)).astimezone(MSK)
    assert "(updated)" in caplog.text

    cancel(conn, item_id)
    drain(syncer, conn)
    row3 = item(conn, item_id)
    assert row3["cal_state"] == "SYNCED" and row3["cal_op"] == "delete"
    assert row3["cal_event_id"] is None
    assert backend.events() == []
    assert f"calendar item={item_id} state=SYNCED event=- (deleted)" in caplog.text

    # Cancelled twice (a repair re-queues it): the event is already gone — success.
    calsync.request(conn, item_id, "delete", utcnow())
    drain(syncer, conn)
    assert item(conn, item_id)["cal_state"] == "SYNCED"
    assert "(skip)" in caplog.text


@pytest.mark.stores
def test_lookup_reuses_an_event_created_before_a_crash(
    backend: Backend, conn: sqlite3.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    """The remote create happened, the local write did not: the uid look-up finds it."""
    caplog.set_level(logging.INFO, logger="organizer.sync")
    item_id = add_meeting(conn, "Planning", START)
    row = item(conn, item_id)
    cal = backend.make()
    spec = EventSpec(row["cal_uid"], "Planning (old title)", START, None, False, "Europe/Moscow")
    first = cal.upsert(spec, None)
    assert first.action == "created"
    assert cal.find(row["cal_uid"]) is not None

    drain(backend.syncer(conn), conn)
    row = item(conn, item_id)
    assert row["cal_state"] == "SYNCED" and "(reused)" in caplog.text
    [ev] = backend.events()
    assert ev.summary == "Planning"  # the reused event now matches the item
    if backend.name == "google":
        assert row["cal_event_id"] == first.event_id


def test_recurring_and_all_day(backend: Backend, conn: sqlite3.Connection) -> None:
    weekly = add_meeting(conn, "Стендап", START, rrule="FREQ=WEEKLY;BYDAY=MO,WE")
    day = add_meeting(
        conn, "Конференция", datetime(2026, 12, 2, 21, 0, tzinfo=UTC), all_day=True
    )
    drain(backend.syncer(conn), conn)
    assert {item(conn, i)["cal_state"] for i in (weekly, day)} == {"SYNCED"}
    by_uid = {ev.uid: ev for ev in backend.events()}
    assert len(by_uid) == 2
    ev = by_uid[item(conn, weekly)["cal_uid"]]
    assert ev.rrule == "FREQ=WEEKLY;BYDAY=MO,WE"
    ev = by_uid[item(conn, day)["cal_uid"]]
    assert ev.start == date(2026, 12, 3) and not isinstance(ev.start, datetime)


def test_calendar_down_for_a_while_then_one_event_each(
    backend: Backend, conn: sqlite3.Connection
) -> None:
    ids = [add_meeting(conn, f"Meeting {n}", START + timedelta(hours=n)) for n in range(3)]
    syncer = backend.syncer(conn, max_attempts=10, timeout_s=0.5)
    if backend.name == "google":
        backend.server.down = True
    else:
        backend.server.pause()
    try:
        now = utcnow()
        for _ in range(3):
            syncer.run(now)
            now += timedelta(hours=1)
        rows = [item(conn, i) for i in ids]
        assert {r["cal_state"] for r in rows} == {"PENDING"}
        assert all(r["attempts"] == 3 and r["last_error"] for r in rows)
    finally:
        if backend.name == "google":
            backend.server.down = False
        else:
            backend.server.resume()
    drain(syncer, conn)
    rows = [item(conn, i) for i in ids]
    assert {r["cal_state"] for r in rows} == {"SYNCED"}
    assert all(r["last_error"] is None and r["attempts"] == 0 for r in rows)
    events = backend.events()
    assert sorted(ev.uid for ev in events) == sorted(r["cal_uid"] for r in rows)


def test_gone_event_is_recreated_on_update_and_ok_on_delete(
    backend: Backend, conn: sqlite3.Connection
) -> None:
    """Someone deleted our event in the calendar app: reschedule brings it back once."""
    item_id = add_meeting(conn, "Dentist", START)
    syncer = backend.syncer(conn)
    drain(syncer, conn)
    uid = item(conn, item_id)["cal_uid"]
    backend.make().delete(uid, None)
    assert backend.events() == []
    reschedule(conn, item_id, START + timedelta(hours=3))
    drain(syncer, conn)
    assert item(conn, item_id)["cal_state"] == "SYNCED"
    assert [ev.uid for ev in backend.events()] == [uid]
    backend.make().delete(uid, None)
    cancel(conn, item_id)
    drain(syncer, conn)
    assert item(conn, item_id)["cal_state"] == "SYNCED"
    assert backend.events() == []
