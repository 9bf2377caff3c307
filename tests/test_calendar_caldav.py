"""CalDAV specifics against a real Radicale: foreign resource names, auth, garbage."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from fixtures.calendar import (
    RADICALE_PASSWORD,
    RADICALE_USER,
    add_meeting,
    caldav_events,
    cancel,
    item,
)
from organizer import sync
from organizer.calendars.base import CalendarError, EventSpec
from organizer.calendars.caldav import CalDavCalendar
from organizer.config import Settings
from organizer.ical import vevent
from organizer.model import utcnow
from organizer.sync import Syncer

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def syncer(conn: sqlite3.Connection, url: str, *, password: str = RADICALE_PASSWORD,
           max_attempts: int = 5) -> Syncer:
    return Syncer(
        conn,
        lambda: CalDavCalendar(url, username=RADICALE_USER, password=password, timeout_s=2),
        backend="caldav",
        max_attempts=max_attempts,
        base_s=0.01,
        max_s=0.05,
    )


def test_settings_path(caldav_settings: Settings, conn: sqlite3.Connection) -> None:
    item_id = add_meeting(conn, "Settings", START)
    sync.run_once(caldav_settings, conn)
    row = item(conn, item_id)
    assert row["cal_state"] == "SYNCED"
    assert row["cal_event_id"].endswith(row["cal_uid"] + ".ics")
    [text] = caldav_events(caldav_settings.caldav_url)
    assert "DTSTART;TZID=Europe/Moscow:20261201T150000" in text


def test_event_under_another_name_is_found_by_uid_and_reused(
    conn: sqlite3.Connection, caldav_url: str
) -> None:
    """An event with our UID stored at some other resource name (an older version, an
    import by hand): the REPORT look-up finds it; no second resource is made."""
    item_id = add_meeting(conn, "Elsewhere", START)
    uid = item(conn, item_id)["cal_uid"]
    cal = CalDavCalendar(caldav_url, username=RADICALE_USER, password=RADICALE_PASSWORD)
    spec = EventSpec(uid, "Old", START, None, False, "Europe/Moscow")
    other = caldav_url + "some-other-name.ics"
    resp = cal._req(other, "PUT", vevent(spec, utcnow()), {"Content-Type": "text/calendar"})
    assert resp.status in (201, 204)
    assert cal.find(uid) == other
    syncer(conn, caldav_url).run(utcnow())
    row = item(conn, item_id)
    assert row["cal_state"] == "SYNCED" and row["cal_event_id"] == other
    [text] = caldav_events(caldav_url)
    assert "SUMMARY:Elsewhere" in text
    cancel(conn, item_id)
    syncer(conn, caldav_url).run(utcnow())
    assert caldav_events(caldav_url) == []


def test_create_is_conditional(caldav_url: str) -> None:
    """If-None-Match: * — a re-sent create cannot make a second resource."""
    cal = CalDavCalendar(caldav_url, username=RADICALE_USER, password=RADICALE_PASSWORD)
    spec = EventSpec("dup@test", "Dup", START, None, False, "Europe/Moscow")
    assert cal._put(cal.href_for(spec.uid), spec, create=True).status == 201
    assert cal._put(cal.href_for(spec.uid), spec, create=True).status == 412
    assert len(caldav_events(caldav_url)) == 1


def test_wrong_password_fails_at_once(conn: sqlite3.Connection, caldav_url: str) -> None:
    item_id = add_meeting(conn, "Auth", START)
    syncer(conn, caldav_url, password="wrong").run(utcnow())
    row = item(conn, item_id)
    assert row["cal_state"] == "FAILED" and "CALDAV_PASSWORD" in row["last_error"]


def _canned(status: int, content_type: str, body: bytes) -> type[BaseHTTPRequestHandler]:
    """A handler that gives every request (after reading its body) the same answer."""

    class Canned(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _any(self) -> None:
            n = int(self.headers.get("Content-Length") or 0)
            if n:
                self.rfile.read(n)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_PUT = do_REPORT = do_PROPFIND = do_DELETE = _any

    return Canned


@contextmanager
def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/cal/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def garbage_url() -> Iterator[str]:
    with _serve(_canned(200, "application/octet-stream", b"\x00\xffnot a calendar at all")) as url:
        yield url


def test_garbage_server_is_retried_then_failed(
    conn: sqlite3.Connection, garbage_url: str
) -> None:
    item_id = add_meeting(conn, "Garbage", START)
    s = syncer(conn, garbage_url, max_attempts=3)
    now = utcnow()
    for n in range(3):
        s.run(now + timedelta(hours=n))
    row = item(conn, item_id)
    assert row["cal_state"] == "FAILED" and row["attempts"] == 3
    assert "garbage" in row["last_error"]


@pytest.fixture
def locked_url() -> Iterator[str]:
    """A CalDAV server whose collection is locked (WebDAV 423) by another client."""
    with _serve(_canned(423, "text/plain", b"locked")) as url:
        yield url


def test_423_locked_is_transient(conn: sqlite3.Connection, locked_url: str) -> None:
    """Before: a 423 failed the item for good on the first try. Now it backs off and retries."""
    cal = CalDavCalendar(locked_url, timeout_s=2)
    spec = EventSpec(
        uid="locked@test", title="Locked", start=START, end=START + timedelta(hours=1),
        all_day=False, tz="UTC",
    )
    with pytest.raises(CalendarError) as exc:
        cal.upsert(spec, None)
    assert exc.value.retryable and "423" in str(exc.value)
    item_id = add_meeting(conn, "Locked", START)
    s = syncer(conn, locked_url, max_attempts=3)
    s.run(utcnow())
    row = item(conn, item_id)
    assert row["cal_state"] != "FAILED" and row["attempts"] == 1
    assert "423" in row["last_error"]
