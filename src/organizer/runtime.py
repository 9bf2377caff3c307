"""What every long-running service shares: start-up checks, signals, the loop, heartbeats."""

from __future__ import annotations

import logging
import os
import signal
import socket
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from organizer import __version__
from organizer.config import Settings
from organizer.db import heartbeats
from organizer.db.migrate import SchemaState
from organizer.db.store import open_store, require_current_store, where
from organizer.model import utcnow
from organizer.systemd import Notifier

log = logging.getLogger(__name__)


def open_service_db(settings: Settings, service: str) -> tuple[sqlite3.Connection, SchemaState]:
    """Open DB_URL's store, refuse a missing or old schema, and log what was opened.

    The log line is the guard against "migrated one database, the service reads another".
    """
    conn = open_store(settings)
    st = require_current_store(conn, settings)
    log.info(
        "%s %s starting: db=%s schema=%d instance=%s pid=%d",
        service,
        __version__,
        where(settings),
        st.version,
        st.instance_id,
        os.getpid(),
    )
    return conn, st  # type: ignore[return-value]


def pid_alive(pid: int) -> bool:
    """A process with this pid exists on this host (someone else's counts: EPERM)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def install_signal_handlers(stop: threading.Event) -> None:
    """SIGTERM/SIGINT only set the flag; the loop notices and winds down."""

    def handler(signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)


class Backoff:
    """Idle wait that grows while there is nothing to do, reset by work."""

    def __init__(self, start_s: float = 0.05, max_s: float = 1.0) -> None:
        self.start_s, self.max_s, self.current = start_s, max_s, start_s

    def reset(self) -> None:
        self.current = self.start_s

    def next(self) -> float:
        value = self.current
        self.current = min(self.max_s, self.current * 2)
        return value


def run_loop(
    step: Callable[[datetime], bool],
    stop: threading.Event,
    *,
    clock: Callable[[], datetime] = utcnow,
    backoff: Backoff | None = None,
    on_error: Callable[[BaseException], bool] | None = None,
) -> None:
    """`while not stop: stop.wait(0 if step(now) else backoff)`. A failing step never ends
    it, unless `on_error` sets `stop`; `on_error` returns True when it has said what went
    wrong itself (no traceback then)."""
    backoff = backoff or Backoff()
    while not stop.is_set():
        try:
            busy = step(clock())
        except Exception as e:  # one bad step must not stop the service
            if not (on_error and on_error(e)):
                log.exception("loop step failed")
            busy = False
        if busy:
            backoff.reset()
        else:
            stop.wait(backoff.next())


@dataclass
class Periodic:
    """Run `fn(now)` at most every `every_s` seconds from inside a loop step."""

    name: str
    every_s: float
    fn: Callable[[datetime], object]
    last: datetime | None = field(default=None)

    def due(self, now: datetime) -> bool:
        return self.last is None or (now - self.last).total_seconds() >= self.every_s

    def maybe_run(self, now: datetime) -> object:
        if not self.due(now):
            return None
        self.last = now
        try:
            return self.fn(now)
        except sqlite3.OperationalError as e:  # the database's state (locked, gone), not a bug
            log.error("periodic task %s failed: %s", self.name, e)
            return None
        except Exception:
            log.exception("periodic task %s failed", self.name)
            return None


class Heart:
    """Heartbeat row + systemd WATCHDOG/STATUS, both beaten from the loop itself."""

    def __init__(self, conn: sqlite3.Connection, service: str, notifier: Notifier) -> None:
        self.conn = conn
        self.service = service
        self.notifier = notifier
        self.pid = os.getpid()
        self.host = socket.gethostname()
        self.service_id = f"{service}@{self.host}:{self.pid}"
        self.started_at = utcnow()
        # Read once, at start: the database this process opened. A heartbeat carrying
        # another file's identity than the one it sits in reveals a split (issue 17).
        self.instance_id, self.db_path = heartbeats.identity(conn)

    def beat(self, now: datetime, status: str) -> None:
        heartbeats.beat(
            self.conn,
            service_id=self.service_id,
            service=self.service,
            pid=self.pid,
            host=self.host,
            version=__version__,
            status=status,
            started_at=self.started_at,
            now=now,
            instance_id=self.instance_id,
            db_path=self.db_path,
        )
        self.notifier.watchdog()
        self.notifier.status(status)

    def stopped(self) -> None:
        try:
            heartbeats.stopped(self.conn, self.service_id, utcnow())
        except sqlite3.Error:
            log.warning("could not record the stop in heartbeats")
