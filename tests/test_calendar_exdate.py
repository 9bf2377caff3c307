"""One occurrence cancelled out of a recurring meeting becomes an EXDATE on its calendar
event — exactly once — through the real pipeline, the real reminders' buttons and the
real sync job, against the fake Google Calendar and a real Radicale.

The worker here is the real one with the real handlers, minus its background calendar
job: the tests run `organizer.sync` passes themselves, at the test's clock, so exactly
one syncer touches the server and every assertion sees a settled state.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fixtures.calendar import (
    GOOGLE_CALENDAR_ID,
    caldav_env,
    caldav_events,
    google_env,
    store_env,
)
from fixtures.pipeline import MONDAY_10, Pipe, buttons
from organizer import reminders, sync
from organizer.calendars.base import EventSpec
from organizer.calendars.google import event_body
from organizer.config import load_settings
from organizer.db import calsync
from organizer.db import items as items_db
from organizer.db.connect import transaction
from organizer.db.store import open_store
from organizer.handlers import build_plugins
from organizer.ical import vevent
from organizer.model import to_db
from organizer.worker import Worker

MSK = ZoneInfo("Europe/Moscow")


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)  # type: ignore[misc]


@pytest.fixture
def make_pipe(db_path: Path, db_url: str) -> Iterator[Any]:
    made: list[Pipe] = []

    def factory(**env: str) -> Pipe:
        settings = load_settings(
            {**store_env(db_path, db_url), "ORGANIZER_TZ": "Europe/Moscow",
             "ORGANIZER_ENV_FILE": "", **env}
        )  # fmt: skip
        conn = open_store(settings)
        plugins = build_plugins(settings, conn)
        plugins.periodic = [p for p in plugins.periodic if p.name != "calendar"]
        worker = Worker(settings, conn, plugins, worker_id="test-worker")
        pipe = Pipe(conn, settings, worker, MONDAY_10)
        made.append(pipe)
        return pipe

    yield factory
    for p in made:
        p.conn.close()


def sync_pass(pipe: Pipe) -> int:
    """One pass of the real sync job at the test's clock; everything due gets SYNCED."""
    n = sync.run_once(pipe.settings, pipe.conn, pipe.now)
    for row in pipe.conn.execute("SELECT id, cal_state, last_error FROM items"):
        assert row["cal_state"] in ("NONE", "SYNCED", "LOCAL"), dict(row)
    return n


def exdate_rows(pipe: Pipe, item_id: int) -> list[str]:
    return [
        r[0]
        for r in pipe.conn.execute(
            "SELECT occurrence_at FROM item_exdates WHERE item_id = ? ORDER BY occurrence_at",
            (item_id,),
        )
    ]


def agenda_days(pipe: Pipe, days: list[date]) -> dict[date, list[str]]:
    out = {}
    for d in days:
        meetings, _, _ = reminders.agenda_entries(pipe.conn, pipe.chat_id, d, "Europe/Moscow")
        out[d] = [to_db(e.start) or "" for e in meetings]
    return out


def cancel_this_one(pipe: Pipe) -> str:
    """'отмени планёрку' → the series question; returns its 'this one' button."""
    ask = pipe.say("отмени планёрку")
    (this_one,) = [d for _, d in buttons(ask) if d.startswith("cxo:")]
    return this_one


# -- Google ------------------------------------------------------------------------------


