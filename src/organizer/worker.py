"""`organizer worker`: claim → dispatch by kind → complete/fail, plus timers.

What a message *means* lives in the handlers; this module knows only their protocol and
registry (organizer.registry), filled at start by the entry layer (organizer.handlers,
through `run`'s `plugins_factory`), so it never imports the pipeline. It only
guarantees the queue contract: every claimed row ends DONE, back in NEW, or FAILED
with a reason, and SIGTERM never strands one.
"""

from __future__ import annotations

import logging
import socket
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta

from organizer.config import Settings
from organizer.db import queue
from organizer.db.checkpoints import Checkpointer
from organizer.db.dialect import is_postgres
from organizer.db.store import open_store, store_lost
from organizer.db.transient import is_transient
from organizer.errors import OrganizerError
from organizer.model import InboxRow, utcnow
from organizer.registry import (
    Context,
    Deferred,
    Handler,
    LeaseLost,
    PermanentError,
    Plugins,
    PluginsFactory,
)
from organizer.runtime import (
    Heart,
    Periodic,
    install_signal_handlers,
    open_service_db,
    run_loop,
)
from organizer.systemd import Notifier, watchdog_period_s

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_S = 3.0
# A deadlock victim's handler runs again at once; a conflict that repeats this often is
# treated as an ordinary failure (counted, backed off) so a livelock cannot spin.
TRANSIENT_RETRIES = 3


# Context, Handler, PermanentError and Plugins are the registry's; named here too
# because handlers and tests have long imported them from the worker.
__all__ = ["Context", "Deferred", "Handler", "PermanentError", "Plugins", "Worker", "run"]


