"""Crash tests: the real `organizer worker` process, SIGKILLed at random moments while
it syncs, restarted, and finally checked: exactly one event per meeting on the server,
none for cancelled meetings, and every item SYNCED with the event id the server has.

The fake Google server runs with iCalUID uniqueness *off* here, so the server does not
rescue us: only the look-up-before-create of organizer.sync stands between a kill and
a duplicate. It also sleeps a little between applying a write and answering it, and
half of the kills are fired right inside that window — after the remote create, before
the local write. Meanwhile the test keeps acting like the pipeline: new meetings,
reschedules and cancels land while the worker runs and dies. The Google loop runs on
both stores (on PostgreSQL with fewer kills: CI time).
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fixtures.calendar import (
    GOOGLE_CALENDAR_ID,
    add_meeting,
    caldav_env,
    caldav_events,
    cancel,
    google_env,
    reschedule,
    write_sa_file,
)
from organizer.model import from_db

ORGANIZER = str(Path(sys.executable).parent / "organizer")
BASE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _env(db_path: Path, db_url: str, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    env.update({"DB_PATH": str(db_path), "ORGANIZER_ENV_FILE": "", "PYTHONUNBUFFERED": "1"})
    if db_url.startswith("postgresql"):
        env["DB_URL"] = db_url
    env.update(extra)
    return env


class Loop:
    """Start, kill, restart the worker while acting like the pipeline."""

    def __init__(
        self, conn: sqlite3.Connection, env: dict[str, str], log: Path, seed: int
    ) -> None:
        self.conn = conn
        self.env = env
        self.log = log.open("ab")
        self.rng = random.Random(seed)
        self.live: dict[int, datetime] = {}  # item id -> start
        self.cancelled: set[int] = set()
        self.kills = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.beside: subprocess.Popen[bytes] | None = None  # a worker never killed
        self.n = 0

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [ORGANIZER, "worker"], env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def kill(self) -> None:
        """SIGKILL the worker; with a second one beside, the older of the two (the one
        warm and syncing), and the one just started stays as the one beside."""
        if self.beside is not None:
            self.proc, self.beside = self.beside, self.proc
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.kills += 1

    def stop(self) -> None:
        for proc in (self.proc, self.beside):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

    def add(self, count: int = 1) -> None:
        for _ in range(count):
            self.n += 1
            start = BASE + timedelta(hours=self.n)
            self.live[add_meeting(self.conn, f"Meeting {self.n}", start)] = start

    def mutate(self) -> None:
        """What users do meanwhile: new meetings, a reschedule, sometimes a cancel."""
        self.add(self.rng.choice((1, 1, 2)))
        if self.live and self.rng.random() < 0.5:
            item_id = self.rng.choice(sorted(self.live))
            start = self.live[item_id] + timedelta(minutes=self.rng.choice((30, 90, 1440)))
            reschedule(self.conn, item_id, start)
            self.live[item_id] = start
        if len(self.live) > 3 and self.rng.random() < 0.2:
            item_id = self.rng.choice(sorted(self.live))
            cancel(self.conn, item_id)
            del self.live[item_id]
            self.cancelled.add(item_id)

    def pending(self) -> int:
        return int(
            self.conn.execute("SELECT COUNT(*) FROM items WHERE cal_state = 'PENDING'").fetchone()[0]
        )

    def run(
        self, kills: int, budget_s: float, writes: Callable[[], int] | None,
        beside: bool = False,
    ) -> None:
        """`kills` SIGKILLs within `budget_s`: half right after the server applied a
        write (`writes()` grew), half at a random moment of the worker's life.
        `beside`: two workers sync the same items at all times (PostgreSQL): each
        kill takes the older one, just after the new one was started."""
        deadline = time.monotonic() + budget_s
        if beside:
            self.beside = subprocess.Popen(
                [ORGANIZER, "worker"], env=self.env, stdout=self.log, stderr=subprocess.STDOUT
            )
        try:
            while self.kills < kills and time.monotonic() < deadline:
                self.mutate()
                self.start()
                if writes is not None and self.rng.random() < 0.5:
                    before = writes()
                    limit = time.monotonic() + 2.0
                    while writes() == before and time.monotonic() < limit:
                        time.sleep(0.002)
                    time.sleep(self.rng.uniform(0, 0.02))
                else:
                    time.sleep(self.rng.uniform(0.3, 1.5))
                self.kill()
            # Recovery: one clean run until nothing is pending.
            self.start()
            limit = time.monotonic() + 60
            while self.pending() and time.monotonic() < limit:
                time.sleep(0.1)
        finally:
            self.stop()
            self.log.close()

    def items(self) -> dict[int, sqlite3.Row]:
        return {r["id"]: r for r in self.conn.execute("SELECT * FROM items")}


def _report(loop: Loop, events: int, name: str, log: str, extra: str = "") -> None:
    line = (
        f"crash loop [{name}]: {loop.kills} kills, {len(loop.live) + len(loop.cancelled)} "
        f"meetings ({len(loop.cancelled)} cancelled), {events} live events, "
        f"{log.count('(reused)')} re-used after a kill{extra}"
    )
    print(line)


# (kills, time budget in seconds) per store; on PostgreSQL two workers sync at once, the
# older one killed each time (two syncers on each item: only the claim keeps them from
# both creating it, since the fake's iCalUID uniqueness is off)
GOOGLE_KILLS = {"sqlite": (50, 180), "postgresql": (8, 40)}


@pytest.mark.slow
@pytest.mark.stores
@pytest.mark.timeout(300)
def test_kill_9_loop_google(
    db_path: Path, db_url: str, conn: sqlite3.Connection, store: str, tmp_path: Path,
    rsa_key: Any,
) -> None:
    from fakes.google_calendar import FakeGoogleCalendar

    fake = FakeGoogleCalendar(public_key=rsa_key.public_key(), unique_ical_uid=False).start()
    fake.delay_after_apply = (0.0, 0.15)
    sa = write_sa_file(tmp_path / "sa.json", rsa_key, fake.token_uri)
    env = _env(db_path, db_url, {**google_env(fake, sa), "LOG_LEVEL": "INFO"})
    loop = Loop(conn, env, tmp_path / "worker.log", seed=int(time.time()))
    loop.add(12)

    def writes() -> int:
        return sum(fake.stats.requests.get(r, 0) for r in ("insert", "update", "delete"))

    kills, budget_s = GOOGLE_KILLS[store]
    try:
        loop.run(kills=kills, budget_s=budget_s, writes=writes, beside=store == "postgresql")
    finally:
        fake.stop()
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert loop.kills >= kills, f"only {loop.kills} kills in the time budget"

    items = loop.items()
    assert loop.pending() == 0, log[-3000:]
    all_events = fake.all_events(GOOGLE_CALENDAR_ID)
    by_uid: dict[str, list[dict[str, Any]]] = {}
    for ev in all_events:
        by_uid.setdefault(ev["iCalUID"], []).append(ev)
    for item_id, start in loop.live.items():
        row = items[item_id]
        evs = by_uid.get(row["cal_uid"], [])
        assert len(evs) == 1, f"item {item_id}: {len(evs)} events"
        [ev] = evs
        assert row["cal_state"] == "SYNCED" and row["cal_event_id"] == ev["id"]
        assert ev["status"] == "confirmed"
        assert datetime.fromisoformat(ev["start"]["dateTime"]) == start
        assert from_db(row["start_at"]) == start
    for item_id in loop.cancelled:
        row = items[item_id]
        assert row["cal_state"] == "SYNCED" and row["cal_event_id"] is None
        evs = by_uid.get(row["cal_uid"], [])
        assert len(evs) <= 1 and all(ev["status"] == "cancelled" for ev in evs)
    live_events = [ev for ev in all_events if ev["status"] != "cancelled"]
    assert len(live_events) == len(loop.live)
    assert "state=SYNCED" in log
    _report(
        loop, len(live_events), "google", log,
        f", {fake.stats.client_gone} answers lost to kills",
    )


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_kill_9_loop_caldav(
    db_path: Path, db_url: str, conn: sqlite3.Connection, tmp_path: Path, caldav_url: str
) -> None:
    import icalendar

    env = _env(db_path, db_url, {**caldav_env(caldav_url), "LOG_LEVEL": "INFO"})
    loop = Loop(conn, env, tmp_path / "worker.log", seed=int(time.time()))
    loop.add(8)
    loop.run(kills=15, budget_s=60, writes=None)
    assert loop.kills >= 15
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert loop.pending() == 0, log[-3000:]
    items = loop.items()
    uids: dict[str, list[datetime]] = {}
    for text in caldav_events(caldav_url):
        for ve in icalendar.Calendar.from_ical(text).walk("VEVENT"):
            uids.setdefault(str(ve["uid"]), []).append(ve["dtstart"].dt)
    for item_id, start in loop.live.items():
        row = items[item_id]
        assert uids.get(row["cal_uid"]) == [start], f"item {item_id}: {uids.get(row['cal_uid'])}"
        assert row["cal_state"] == "SYNCED"
        assert row["cal_event_id"].endswith(".ics")
    for item_id in loop.cancelled:
        row = items[item_id]
        assert row["cal_uid"] not in uids and row["cal_state"] == "SYNCED"
    assert sum(len(v) for v in uids.values()) == len(loop.live)
    _report(loop, len(uids), "caldav", log)