def test_google_cancelled_occurrence_is_an_exdate_once(
    make_pipe: Any, fake_google: Any, google_sa_file: Path
) -> None:
    pipe = make_pipe(**google_env(fake_google, google_sa_file))
    pipe.say("каждый понедельник в 10 планёрка")
    (item,) = pipe.items()
    iid = item["id"]
    assert item["start_at"] == to_db(msk(2026, 11, 30, 10, 0))
    assert sync_pass(pipe) == 1
    (ev,) = fake_google.live_events(GOOGLE_CALENDAR_ID)
    assert ev["recurrence"] == ["RRULE:FREQ=WEEKLY;BYDAY=MO"]
    assert ev["start"]["dateTime"].startswith("2026-11-30T10:00:00")

    # The series rolls on: 30 Nov is reminded (the item sits on it), and on Wednesday
    # "cancel the standup" means the next one, 7 December — not the one that is over.
    pipe.now = msk(2026, 11, 30, 9, 45)
    pipe.tick()
    assert pipe.item(iid)["start_at"] == to_db(msk(2026, 11, 30, 10, 0))
    pipe.now = msk(2026, 12, 2, 12, 0)
    this_one = cancel_this_one(pipe)
    assert this_one == f"cxo:{iid}:202612071000"
    edit = pipe.press(this_one)
    assert "7 декабря" in (edit.text or "") and "14 декабря" in (edit.text or "")

    # Same transaction: the exdate, the item moved on, and the calendar request.
    row = pipe.item(iid)
    assert exdate_rows(pipe, iid) == [to_db(msk(2026, 12, 7, 10, 0))]
    assert row["start_at"] == to_db(msk(2026, 12, 14, 10, 0))
    assert row["cal_dtstart"] == to_db(msk(2026, 11, 30, 10, 0))  # the series' anchor
    assert (row["cal_state"], row["cal_op"], row["attempts"], row["next_attempt_at"]) == (
        "PENDING", "upsert", 0, to_db(pipe.now),
    )  # fmt: skip

    assert sync_pass(pipe) == 1
    (ev2,) = fake_google.live_events(GOOGLE_CALENDAR_ID)
    assert ev2["id"] == ev["id"] == pipe.item(iid)["cal_event_id"]
    assert ev2["recurrence"] == [
        "RRULE:FREQ=WEEKLY;BYDAY=MO",
        "EXDATE;TZID=Europe/Moscow:20261207T100000",
    ]
    # the event stays anchored where the series began: past Mondays stay in the calendar
    assert ev2["start"]["dateTime"].startswith("2026-11-30T10:00:00")
    assert ev2["end"]["dateTime"].startswith("2026-11-30T11:00:00")

    # Pressing it again (a double tap, a late copy): nothing more happens anywhere.
    updated = ev2["updated"], ev2["etag"]
    again = pipe.press(this_one)
    assert again.kind == "callback_answer" and again.text == "Уже отменено"
    assert exdate_rows(pipe, iid) == [to_db(msk(2026, 12, 7, 10, 0))]
    assert pipe.item(iid)["start_at"] == to_db(msk(2026, 12, 14, 10, 0))
    assert pipe.item(iid)["cal_state"] == "SYNCED"
    assert sync_pass(pipe) == 0
    (ev3,) = fake_google.live_events(GOOGLE_CALENDAR_ID)
    assert (ev3["updated"], ev3["etag"]) == updated

    # The agenda no longer lists 7 December; 14 December it does.
    days = agenda_days(pipe, [date(2026, 12, 7), date(2026, 12, 14)])
    assert days == {date(2026, 12, 7): [], date(2026, 12, 14): [to_db(msk(2026, 12, 14, 10))]}
    assert "Планёрка" not in (pipe.say("что у меня 7 декабря").text or "")
    assert "Планёрка" in (pipe.say("что у меня 14 декабря").text or "")

    # The whole series: the event goes.
    pipe.press(f"cxs:{iid}")
    assert (pipe.item(iid)["status"], pipe.item(iid)["cal_op"]) == ("CANCELLED", "delete")
    assert sync_pass(pipe) == 1
    assert fake_google.live_events(GOOGLE_CALENDAR_ID) == []
    assert len(fake_google.all_events(GOOGLE_CALENDAR_ID)) == 1  # one event ever


def test_a_later_occurrence_is_skipped_by_reminders_agenda_and_calendar(
    make_pipe: Any, fake_google: Any, google_sa_file: Path
) -> None:
    """A button naming an occurrence beyond the upcoming one: the item stays where it
    is; that occurrence is skipped when its turn comes and is an EXDATE at once."""
    pipe = make_pipe(**google_env(fake_google, google_sa_file))
    pipe.say("каждый понедельник в 10 планёрка")
    (item,) = pipe.items()
    iid = item["id"]
    sync_pass(pipe)
    pipe.press(f"cxo:{iid}:202612141000")
    assert pipe.item(iid)["start_at"] == to_db(msk(2026, 11, 30, 10, 0))  # not moved
    assert exdate_rows(pipe, iid) == [to_db(msk(2026, 12, 14, 10, 0))]
    sync_pass(pipe)
    (ev,) = fake_google.live_events(GOOGLE_CALENDAR_ID)
    assert ev["recurrence"][1:] == ["EXDATE;TZID=Europe/Moscow:20261214T100000"]
    days = agenda_days(pipe, [date(2026, 12, 7), date(2026, 12, 14), date(2026, 12, 21)])
    assert [bool(v) for v in days.values()] == [True, False, True]

    # Reminders: 30 Nov, 7 Dec, then 21 Dec — 14 Dec never.
    sent = []
    pipe.now = msk(2026, 11, 30, 9, 45)
    for _ in range(4):
        pipe.tick()
        rows = pipe.conn.execute(
            "SELECT occurrence_at FROM reminders WHERE item_id = ? AND status = 'SENT'"
            " ORDER BY occurrence_at", (iid,),
        ).fetchall()  # fmt: skip
        sent = [r[0] for r in rows]
        pipe.now += timedelta(days=7)
    assert sent == [to_db(msk(2026, m, d, 10, 0)) for m, d in ((11, 30), (12, 7), (12, 21))]
    # Moving along the series never touched the calendar event (no new request).
    assert pipe.item(iid)["cal_state"] == "SYNCED"


# -- CalDAV (Radicale) ----------------------------------------------------------------------


