"""Calendar sync: the worker's periodic job that executes PENDING calendar requests.

The pipeline writes the request (`cal_state='PENDING'`, `cal_op` upsert|delete) in the
same transaction as the item change; this job executes it against the backend and
records the outcome. Exactly-once comes from the backend's idempotency by iCalUID
(look up before create, the uid fixed in every create), never from the local write
surviving — so a `kill -9` between the remote create and `mark_synced` is harmless:
the next run finds the event and reuses it. See docs/CALENDAR.md.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from organizer.calendars.base import SKIP, Calendar, CalendarError, EventSpec, Outcome
from organizer.config import Settings
from organizer.db import calsync
from organizer.db.calsync import CalRow
from organizer.db.store import open_store
from organizer.model import from_db, utcnow
from organizer.runtime import Periodic, pid_alive

log = logging.getLogger(__name__)

EVERY_S = 1.0  # how often the worker looks for due items
BATCH = 10  # items per run; the rest wait for the next run
BUDGET_S = 5.0  # stop a run after this long so the inbox is not starved
BASE_S = 5.0  # first retry delay; doubles per attempt
MAX_S = 3600.0  # longest retry delay
# How long a claim holds an item: one item's remote work is a few calls of at most 20 s
# each (look-up, insert or update); a syncer that died lets go after this.
LEASE_S = 120.0


def backoff_s(attempts: int, base_s: float, max_s: float, retry_after_s: float | None) -> float:
    """Delay before attempt `attempts + 1`: exponential with jitter, at least Retry-After."""
    delay = min(max_s, base_s * (2 ** max(0, attempts - 1)))
    delay *= random.uniform(0.8, 1.2)
    if retry_after_s is not None:
        delay = max(delay, retry_after_s)
    return delay


def spec_for(row: CalRow) -> EventSpec | None:
    """The event an item asks for, or None when it has no time to show.

    A recurring item's `start_at` is its current occurrence, which moves along the
    series; the event stays anchored where the series began (`cal_dtstart`, set when the
    item first moved) and lists the cancelled occurrences from there on as EXDATEs.
    """
    start, end = from_db(row.start_at), from_db(row.end_at)
    if start is None:
        return None
    exdates: tuple[datetime, ...] = ()
    if row.rrule:
        if row.cal_dtstart is not None:
            start, end = from_db(row.cal_dtstart) or start, from_db(row.cal_dtend)
        found = (from_db(x) for x in (row.exdates or "").split(",") if x)
        exdates = tuple(sorted(x for x in found if x is not None and x >= start))
    return EventSpec(
        uid=row.cal_uid or "",
        title=row.title or "(untitled)",
        start=start,
        end=end,
        all_day=row.all_day,
        tz=row.tz,
        rrule=row.rrule or None,
        description="Created by organizer",
        exdates=exdates,
    )


class Syncer:
    """Executes due PENDING items, one short transaction per state change."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        calendar_factory: Callable[[], Calendar | None],
        *,
        backend: str,
        max_attempts: int,
        batch: int = BATCH,
        budget_s: float = BUDGET_S,
        base_s: float = BASE_S,
        max_s: float = MAX_S,
    ) -> None:
        self.conn = conn
        self.factory = calendar_factory
        self.backend = backend
        self.max_attempts = max_attempts
        self.batch, self.budget_s = batch, budget_s
        self.base_s, self.max_s = base_s, max_s
        self._calendar: Calendar | None = None
        # Who holds a claim: host, process and this syncer (two in one process differ).
        self.host = socket.gethostname()
        self.me = f"{self.host}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._swept = False

    def calendar(self) -> Calendar | None:
        """The backend, built on first use (building may read files or fail)."""
        if self._calendar is None and self.backend != "none":
            self._calendar = self.factory()
        return self._calendar

    def run(self, now: datetime) -> int:
        """One pass over due items; returns how many were handled."""
        started = time.monotonic()
        handled = 0
        if not self._swept:  # once per syncer: a killed predecessor's claims
            self._swept = True
            n = calsync.release_dead(self.conn, self.host, pid_alive)
            if n:
                log.info("calendar: %d claim(s) of a stopped syncer released", n)
        for row in calsync.due(self.conn, now, self.batch):
            self.one(row, now)
            handled += 1
            if time.monotonic() - started > self.budget_s:
                break
        return handled

    def one(self, row: CalRow, now: datetime) -> None:
        if self.backend == "none":
            if calsync.mark_local(self.conn, row):
                log.info("calendar item=%d state=LOCAL (skip)", row.id)
            return
        if not calsync.claim(self.conn, row, self.me, now, LEASE_S):
            log.debug("calendar item=%d held by another syncer (or changed); skipped", row.id)
            return
        try:
            cal = self.calendar()
            assert cal is not None
            outcome = self._execute(cal, row)
        except CalendarError as e:
            self._failed(row, e, now)
            return
        except Exception as e:  # a bug or an unexpected library error: retry, bounded
            log.exception("calendar item=%d unexpected error", row.id)
            self._failed(row, CalendarError(f"{type(e).__name__}: {e}", retryable=True), now)
            return
        if calsync.mark_synced(self.conn, row, outcome.event_id, by=self.me):
            log.info(
                "calendar item=%d state=SYNCED event=%s (%s)",
                row.id,
                outcome.event_id or "-",
                outcome.action,
            )
        else:
            log.info(
                "calendar item=%d state=PENDING event=%s (%s; item changed meanwhile, again)",
                row.id,
                outcome.event_id or "-",
                outcome.action,
            )

    def _execute(self, cal: Calendar, row: CalRow) -> Outcome:
        if not row.cal_uid:
            raise CalendarError("item has no cal_uid", retryable=False)
        if row.cal_op == "delete":
            return cal.delete(row.cal_uid, row.cal_event_id)
        spec = spec_for(row)
        if spec is None or row.type != "meeting":
            # Nothing to show: make sure no stale event stays behind.
            out = cal.delete(row.cal_uid, row.cal_event_id)
            return Outcome(None, SKIP if out.action == SKIP else out.action)
        return cal.upsert(spec, row.cal_event_id)

    def _failed(self, row: CalRow, e: CalendarError, now: datetime) -> None:
        error = str(e) or type(e).__name__
        attempts = row.attempts + 1
        if not e.retryable or attempts >= self.max_attempts:
            if calsync.mark_failed(self.conn, row, error, by=self.me):
                log.warning(
                    "calendar item=%d state=FAILED attempts=%d error=%s", row.id, attempts, error
                )
            return
        delay = backoff_s(attempts, self.base_s, self.max_s, e.retry_after_s)
        if calsync.mark_retry(self.conn, row, error, now + timedelta(seconds=delay), by=self.me):
            log.info(
                "calendar item=%d state=PENDING attempts=%d retry_in=%.1fs error=%s",
                row.id,
                attempts,
                delay,
                error,
            )


