"""The sync state machine without a remote: CALENDAR_BACKEND=none, writes that lose to
a newer request, the repair verbs, the doctor check, and the iCalendar text."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures.calendar import GOOGLE_CALENDAR_ID, add_meeting, cancel, item, reschedule
from organizer import sync
from organizer.calendars.base import EventSpec
from organizer.calendars.doctor import check_calendar
from organizer.calendars.google import GoogleCalendar
from organizer.config import Settings, load_settings
from organizer.db import calsync
from organizer.db import items as items_db
from organizer.db.connect import transaction
from organizer.ical import event_uid, vevent
from organizer.model import to_db, utcnow
from organizer.runtime import Periodic

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ORGANIZER = str(Path(sys.executable).parent / "organizer")


def test_backend_none_keeps_meetings_local_and_spends_no_retries(
    settings: Settings, conn: sqlite3.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="organizer.sync")
    assert settings.calendar_backend == "none"
    job = sync.make_periodic(settings, conn)
    assert isinstance(job, Periodic)
    item_id = add_meeting(conn, "Local", START)
    job.maybe_run(utcnow())
    row = item(conn, item_id)
    assert row["cal_state"] == "LOCAL" and row["attempts"] == 0 and row["next_attempt_at"] is None
    assert f"calendar item={item_id} state=LOCAL (skip)" in caplog.text
    assert calsync.due(conn, utcnow() + timedelta(days=1), 10) == []


@pytest.mark.stores
def test_a_newer_request_is_never_overwritten(
    google_settings: Settings, conn: sqlite3.Connection, fake_google: Any
) -> None:
    """The pipeline reschedules while the old version is on the wire: the old result only
    leaves its event id behind; the item stays PENDING and the next run updates."""
    item_id = add_meeting(conn, "Race", START)
    [stale] = calsync.due(conn, utcnow(), 10)
    reschedule(conn, item_id, START + timedelta(hours=5))
    assert calsync.mark_synced(conn, stale, "ev-from-old-version") is False
    row = item(conn, item_id)
    assert row["cal_state"] == "PENDING" and row["cal_event_id"] == "ev-from-old-version"
    assert calsync.mark_retry(conn, stale, "boom", utcnow()) is False
    assert calsync.mark_failed(conn, stale, "boom") is False
    assert item(conn, item_id)["attempts"] == 0

    calsync.mark_synced(conn, calsync.due(conn, utcnow(), 10)[0], None)  # reset the id
    with transaction(conn):
        conn.execute("UPDATE items SET cal_state='PENDING', cal_event_id=NULL WHERE id=?",
                     (item_id,))
    sync.run_once(google_settings, conn)
    row = item(conn, item_id)
    [ev] = fake_google.live_events(GOOGLE_CALENDAR_ID)
    assert row["cal_state"] == "SYNCED" and row["cal_event_id"] == ev["id"]
    assert ev["start"]["dateTime"] == "2026-12-01T20:00:00+03:00"


@pytest.mark.stores
def test_exdates_are_read_oldest_first_and_a_new_one_is_a_newer_request(
    conn: sqlite3.Connection,
) -> None:
    """The cancelled occurrences are one text, oldest first, on both stores (group_concat
    over an ordered subquery / string_agg … ORDER BY), and part of the row's version."""
    item_id = add_meeting(conn, "Weekly", START, rrule="FREQ=WEEKLY")
    with transaction(conn):
        for weeks in (3, 1, 2):
            items_db.add_exdate(conn, item_id, START + timedelta(weeks=weeks), now=utcnow())
    [read] = calsync.due(conn, utcnow(), 10)
    assert read.exdates == ",".join(to_db(START + timedelta(weeks=w)) or "" for w in (1, 2, 3))
    with transaction(conn):
        items_db.add_exdate(conn, item_id, START + timedelta(weeks=4), now=utcnow())
    assert calsync.mark_synced(conn, read, "ev-1") is False  # that version is gone
    [again] = calsync.due(conn, utcnow(), 10)
    assert again.exdates is not None and again.exdates.count(",") == 3
    assert calsync.mark_synced(conn, again, "ev-1") is True


def test_cancel_of_an_item_whose_create_was_lost_deletes_by_uid(
    google_settings: Settings, conn: sqlite3.Connection, fake_google: Any
) -> None:
    """Created remotely, the local write lost, then cancelled: the uid look-up finds it."""
    item_id = add_meeting(conn, "Lost", START)
    cal = GoogleCalendar(
        GOOGLE_CALENDAR_ID, google_settings.google_sa_file,
        api_endpoint=google_settings.google_calendar_api_endpoint,
    )
    cal.upsert(EventSpec(item(conn, item_id)["cal_uid"], "Lost", START, None, False,
                         "Europe/Moscow"), None)
    cancel(conn, item_id)
    sync.run_once(google_settings, conn)
    assert item(conn, item_id)["cal_state"] == "SYNCED"
    assert fake_google.live_events() == []


