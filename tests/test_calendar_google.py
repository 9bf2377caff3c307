"""Google Calendar failure modes, with the real google-api-python-client and google-auth
against tests/fakes/google_calendar.py (token endpoint verifies the JWT signature)."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fixtures.calendar import GOOGLE_CALENDAR_ID, add_meeting, cancel, item, write_sa_file
from organizer import sync
from organizer.calendars.google import GoogleCalendar, retry_after_s
from organizer.config import Settings
from organizer.model import from_db, utcnow
from organizer.sync import Syncer

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def syncer(
    conn: sqlite3.Connection, fake: Any, sa: Path, *, max_attempts: int = 5, timeout_s: float = 2
) -> Syncer:
    return Syncer(
        conn,
        lambda: GoogleCalendar(
            GOOGLE_CALENDAR_ID, sa, api_endpoint=fake.api_endpoint, timeout_s=timeout_s
        ),
        backend="google",
        max_attempts=max_attempts,
        base_s=0.01,
        max_s=0.05,
    )


def test_settings_path_builds_the_real_client(
    google_settings: Settings, conn: sqlite3.Connection, fake_google: Any
) -> None:
    """make_calendar(settings) → GOOGLE_* → build(static_discovery, api_endpoint) → token."""
    item_id = add_meeting(conn, "Review", START)
    assert sync.run_once(google_settings, conn) == 1
    row = item(conn, item_id)
    assert row["cal_state"] == "SYNCED"
    [ev] = fake_google.live_events(GOOGLE_CALENDAR_ID)
    assert ev["id"] == row["cal_event_id"] and ev["iCalUID"] == row["cal_uid"]
    assert ev["start"] == {"dateTime": "2026-12-01T15:00:00+03:00", "timeZone": "Europe/Moscow"}
    assert fake_google.stats.requests["token"] == 1


def test_dropped_insert_is_resent_by_httplib2_and_409_means_reuse(
    conn: sqlite3.Connection, fake_google: Any, google_sa_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The server creates the event and drops the connection; httplib2 silently re-sends
    the POST; the fixed iCalUID turns the second insert into 409, and 409 = look it up."""
    caplog.set_level(logging.INFO, logger="organizer.sync")
    item_id = add_meeting(conn, "Budget", START)
    fake_google.fail("insert", drop_after_apply=True)
    syncer(conn, fake_google, google_sa_file).run(utcnow())
    row = item(conn, item_id)
    assert row["cal_state"] == "SYNCED"
    assert fake_google.stats.requests["insert"] == 2  # the silent re-send happened
    assert fake_google.stats.answered.get(409) == 1
    assert len(fake_google.by_uid(row["cal_uid"])) == 1
    assert "(reused)" in caplog.text


def test_insert_409_from_an_earlier_deleted_event_revives_it(
    conn: sqlite3.Connection, fake_google: Any, google_sa_file: Path
) -> None:
    item_id = add_meeting(conn, "Sync", START)
    s = syncer(conn, fake_google, google_sa_file)
    s.run(utcnow())
    cancel(conn, item_id)
    s.run(utcnow())
    assert fake_google.live_events() == []
    from organizer.db import calsync

    calsync.request(conn, item_id, "upsert", utcnow())  # operator: "put it back"
    s.run(utcnow())
    row = item(conn, item_id)
    assert row["cal_state"] == "SYNCED"
    assert [ev["status"] for ev in fake_google.by_uid(row["cal_uid"])] == ["confirmed"]


@pytest.mark.parametrize("times", [2])
def test_dropped_connections_are_retried_like_5xx(
    conn: sqlite3.Connection, fake_google: Any, google_sa_file: Path, times: int
) -> None:
    item_id = add_meeting(conn, "Call", START)
    fake_google.fail("list", drop=True, times=times)  # httplib2 retries once, then raises
    s = syncer(conn, fake_google, google_sa_file)
    now = utcnow()
    s.run(now)
    row = item(conn, item_id)
    assert row["cal_state"] == "PENDING" and row["attempts"] == 1
    assert "RemoteDisconnected" in row["last_error"] or "Connection" in row["last_error"]
    s.run(now + timedelta(hours=1))
    assert item(conn, item_id)["cal_state"] == "SYNCED"
    assert len(fake_google.live_events()) == 1


def test_503_then_success(conn: sqlite3.Connection, fake_google: Any, google_sa_file: Path) -> None:
    item_id = add_meeting(conn, "Lunch", START)
    fake_google.fail("insert", status=503)
    s = syncer(conn, fake_google, google_sa_file)
    now = utcnow()
    s.run(now)
    row = item(conn, item_id)
    assert row["cal_state"] == "PENDING" and "HTTP 503" in row["last_error"]
    s.run(now + timedelta(hours=1))
    assert item(conn, item_id)["cal_state"] == "SYNCED"
    assert len(fake_google.live_events()) == 1


def test_429_backs_off_at_least_retry_after(
    conn: sqlite3.Connection, fake_google: Any, google_sa_file: Path
) -> None:
    item_id = add_meeting(conn, "Standup", START)
    fake_google.fail("list", status=429, retry_after="120")
    s = syncer(conn, fake_google, google_sa_file)
    now = utcnow()
    s.run(now)
    row = item(conn, item_id)
    assert row["cal_state"] == "PENDING" and "429" in row["last_error"]
    wait = (from_db(row["next_attempt_at"]) - now).total_seconds()
    assert 119 <= wait <= 121
    assert s.run(now + timedelta(seconds=60)) == 0  # not due yet
    s.run(now + timedelta(seconds=121))
    assert item(conn, item_id)["cal_state"] == "SYNCED"