def make_syncer(settings: Settings, conn: sqlite3.Connection, **tuning: float) -> Syncer:
    from organizer.calendars import make_calendar

    return Syncer(
        conn,
        lambda: make_calendar(settings),
        backend=settings.calendar_backend,
        max_attempts=settings.calendar_max_attempts,
        **tuning,  # type: ignore[arg-type]
    )


class Background:
    """Runs the syncer in its own thread, with its own connection, one pass at a time.

    Remote calls can hang for a whole timeout (20 s) and a batch holds several; inside
    the worker's loop that would hold up every message and starve the systemd watchdog,
    which is beaten from the loop. So the loop only *starts* a pass (when none is
    running) and the pass runs beside it. Each state change is still one short
    transaction (SQLite: WAL + busy_timeout make the two writers take turns; PostgreSQL:
    its own connection from open_store, each item claimed first), and a pass cut
    short by the process dying is harmless: every remote call is idempotent by uid.
    """

    def __init__(self, settings: Settings, **tuning: float) -> None:
        self.settings = settings
        self.tuning = tuning
        self.syncer: Syncer | None = None
        self.thread: threading.Thread | None = None
        self._me: str | None = None  # the claimant name kept across reconnects

    def tick(self, now: datetime) -> bool:
        """Start a pass unless one is running; True when one was started."""
        if self.thread is not None and self.thread.is_alive():
            return False
        self.thread = threading.Thread(
            target=self._pass, args=(now,), name="calendar-sync", daemon=True
        )
        self.thread.start()
        return True

    def _pass(self, now: datetime) -> None:
        # Stamped from the tick's `now` plus the time the pass has taken, not the wall
        # clock, like the worker's own rows (a test that sets `now` reproduces it).
        started = time.monotonic()
        try:
            if self.syncer is None:
                conn = open_store(self.settings)
                self.syncer = make_syncer(self.settings, conn, **self.tuning)
                self.syncer.me = self._me or self.syncer.me
            # Keep going while full batches come back, so a backlog drains quickly.
            for _ in range(100):
                at = now + timedelta(seconds=time.monotonic() - started)
                if self.syncer.run(at) < self.syncer.batch:
                    break
        except sqlite3.Error as e:
            # A PostgreSQL connection can break (server restarted, failover, idle
            # timeout): give it up, the next pass opens a new one. Nothing is lost:
            # every state change is its own transaction and every remote call is
            # idempotent by uid; the new syncer keeps our claimant name, so an item we
            # had claimed is ours again at once (calsync.claim), not after its lease.
            log.warning("calendar sync: database error (%s); reconnecting on the next pass", e)
            self._drop()
        except Exception:
            log.exception("calendar sync pass failed")

    def _drop(self) -> None:
        if self.syncer is not None:
            self._me = self.syncer.me
            with contextlib.suppress(Exception):
                self.syncer.conn.close()
        self.syncer = None


def make_periodic(settings: Settings, conn: sqlite3.Connection) -> Periodic | None:
    """The worker's calendar job.

    `none`: runs in the loop on the worker's connection (no remote, nothing can hang)
    and marks stray PENDING items LOCAL. `google`/`caldav`: starts passes in a
    background thread (see Background).
    """
    if settings.calendar_backend == "none":
        return Periodic("calendar", EVERY_S, make_syncer(settings, conn).run)
    return Periodic("calendar", EVERY_S, Background(settings).tick)


def run_once(settings: Settings, conn: sqlite3.Connection, now: datetime | None = None) -> int:
    """One pass outside the worker (tests, the repair CLI)."""
    return make_syncer(settings, conn).run(now or utcnow())
