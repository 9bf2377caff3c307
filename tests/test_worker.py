"""The worker loop as a real process and in-process: dispatch, failures, SIGTERM, heartbeats."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import ORGANIZER, make_env, wait_until
from organizer.config import Settings
from organizer.db import queue
from organizer.db.connect import transaction
from organizer.db.store import where
from organizer.model import InboxRow
from organizer.worker import Context, Handler, Plugins, Worker

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.mark.stores
def test_unknown_kind_fails_with_a_clear_error(
    conn: sqlite3.Connection, settings: Settings
) -> None:
    rid, _ = queue.enqueue(conn, message_key="k", chat_id=1, kind="hologram", payload={}, now=T0)
    w = Worker(settings, conn, Plugins())
    assert w.step(T0)
    row = queue.get(conn, rid)
    assert row and row.status == "FAILED"
    assert "no handler for message kind 'hologram'" in (row.last_error or "")


@pytest.mark.stores
def test_handler_error_is_retried_and_the_loop_goes_on(
    conn: sqlite3.Connection, settings: Settings
) -> None:
    calls: list[int] = []

    def flaky(ctx: Context, row: InboxRow) -> None:
        calls.append(row.id)
        if json.loads(row.payload).get("bad"):
            raise RuntimeError("remote said no")

    bad, _ = queue.enqueue(
        conn, message_key="a", chat_id=1, kind="text", payload={"bad": 1}, now=T0
    )
    good, _ = queue.enqueue(conn, message_key="b", chat_id=2, kind="text", payload={}, now=T0)
    w = Worker(settings, conn, Plugins(handlers={"text": flaky}))
    assert w.step(T0) and w.step(T0)
    assert queue.get(conn, good).status == "DONE"  # type: ignore[union-attr]
    row = queue.get(conn, bad)
    assert row and row.status == "NEW" and "RuntimeError: remote said no" in (row.last_error or "")
    assert calls == [bad, good]


def _start_worker(db_path: Path, db_url: str | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [ORGANIZER, "worker"],
        env=make_env(db_path, db_url, LOG_LEVEL="INFO"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


@pytest.mark.stores
def test_worker_process_logs_db_and_stops_on_sigterm(
    db_path: Path, db_url: str, conn: sqlite3.Connection, settings: Settings
) -> None:
    proc = _start_worker(db_path, db_url)
    try:
        wait_until(
            lambda: conn.execute(
                "SELECT COUNT(*) FROM heartbeats WHERE service = 'worker' AND stopped_at IS NULL"
            ).fetchone()[0],
            timeout=15,
        )
        queue.enqueue(
            conn, message_key="z", chat_id=9, kind="nonsense", payload={}, now=datetime.now(UTC)
        )
        wait_until(
            lambda: conn.execute("SELECT status FROM inbox_queue").fetchone()[0] == "FAILED",
            timeout=10,
        )
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
        assert time.monotonic() - started < 5
    finally:
        if proc.poll() is None:
            proc.kill()
    out = proc.stdout.read().decode() if proc.stdout else ""
    assert f"db={where(settings)}" in out and "schema=" in out and "instance=" in out
    assert conn.execute("SELECT stopped_at FROM heartbeats").fetchone()[0] is not None


def test_worker_refuses_a_database_without_schema(tmp_path: Path) -> None:
    path = tmp_path / "blank.db"
    sqlite3.connect(path).close()
    res = subprocess.run(
        [ORGANIZER, "worker"], env=make_env(path), capture_output=True, text=True, timeout=30
    )
    assert res.returncode == 1
    assert "no organizer schema" in res.stderr and "organizer migrate" in res.stderr
    assert "Traceback" not in res.stderr


def test_stop_releases_a_row_whose_handler_hangs(
    conn: sqlite3.Connection, settings: Settings
) -> None:
    import threading

    started = threading.Event()

    def hang(ctx: Context, row: InboxRow) -> None:
        started.set()
        time.sleep(30)  # a remote call that will not answer in time

    rid, _ = queue.enqueue(conn, message_key="slow", chat_id=1, kind="voice", payload={}, now=T0)
    w = Worker(settings, conn, Plugins(handlers={"voice": hang}))
    threading.Thread(target=lambda: (started.wait(5), w.stop.set()), daemon=True).start()
    t = time.monotonic()
    assert w.step(T0)
    assert time.monotonic() - t < 5
    row = queue.get(conn, rid)
    assert row and row.status == "NEW" and row.attempts == 0


def test_worker_refuses_a_broken_canon(db_path: Path, tmp_path: Path) -> None:
    canon = tmp_path / "intents.yml"
    canon.write_text("version: 2\nintents:\n  task: [unclosed\n")
    res = subprocess.run([ORGANIZER, "worker"], env=make_env(db_path, CANON_PATH=str(canon)),
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 1
    assert str(canon) in res.stderr and "Traceback" not in res.stderr


def test_a_slow_handler_keeps_its_lease(settings: Settings) -> None:
    """A handler slower than the lease (a voice note waiting on ASR): a second worker's
    reaper and claim, running meanwhile, never get the row; it is handled once.
    Before: the lease ran out after WORKER_LEASE_SEC and the row was handed out again."""
    import dataclasses
    import threading

    from organizer.db.store import open_store

    settings = dataclasses.replace(settings, worker_lease_sec=2)
    calls: list[str] = []

    def slow(ctx: Context, row: InboxRow) -> None:
        calls.append(ctx.worker_id)
        time.sleep(5)  # two and a half leases

    c1, c2 = open_store(settings), open_store(settings)
    rid, _ = queue.enqueue(c1, message_key="v", chat_id=1, kind="voice", payload={},
                           now=datetime.now(UTC))  # fmt: skip
    w1 = Worker(settings, c1, Plugins(handlers={"voice": slow}), worker_id="w1")
    w2 = Worker(settings, c2, Plugins(handlers={"voice": slow}), worker_id="w2")
    t = threading.Thread(target=lambda: w1.step(datetime.now(UTC)))
    t.start()
    assert wait_until(lambda: (r := queue.get(c2, rid)) is not None and r.claimed_by == "w1",
                      timeout=5)  # fmt: skip
    deadline = time.monotonic() + 10
    stolen = 0
    while t.is_alive() and time.monotonic() < deadline:
        queue.reap_expired(c2, datetime.now(UTC))  # the reaper, every turn instead of every 5 s
        stolen += w2.step(datetime.now(UTC))
        time.sleep(0.2)
    t.join(timeout=10)
    assert stolen == 0 and calls == ["w1"]
    row = queue.get(c1, rid)
    assert row and row.status == "DONE" and row.attempts == 1
    c1.close()
    c2.close()


def test_one_handler_thread_serves_every_message(
    conn: sqlite3.Connection, settings: Settings
) -> None:
    """Issue 19: a thread per message cost a third of a text's time; one thread now."""
    import threading

    threads: set[int] = set()

    def note(ctx: Context, row: InboxRow) -> None:
        threads.add(threading.get_ident())
        assert threading.current_thread() is not threading.main_thread()

    for i in range(20):
        queue.enqueue(conn, message_key=f"m{i}", chat_id=i, kind="text", payload={}, now=T0)
    w = Worker(settings, conn, Plugins(handlers={"text": note}))
    assert all(w.step(T0) for _ in range(20))
    assert len(threads) == 1 and w.processed == 20