class Worker:
    def __init__(
        self,
        settings: Settings,
        conn: sqlite3.Connection,
        plugins: Plugins,
        *,
        worker_id: str | None = None,
        stop: threading.Event | None = None,
        heart: Heart | None = None,
        prefetch: bool = False,
    ) -> None:
        self.settings = settings
        # `prefetch` (the `organizer worker` service, SQLite): the next row is claimed in
        # the transaction that marks the current one DONE, one commit less per message.
        # Whoever makes a Worker with it calls release_next when it stops stepping.
        self.prefetch = prefetch and not is_postgres(conn)
        self._next: InboxRow | None = None
        self.conn = conn
        self.plugins = plugins
        self.worker_id = worker_id or f"{socket.gethostname()}:{threading.get_native_id()}"
        self.stop = stop or threading.Event()
        self.heart = heart
        self.processed = 0
        self.runner = _Runner()
        self.timers = [
            Periodic("reaper", 5.0, self._reap),
            Periodic("heartbeat", min(5.0, watchdog_period_s() or 5.0), self._beat),
            *plugins.periodic,
        ]

    def _reap(self, now: datetime) -> None:
        n = queue.reap_expired(self.conn, now)
        if n:
            log.warning("reaper returned %d expired lease(s) to the queue", n)

    def _beat(self, now: datetime) -> None:
        if self.heart is None:
            return
        c = queue.counts(self.conn, now).by_status
        self.heart.beat(
            now,
            f"new={c['NEW']} claimed={c['CLAIMED']} failed={c['FAILED']} "
            f"processed={self.processed}",
        )

    def step(self, now: datetime) -> bool:
        """One turn: timers, then at most one message. True when a message was handled."""
        for timer in self.timers:
            timer.maybe_run(now)
        row = self._take_next() or queue.claim(
            self.conn, self.worker_id, now, self.settings.worker_lease_sec
        )
        if row is None:
            return False
        self.handle(row, now)
        return True

    def _take_next(self) -> InboxRow | None:
        row, self._next = self._next, None
        return row

    def _check_next(self) -> None:
        """After a handler raised: its transaction may have rolled back after marking
        DONE, and the claim beside it with it; keep the claim only if it still stands."""
        if self._next is not None and not queue.holds(self.conn, self._next, self.worker_id):
            self._next = None

    def _done(self, conn: sqlite3.Connection, row: InboxRow, now: datetime) -> bool:
        """Context.done_hook: DONE, and with `prefetch` the next row's claim, in the
        handler's last transaction (the claim is as durable as a claim of its own)."""
        if not queue.complete_in(conn, row.id, self.worker_id, now):
            return False
        if self.prefetch and not self.stop.is_set():
            self._next = queue.claim_in(conn, self.worker_id, now,
                                        self.settings.worker_lease_sec)
        return True

    def release_next(self, now: datetime) -> None:
        """Give the prefetched row back untouched (stopping): its chat is not left
        waiting for a lease to lapse, and its attempt is not counted."""
        row, self._next = self._next, None
        if row is not None and not self.conn.in_transaction:
            queue.release(self.conn, row.id, self.worker_id, now)

    def handle(self, row: InboxRow, now: datetime) -> None:
        # Rows are stamped from the `now` this step was given (plus the time the handler
        # took), not the wall clock: the same clock the claim and the skew cap use, so a
        # back-off is measured in one time line (and tests that set `now` reproduce it).
        started = time.monotonic()

        def at() -> datetime:
            return now + timedelta(seconds=time.monotonic() - started)

        handler = self.plugins.handlers.get(row.kind)
        if handler is None:
            error = f"no handler for message kind {row.kind!r}"
            log.error("inbox id=%d %s; marked FAILED", row.id, error)
            queue.fail(self.conn, row.id, self.worker_id, at(), error, retry=False)
            return
        ctx = Context(self.conn, self.settings, now, self.worker_id, self.stop,
                      done_hook=lambda c: self._done(c, row, at()))
        try:
            if not self._run_checked(handler, ctx, row):
                return
        except LeaseLost:
            log.warning("inbox id=%d: lease lost before completion (reaped?); its"
                        " holder answers it", row.id)
            return
        except Deferred as e:
            log.warning("inbox id=%d waits %.1f s: %s", row.id, e.delay_s, e)
            queue.defer(self.conn, row.id, self.worker_id, at(), e.delay_s, str(e))
            return
        except PermanentError as e:
            log.error("inbox id=%d failed permanently: %s", row.id, e)
            queue.fail(self.conn, row.id, self.worker_id, at(), str(e), retry=False)
            return
        except Exception as e:
            log.exception("inbox id=%d kind=%s failed (attempt %d)", row.id, row.kind, row.attempts)
            status = queue.fail(
                self.conn, row.id, self.worker_id, at(), f"{type(e).__name__}: {e}"
            )
            log.info("inbox id=%d -> %s", row.id, status)
            return
        # A handler that marked its row DONE in its own last transaction (beside the
        # reply) needs no separate complete: one transaction less per message.
        if not ctx.completed and not queue.complete(self.conn, row.id, self.worker_id, at()):
            log.warning("inbox id=%d: lease lost before completion (reaped?)", row.id)
        self.processed += 1


    def _run_checked(self, handler: Handler, ctx: Context, row: InboxRow) -> bool:
        try:
            return self._run_retrying(handler, ctx, row)
        except BaseException:
            self._check_next()
            raise

    def _run_retrying(self, handler: Handler, ctx: Context, row: InboxRow) -> bool:
        """`_run_bounded`, run again at once (up to TRANSIENT_RETRIES times) when
        PostgreSQL rolled the handler's transaction back for a deadlock or serialization
        failure: that is the other transaction's timing, not this message's fault, so no
        attempt is counted and no back-off waited. Handlers are idempotent (keyed by
        inbox row), so what an earlier transaction of the handler committed is found."""
        retries = 0
        while True:
            ctx.completed = False  # a mark_done rolled back with its transaction
            try:
                return self._run_bounded(handler, ctx, row)
            except sqlite3.OperationalError as e:
                if not is_transient(e) or retries >= TRANSIENT_RETRIES or self.stop.is_set():
                    raise
                retries += 1
                if self.conn.in_transaction:  # the handler's own rollback may not have run
                    self.conn.execute("ROLLBACK")
                log.warning("inbox id=%d: %s; handled again at once (%d/%d)", row.id,
                            str(e).splitlines()[0], retries, TRANSIENT_RETRIES)

    def _run_bounded(self, handler: Handler, ctx: Context, row: InboxRow) -> bool:
        """Run the handler; on SIGTERM give it SHUTDOWN_GRACE_S, then release the row.

        A kind the plugins call local (Plugins.inline: text, commands, buttons) is called
        right here on the worker's thread: it makes no remote call that could outlast a
        stop, and the handoff to the handler thread and back cost a sixth of a message.

        The handler runs on the worker's handler thread (a daemon, started once: a
        thread per message cost a third of a text message's time, issue 19) so that a
        slow remote call (ASR, calendar) cannot hold the process past systemd's stop
        timeout. A released row is simply processed again later: handlers are
        idempotent (items are keyed by inbox row). Returns False when the row was
        released; re-raises the handler's exception.
        """
        if row.kind in self.plugins.inline:
            handler(ctx, row)
            return True
        job = self.runner.submit(lambda: handler(ctx, row))
        lease = _LeaseKeeper(self, row, ctx.now)
        try:
            while not job.done.wait(0.1):
                if self.stop.is_set():
                    if not job.done.wait(SHUTDOWN_GRACE_S):
                        self._release_abandoned(row, lease.clock())
                        return False
                    break
                lease.maybe_renew()
        finally:
            lease.close()
        if job.error is not None:
            raise job.error
        return True

    def _release_abandoned(self, row: InboxRow, now: datetime) -> None:
        # The handler thread may be inside a transaction on self.conn: use a fresh one.
        # Stamped from the step's `now` plus the time elapsed (not the wall clock), like
        # every other change of the row.
        other = open_store(self.settings)
        try:
            released = queue.release(other, row.id, self.worker_id, now)
        finally:
            other.close()
        log.warning("inbox id=%d still running at shutdown; %s", row.id,
                    "released to the queue" if released else "lease already lost")