def _organizer(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ORGANIZER, *args], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.stores  # every `organizer calendar` verb on both stores
def test_repair_verbs(env: dict[str, str], conn: sqlite3.Connection) -> None:
    a = add_meeting(conn, "A", START)
    b = add_meeting(conn, "B", START)
    with transaction(conn):
        conn.execute(
            "UPDATE items SET cal_state='FAILED', attempts=8, last_error='HTTP 403' "
            "WHERE id IN (?, ?)", (a, b)
        )
        now = to_db(utcnow())
        task = conn.execute(
            "INSERT INTO items (chat_id, type, title, tz, created_at, updated_at) "
            "VALUES (1, 'task', 'milk', 'UTC', ?, ?) RETURNING id", (now, now)
        ).fetchone()[0]
    r = _organizer(env, "calendar", "retry", str(a))
    assert r.returncode == 0, r.stderr
    assert f"item {a} is PENDING upsert again" in r.stdout
    row = item(conn, a)
    assert row["cal_state"] == "PENDING" and row["attempts"] == 0 and row["last_error"] is None

    r = _organizer(env, "calendar", "retry", "--failed")
    assert r.returncode == 0 and "1 failed item(s)" in r.stdout
    assert item(conn, b)["cal_state"] == "PENDING"

    r = _organizer(env, "calendar", "retry", str(a), "--op", "delete")
    assert r.returncode == 0 and item(conn, a)["cal_op"] == "delete"

    r = _organizer(env, "calendar", "retry", "999")
    assert r.returncode == 1 and "error: item 999 does not exist" in r.stderr
    r = _organizer(env, "calendar", "retry", str(task))
    assert r.returncode == 1 and "hint:" in r.stderr
    r = _organizer(env, "calendar", "retry")
    assert r.returncode == 1 and "either an item id or --failed" in r.stderr


def test_request_fills_a_missing_uid(conn: sqlite3.Connection) -> None:
    item_id = add_meeting(conn, "No uid", START)
    with transaction(conn):
        conn.execute("UPDATE items SET cal_uid = NULL, cal_state = 'FAILED' WHERE id = ?",
                     (item_id,))
    row = calsync.request(conn, item_id, None, utcnow())
    iid = conn.execute("SELECT value FROM meta WHERE key='instance_id'").fetchone()[0]
    assert row.cal_uid == event_uid(iid, item_id) and row.cal_state == "PENDING"


def test_doctor_check(
    google_settings: Settings, fake_google: Any, db_path: Path, settings: Settings
) -> None:
    ok = check_calendar(google_settings)
    assert ok.status == "OK" and GOOGLE_CALENDAR_ID in ok.detail
    fake_google.down = True
    bad = check_calendar(google_settings)
    assert bad.status == "FAIL" and "503" in bad.detail and "GOOGLE_SA_FILE" in bad.detail
    assert check_calendar(settings).status == "OK"
    missing = load_settings({
        "DB_PATH": str(db_path), "CALENDAR_BACKEND": "caldav",
        "CALDAV_URL": "http://127.0.0.1:9/nowhere/",
    })
    res = check_calendar(missing)
    assert res.status == "FAIL" and "CALDAV_URL" in res.detail


def test_calendar_check_command(env: dict[str, str]) -> None:
    r = _organizer(env, "calendar", "check")
    assert r.returncode == 0 and "OK calendar" in r.stdout


def test_help_loads_no_calendar_library() -> None:
    code = (
        "import sys; from organizer.cli.main import app; "
        "bad = [m for m in ('googleapiclient', 'caldav', 'icalendar') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


ZONES = ["Europe/Moscow", "UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=80),
    minutes=st.integers(0, 60 * 24 * 3000),
    length=st.integers(0, 600),
    tz=st.sampled_from(ZONES),
    all_day=st.booleans(),
    rrule=st.sampled_from([None, "FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,WE", "FREQ=MONTHLY;COUNT=3"]),
)
def test_vevent_round_trips(
    title: str, minutes: int, length: int, tz: str, all_day: bool, rrule: str | None
) -> None:
    import icalendar

    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    end = start + timedelta(minutes=length)
    spec = EventSpec("u-1@organizer.local", title, start, end, all_day, tz, rrule)
    text = vevent(spec, datetime(2026, 1, 1, tzinfo=UTC))
    [ev] = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert str(ev["uid"]) == spec.uid
    assert str(ev["summary"]) == title
    s, e = ev["dtstart"].dt, ev["dtend"].dt
    if all_day:
        assert type(s) is date and type(e) is date
        assert s == start.astimezone(ZoneInfo(tz)).date() and e > s
    else:
        assert s == start and e > s
        assert "TZID=" + tz in text or tz == "UTC"
    if rrule:
        assert ev["rrule"].to_ical().decode() == rrule
    else:  # (the VTIMEZONE's own yearly rules are RRULEs too)
        assert "rrule" not in ev


def test_calendar_retry_on_an_empty_postgresql_says_so_in_one_line(
    pg_empty_url: str, tmp_path: Path
) -> None:
    from conftest import make_env

    r = _organizer(make_env(tmp_path / "spool.db", pg_empty_url), "calendar", "retry", "--failed")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.splitlines()[0].endswith("has no organizer tables (empty or never migrated)")
