"""Two syncers on one database: each item is claimed (a lease) before its remote call.

Issue 17: two workers syncing one calendar item both inserted it, and the second insert
was rejected by the server as a duplicate. Real syncers in threads, each with its own
connection to the same store (the SQLite file, or PostgreSQL where they really run at
once), against the fake Google Calendar server.
"""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fixtures.calendar import GOOGLE_CALENDAR_ID, add_meeting, item
from organizer import sync
from organizer.config import Settings
from organizer.db import calsync
from organizer.db.connect import transaction
from organizer.db.store import open_store
from organizer.model import to_db, utcnow

pytestmark = pytest.mark.stores

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_two_syncers_insert_each_item_exactly_once(
    google_settings: Settings, conn: sqlite3.Connection, fake_google: Any, db_path: Path
) -> None:
    ids = [add_meeting(conn, f"Встреча {i}", START + timedelta(hours=i)) for i in range(4)]
    fake_google.fail("insert", slow_s=0.4, times=10)  # a slow server: the calls overlap
    syncers = [sync.make_syncer(google_settings, open_store(google_settings)) for _ in range(2)]
    for s in syncers:
        s.calendar()  # built before the race, so both start at once
    gate = threading.Barrier(len(syncers), timeout=10)
    errors: list[BaseException] = []

    def run(s: sync.Syncer) -> None:
        try:
            gate.wait()
            for _ in range(3):  # bounded: a skipped item is the other's to finish
                s.run(utcnow())
        except BaseException as e:  # surfaced below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(s,)) for s in syncers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors and not any(t.is_alive() for t in threads)

    assert fake_google.stats.requests.get("insert") == len(ids)  # before: twice each
    assert fake_google.stats.answered.get(409, 0) == 0  # no insert rejected as duplicate
    for i in ids:
        row = item(conn, i)
        assert row["cal_state"] == "SYNCED" and row["last_error"] is None
        assert row["cal_claimed_by"] is None and row["cal_lease_until"] is None
        assert len(fake_google.by_uid(row["cal_uid"])) == 1  # deterministic iCalUID kept
    assert len(fake_google.live_events(GOOGLE_CALENDAR_ID)) == len(ids)


def test_a_held_item_is_skipped_and_a_crashed_syncers_claim_lapses(
    google_settings: Settings, conn: sqlite3.Connection, fake_google: Any
) -> None:
    held = add_meeting(conn, "Held", START)
    dead = add_meeting(conn, "Dead", START + timedelta(hours=1))
    now = utcnow()
    with transaction(conn):
        conn.execute("UPDATE items SET cal_claimed_by = 'other:1:a', cal_lease_until = ?"
                     " WHERE id = ?", (to_db(now + timedelta(seconds=60)), held))  # fmt: skip
        conn.execute("UPDATE items SET cal_claimed_by = 'gone:2:b', cal_lease_until = ?"
                     " WHERE id = ?", (to_db(now - timedelta(seconds=1)), dead))  # fmt: skip
    assert sync.run_once(google_settings, conn) == 1
    assert item(conn, held)["cal_state"] == "PENDING"  # another syncer holds it
    assert item(conn, dead)["cal_state"] == "SYNCED"  # the crashed one's lease lapsed
    assert [e["summary"] for e in fake_google.live_events(GOOGLE_CALENDAR_ID)] == ["Dead"]
    # once its lease lapses, the held item is synced too
    assert sync.run_once(google_settings, conn, now + timedelta(seconds=61)) == 1
    assert item(conn, held)["cal_state"] == "SYNCED"


def test_a_restarted_worker_takes_over_the_claims_of_its_killed_predecessor(
    google_settings: Settings, conn: sqlite3.Connection, fake_google: Any
) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait(timeout=10)
    orphan = add_meeting(conn, "Orphan", START)
    with transaction(conn):
        conn.execute("UPDATE items SET cal_claimed_by = ?, cal_lease_until = ? WHERE id = ?",
                     (f"{socket.gethostname()}:{gone.pid}:dead", to_db(utcnow() + timedelta(
                         seconds=sync.LEASE_S)), orphan))  # fmt: skip
    assert sync.run_once(google_settings, conn) == 1  # no wait for the lease
    assert item(conn, orphan)["cal_state"] == "SYNCED"


def test_only_this_hosts_dead_claims_are_released(conn: sqlite3.Connection) -> None:
    """Host names are compared as a prefix: `_` is no wildcard, another host's claim is
    left to its lease even when its pid is not running here."""
    mine, other = add_meeting(conn, "Mine", START), add_meeting(conn, "Other", START)
    until = to_db(utcnow() + timedelta(seconds=60))
    with transaction(conn):
        for item_id, by in ((mine, "web_1:41:a"), (other, "webx1:42:b")):
            conn.execute("UPDATE items SET cal_claimed_by = ?, cal_lease_until = ? WHERE id = ?",
                         (by, until, item_id))  # fmt: skip
    assert calsync.release_dead(conn, "web_1", lambda pid: False) == 1
    assert item(conn, mine)["cal_claimed_by"] is None
    assert item(conn, other)["cal_claimed_by"] == "webx1:42:b"


def test_a_broken_connection_is_opened_again_on_the_next_pass(
    google_settings: Settings, conn: sqlite3.Connection, fake_google: Any, store: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The sync thread's own connection breaks (PostgreSQL restarted, a failover): that
    pass fails in one line, the next one opens a new connection and syncs; before, every
    pass after failed on the dead connection and nothing was synced again."""
    first = add_meeting(conn, "First", START)
    bg = sync.Background(google_settings)

    def one_pass() -> None:
        assert bg.tick(utcnow()) and bg.thread is not None
        bg.thread.join(timeout=20)

    one_pass()
    assert item(conn, first)["cal_state"] == "SYNCED" and bg.syncer is not None
    me = bg.syncer.me
    if store == "postgresql":  # the server ends the session, as on a restart
        pid = bg.syncer.conn.raw.info.backend_pid  # type: ignore[attr-defined]
        conn.execute("SELECT pg_terminate_backend(?)", (pid,))
    else:
        bg.syncer.conn.close()
    second = add_meeting(conn, "Second", START + timedelta(hours=1))
    one_pass()
    assert "reconnecting on the next pass" in caplog.text and bg.syncer is None
    one_pass()
    assert item(conn, second)["cal_state"] == "SYNCED"
    assert bg.syncer is not None and bg.syncer.me == me  # its claims stay its own
    assert len(fake_google.live_events(GOOGLE_CALENDAR_ID)) == 2