class _Job:
    def __init__(self, fn: Callable[[], object]) -> None:
        self.fn = fn
        self.done = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.fn()
        except BaseException as e:  # handed to the waiting worker, which re-raises it
            self.error = e
        finally:
            self.done.set()


class _Runner:
    """The one long-lived daemon thread that runs handlers, one job at a time.

    A job still running when a new one comes (abandoned at shutdown) keeps its thread
    to itself: the new job gets a new thread, so nothing waits behind a stuck handler.
    """

    def __init__(self) -> None:
        self.inbox: _Inbox | None = None
        self.last: _Job | None = None

    def submit(self, fn: Callable[[], object]) -> _Job:
        if self.inbox is None or (self.last is not None and not self.last.done.is_set()):
            self.inbox = _Inbox()
            threading.Thread(target=self.inbox.serve, name="handler", daemon=True).start()
        job = self.last = _Job(fn)
        self.inbox.put(job)
        return job


class _Inbox:
    def __init__(self) -> None:
        self.jobs: deque[_Job] = deque()
        self.ready = threading.Condition()

    def put(self, job: _Job) -> None:
        with self.ready:
            self.jobs.append(job)
            self.ready.notify()

    def serve(self) -> None:
        while True:
            with self.ready:
                while not self.jobs:
                    self.ready.wait()
                job = self.jobs.popleft()
            job.run()


class _LeaseKeeper:
    """Extends the lease of the row in hand while its handler runs.

    A voice note may wait on ASR for ASR_HTTP_READ_TIMEOUT (120 s) while the lease is
    WORKER_LEASE_SEC (60 s): unrenewed, the reaper of another worker would hand the
    same row out again, and it would be transcribed twice. Renewed every third of the
    lease, on a connection of its own (the handler's may be inside a transaction), and
    stamped from the `now` the step was given plus the time elapsed since.
    """

    def __init__(self, worker: Worker, row: InboxRow, now: datetime) -> None:
        self.worker, self.row, self.now = worker, row, now
        self.lease_s = float(worker.settings.worker_lease_sec)
        self.every_s = max(0.5, self.lease_s / 3)
        self.started = time.monotonic()
        self.next_at = self.started + self.every_s
        self.conn: sqlite3.Connection | None = None

    def clock(self) -> datetime:
        """The step's `now` plus the time elapsed since the handler started."""
        return self.now + timedelta(seconds=time.monotonic() - self.started)

    def maybe_renew(self) -> None:
        mono = time.monotonic()
        if mono < self.next_at:
            return
        self.next_at = mono + self.every_s
        try:
            self.conn = self.conn or open_store(self.worker.settings)
            at = self.now + timedelta(seconds=mono - self.started)
            if not queue.extend_lease(self.conn, self.row.id, self.worker.worker_id, at,
                                      self.lease_s):  # fmt: skip
                log.warning("inbox id=%d: lease lost while handling (reaped?)", self.row.id)
        except (sqlite3.Error, OSError, OrganizerError) as e:  # the next renewal tries again
            log.warning("inbox id=%d: lease renewal failed: %s", self.row.id, e)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def run(settings: Settings, *, plugins_factory: PluginsFactory) -> int:
    """The `organizer worker` process; returns the exit code.

    `plugins_factory` (organizer.handlers.build_plugins) fills the handler registry.
    """
    stop = threading.Event()
    install_signal_handlers(stop)
    notifier = Notifier()
    conn, _ = open_service_db(settings, "worker")
    checkpoints = Checkpointer.start(conn)  # the fsyncs off the messages' commits
    from organizer.canon import load_canon

    load_canon(settings.canon_path)  # a broken CANON_PATH stops the start with file:line
    heart = Heart(conn, "worker", notifier)
    worker = Worker(
        settings,
        conn,
        plugins_factory(settings, conn),
        worker_id=f"{heart.host}:{heart.pid}",
        stop=stop,
        heart=heart,
        prefetch=True,
    )
    heart.beat(utcnow(), "starting")
    notifier.ready()
    log.info("worker %s ready", worker.worker_id)
    lost: list[bool] = []

    def on_error(e: BaseException) -> bool:
        if not store_lost(conn):
            return False
        # Every later step would fail the same way: exit 1, and systemd (Restart=always)
        # starts the worker again on a new connection once the server is back.
        log.error("lost the connection to PostgreSQL (%s); exiting so that the service "
                  "manager starts the worker again", e)  # fmt: skip
        lost.append(True)
        stop.set()
        return True

    try:
        run_loop(worker.step, stop, on_error=on_error)
    finally:
        notifier.stopping()
        worker.release_next(utcnow())
        log.info("worker %s stopping after %d message(s)", worker.worker_id, worker.processed)
        heart.stopped()
        if checkpoints is not None:
            checkpoints.close()
        conn.close()
    return 1 if lost else 0