def test_local_kinds_run_on_the_workers_own_thread(
    conn: sqlite3.Connection, settings: Settings
) -> None:
    """Issue 19 (pge): text, commands and buttons are parser + SQLite work, called without the
    handoff to the handler thread (a sixth of a text message's CPU); voice (ASR) still
    goes to the handler thread, bounded at a stop. Before: every kind went through it."""
    import threading

    from organizer.handlers import build_plugins

    where: dict[str, bool] = {}

    def note(ctx: Context, row: InboxRow) -> None:
        where[row.kind] = threading.current_thread() is threading.main_thread()

    queue.enqueue(conn, message_key="t", chat_id=1, kind="text", payload={}, now=T0)
    queue.enqueue(conn, message_key="v", chat_id=2, kind="voice", payload={}, now=T0)
    w = Worker(settings, conn, Plugins(handlers={"text": note, "voice": note},
                                       inline=frozenset({"text"})))  # fmt: skip
    assert w.step(T0) and w.step(T0)
    assert where == {"text": True, "voice": False} and w.processed == 2
    real = build_plugins(settings, conn).inline
    assert {"text", "command", "callback"} <= real and "voice" not in real


def test_a_stuck_handler_does_not_hold_the_next_message(
    conn: sqlite3.Connection, settings: Settings
) -> None:
    """The handler abandoned at a stop keeps its thread; the next message gets another."""
    import threading

    release = threading.Event()
    seen: list[str] = []

    def handler(ctx: Context, row: InboxRow) -> None:
        seen.append(row.message_key)
        if row.message_key == "stuck":
            ctx.stop.set()
            release.wait(10)

    queue.enqueue(conn, message_key="stuck", chat_id=1, kind="text", payload={}, now=T0)
    queue.enqueue(conn, message_key="next", chat_id=2, kind="text", payload={}, now=T0)
    w = Worker(settings, conn, Plugins(handlers={"text": handler}))
    import organizer.worker as worker_mod

    grace, worker_mod.SHUTDOWN_GRACE_S = worker_mod.SHUTDOWN_GRACE_S, 0.2
    try:
        assert w.step(T0)  # released at the stop
        w.stop.clear()
        assert w.step(T0)
    finally:
        worker_mod.SHUTDOWN_GRACE_S = grace
        release.set()
    assert seen[:2] == ["stuck", "next"]