def _occurrences(ics: str, start: datetime, end: datetime) -> list[datetime]:
    """Expand the stored event with recurring_ical_events (an independent expander)."""
    import icalendar
    import recurring_ical_events

    cal = icalendar.Calendar.from_ical(ics)
    return sorted(ev["DTSTART"].dt for ev in recurring_ical_events.of(cal).between(start, end))


@pytest.mark.stores  # the CalDAV path through the real pipeline, on both stores
def test_caldav_cancelled_occurrence_is_an_exdate_once(make_pipe: Any, caldav_url: str) -> None:
    pipe = make_pipe(**caldav_env(caldav_url))
    pipe.say("каждый понедельник в 10 планёрка")
    (item,) = pipe.items()
    iid = item["id"]
    sync_pass(pipe)
    (ics,) = caldav_events(caldav_url)
    assert "EXDATE" not in ics

    this_one = cancel_this_one(pipe)
    assert this_one == f"cxo:{iid}:202611301000"
    pipe.press(this_one)
    pipe.press(this_one)  # twice
    assert exdate_rows(pipe, iid) == [to_db(msk(2026, 11, 30, 10, 0))]
    assert pipe.item(iid)["start_at"] == to_db(msk(2026, 12, 7, 10, 0))
    sync_pass(pipe)

    (ics,) = caldav_events(caldav_url)
    unfolded = ics.replace("\r\n ", "").replace("\n ", "")
    assert "DTSTART;TZID=Europe/Moscow:20261130T100000" in unfolded
    assert [ln for ln in unfolded.splitlines() if ln.startswith("EXDATE")] == [
        "EXDATE;TZID=Europe/Moscow:20261130T100000"
    ]
    occs = _occurrences(ics, msk(2026, 11, 23), msk(2026, 12, 22))
    assert [o.astimezone(MSK) for o in occs] == [msk(2026, 12, d, 10, 0) for d in (7, 14, 21)]

    pipe.press(f"cxs:{iid}")
    sync_pass(pipe)
    assert caldav_events(caldav_url) == []


# -- no calendar, and the sync job's version ----------------------------------------------------


def test_without_a_calendar_the_exdate_is_local_only(make_pipe: Any) -> None:
    pipe = make_pipe()  # CALENDAR_BACKEND=none
    pipe.say("каждый понедельник в 10 планёрка")
    (item,) = pipe.items()
    iid = item["id"]
    assert pipe.item(iid)["cal_state"] == "LOCAL"
    pipe.press(cancel_this_one(pipe))
    assert exdate_rows(pipe, iid) == [to_db(msk(2026, 11, 30, 10, 0))]
    assert (pipe.item(iid)["cal_state"], pipe.item(iid)["cal_op"]) == ("LOCAL", None)


def test_an_exdate_added_while_the_event_is_on_the_wire_is_sent_next(
    make_pipe: Any, fake_google: Any, google_sa_file: Path
) -> None:
    pipe = make_pipe(**google_env(fake_google, google_sa_file))
    pipe.say("каждый понедельник в 10 планёрка")
    (item,) = pipe.items()
    iid = item["id"]
    conn: sqlite3.Connection = pipe.conn
    (read,) = calsync.due(conn, pipe.now, 10)  # the sync job read this version …
    with transaction(conn):  # … and meanwhile an occurrence is cancelled (bare exdate)
        items_db.add_exdate(conn, iid, msk(2026, 12, 7, 10, 0), now=pipe.now)
    assert calsync.mark_synced(conn, read, "ev-old") is False
    assert pipe.item(iid)["cal_state"] == "PENDING"
    (again,) = calsync.due(conn, pipe.now, 10)
    spec = sync.spec_for(again)
    assert spec is not None and spec.exdates == (msk(2026, 12, 7, 10, 0).astimezone(UTC),)


def test_all_day_series_exdate_is_a_date() -> None:
    spec = EventSpec(
        uid="u@organizer.local", title="ДР", start=msk(2026, 12, 1), end=msk(2026, 12, 2),
        all_day=True, tz="Europe/Moscow", rrule="FREQ=YEARLY",
        exdates=(msk(2027, 12, 1).astimezone(UTC),),
    )  # fmt: skip
    assert event_body(spec)["recurrence"] == ["RRULE:FREQ=YEARLY", "EXDATE;VALUE=DATE:20271201"]
    text = vevent(spec, datetime(2026, 11, 1, tzinfo=UTC))
    assert "EXDATE;VALUE=DATE:20271201" in text and "DTSTART;VALUE=DATE:20261201" in text
    # a one-off event never carries EXDATEs
    one_off = EventSpec(uid="v", title="x", start=msk(2026, 12, 1, 10), end=None,
                        all_day=False, tz="Europe/Moscow", exdates=spec.exdates)  # fmt: skip
    assert "EXDATE" not in vevent(one_off, datetime(2026, 11, 1, tzinfo=UTC))