def test_403_rate_limit_backs_off_but_403_forbidden_fails(
    conn: sqlite3.Connection, fake_google: Any, google_sa_file: Path
) -> None:
    a = add_meeting(conn, "A", START)
    s = syncer(conn, fake_google, google_sa_file)
    now = utcnow()
    fake_google.fail("list", status=403, reason="rateLimitExceeded")
    s.run(now)
    row = item(conn, a)
    assert row["cal_state"] == "PENDING" and "rateLimitExceeded" in row["last_error"]
    s.run(now + timedelta(hours=1))
    assert item(conn, a)["cal_state"] == "SYNCED"

    b = add_meeting(conn, "B", START)
    fake_google.fail("list", status=403, reason="forbidden")
    s.run(now + timedelta(hours=2))
    row = item(conn, b)
    assert row["cal_state"] == "FAILED" and "403 forbidden" in row["last_error"]


def test_garbage_is_retried_then_failed_with_last_error(
    conn: sqlite3.Connection, fake_google: Any, google_sa_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="organizer.sync")
    item_id = add_meeting(conn, "Garbage", START)
    fake_google.fail("list", garbage=True, times=100)
    s = syncer(conn, fake_google, google_sa_file, max_attempts=3)
    now = utcnow()
    states = []
    for n in range(4):
        s.run(now + timedelta(hours=n))
        states.append(item(conn, item_id)["cal_state"])
    assert states == ["PENDING", "PENDING", "FAILED", "FAILED"]
    row = item(conn, item_id)
    assert row["attempts"] == 3 and "garbage" in row["last_error"]
    assert f"calendar item={item_id} state=FAILED attempts=3" in caplog.text
    assert fake_google.live_events() == []


def test_slow_answer_times_out_and_is_retried(
    conn: sqlite3.Connection, fake_google: Any, google_sa_file: Path
) -> None:
    item_id = add_meeting(conn, "Slow", START)
    fake_google.fail("list", slow_s=1.5)
    s = syncer(conn, fake_google, google_sa_file, timeout_s=0.5)
    now = utcnow()
    s.run(now)
    row = item(conn, item_id)
    assert row["cal_state"] == "PENDING" and "timed out" in row["last_error"]
    s.run(now + timedelta(hours=1))
    assert item(conn, item_id)["cal_state"] == "SYNCED"
    assert len(fake_google.live_events()) == 1


def test_wrong_key_is_refused_by_the_token_endpoint(
    conn: sqlite3.Connection, fake_google: Any, tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    sa = write_sa_file(tmp_path / "other.json", other, fake_google.token_uri)
    item_id = add_meeting(conn, "Nope", START)
    syncer(conn, fake_google, sa).run(utcnow())
    row = item(conn, item_id)
    assert row["cal_state"] == "PENDING" and "invalid_grant" in row["last_error"]
    assert fake_google.stats.requests.get("list") is None  # never got past the token


def test_missing_service_account_file_is_reported(
    conn: sqlite3.Connection, fake_google: Any, tmp_path: Path
) -> None:
    item_id = add_meeting(conn, "No SA", START)
    syncer(conn, fake_google, tmp_path / "missing.json").run(utcnow())
    row = item(conn, item_id)
    assert row["cal_state"] == "PENDING" and "GOOGLE_SA_FILE" in row["last_error"]


def test_retry_after_parsing() -> None:
    assert retry_after_s("30") == 30
    assert retry_after_s(None) is None and retry_after_s("soon") is None
    assert retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT") == 0


def test_worker_loop_is_not_held_up_by_a_hanging_calendar(
    google_settings: Settings, conn: sqlite3.Connection, fake_google: Any
) -> None:
    """The worker's job only starts a pass; the slow remote call runs beside the loop."""
    import time

    from conftest import wait_until

    item_id = add_meeting(conn, "Hanging", START)
    fake_google.fail("list", slow_s=2.0)
    job = sync.make_periodic(google_settings, conn)
    assert job is not None
    t0 = time.monotonic()
    job.maybe_run(utcnow())
    assert time.monotonic() - t0 < 0.5
    wait_until(lambda: item(conn, item_id)["cal_state"] == "SYNCED", timeout=15)
    assert len(fake_google.live_events()) == 1


def test_all_day_series_carries_a_time_zone(
    conn: sqlite3.Connection, fake_google: Any, google_sa_file: Path
) -> None:
    """Google refuses a recurring event without start/end timeZone (the fake does too).

    Before: an all-day weekly series went out with only `date` and failed for good (400).
    """
    day = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)  # Dec 1, midnight in Moscow
    item_id = add_meeting(conn, "Gym", day, all_day=True, rrule="FREQ=WEEKLY;BYDAY=TU")
    syncer(conn, fake_google, google_sa_file).run(utcnow())
    row = item(conn, item_id)
    assert row["cal_state"] == "SYNCED", row["last_error"]
    [ev] = fake_google.live_events(GOOGLE_CALENDAR_ID)
    assert ev["start"] == {"date": "2026-12-01", "timeZone": "Europe/Moscow"}
    assert ev["end"] == {"date": "2026-12-02", "timeZone": "Europe/Moscow"}
    assert ev["recurrence"][0] == "RRULE:FREQ=WEEKLY;BYDAY=TU"