def _lock_both(first: str, second: str, barrier: Any, calls: list[int]) -> Handler:
    """A handler whose transaction updates two meta rows in the payload's order, the
    first time meeting the other worker in between: the two lock orders cross."""

    def handler(ctx: Context, row: InboxRow) -> None:
        calls.append(row.id)
        with transaction(ctx.conn):
            ctx.conn.execute("UPDATE meta SET value = value || 'x' WHERE key = ?", (first,))
            if calls.count(row.id) == 1:
                barrier.wait(10)
            ctx.conn.execute("UPDATE meta SET value = value || 'x' WHERE key = ?", (second,))
            ctx.mark_done()

    return handler


def test_a_deadlock_victim_is_handled_again_at_once_on_postgresql(pg_url: str) -> None:
    """Two workers whose handlers lock the same two rows in opposite orders: PostgreSQL
    rolls one transaction back (40P01). That message is handled again at once, with no
    attempt counted and no back-off. Before: it went back to NEW with the deadlock as its
    last_error, attempt counted, waiting out its back-off."""
    import threading

    from organizer.config import load_settings
    from organizer.db.store import open_store

    settings = load_settings({"DB_URL": pg_url, "ORGANIZER_ENV_FILE": ""})
    c1, c2 = open_store(settings), open_store(settings)
    try:
        c1.executemany("INSERT INTO meta (key, value) VALUES (?, '')", [("a",), ("b",)])
        a, _ = queue.enqueue(c1, message_key="a", chat_id=1, kind="ab", payload={}, now=T0)
        b, _ = queue.enqueue(c1, message_key="b", chat_id=2, kind="ba", payload={}, now=T0)
        barrier, calls = threading.Barrier(2), []
        plugins = Plugins(handlers={"ab": _lock_both("a", "b", barrier, calls),
                                    "ba": _lock_both("b", "a", barrier, calls)})  # fmt: skip
        workers = [Worker(settings, c, plugins, worker_id=f"w{i}") for i, c in ((1, c1), (2, c2))]
        threads = [threading.Thread(target=w.step, args=(T0,)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        rows = [queue.get(c1, a), queue.get(c1, b)]
        assert [(r.status, r.attempts, r.last_error) for r in rows if r] == [("DONE", 1, None)] * 2
        assert sorted(calls.count(i) for i in (a, b)) == [1, 2]  # the victim ran twice
        assert c1.execute("SELECT value FROM meta WHERE key = 'a'").fetchone()[0] == "xx"
    finally:
        c1.close()
        c2.close()


def test_a_repeating_deadlock_is_an_ordinary_failure(
    conn: sqlite3.Connection, settings: Settings
) -> None:
    """The retry is bounded: a conflict that never clears fails like any error."""
    import psycopg

    import organizer.worker as worker_mod

    calls: list[int] = []

    def always(ctx: Context, row: InboxRow) -> None:
        calls.append(row.id)
        raise sqlite3.OperationalError("deadlock detected") from psycopg.errors.DeadlockDetected()

    rid, _ = queue.enqueue(conn, message_key="d", chat_id=1, kind="text", payload={}, now=T0)
    assert Worker(settings, conn, Plugins(handlers={"text": always})).step(T0)
    assert len(calls) == worker_mod.TRANSIENT_RETRIES + 1
    row = queue.get(conn, rid)
    assert row and row.status == "NEW" and "deadlock detected" in (row.last_error or "")


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_a_worker_that_lost_its_postgresql_connection_exits_for_a_restart(
    db_path: Path, db_url: str, conn: sqlite3.Connection
) -> None:
    """Before: every step failed from then on with a traceback, for ever, and the row
    waited (the bot already exited so; systemd's Restart=always brings either back)."""
    proc = subprocess.Popen([ORGANIZER, "worker"], env=make_env(db_path, db_url),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: conn.execute(
            "SELECT COUNT(*) FROM heartbeats WHERE service = 'worker' AND stopped_at IS NULL"
        ).fetchone()[0], timeout=15)
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert proc.wait(timeout=20) == 1
    finally:
        if proc.poll() is None:
            proc.kill()
        out = proc.communicate(timeout=10)[0].decode()
    assert "lost the connection to PostgreSQL" in out and "Traceback" not in out, out
