"""The inbox queue: de-duplication, leases, backoff, reaping, and exactly-once under 4 processes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from organizer.db import queue

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def put(conn: sqlite3.Connection, key: str, chat: int = 1, now: datetime = T0) -> int:
    row_id, _ = queue.enqueue(
        conn, message_key=key, chat_id=chat, kind="text", payload={"text": key}, now=now
    )
    return row_id


def test_redelivered_message_is_a_noop(conn: sqlite3.Connection) -> None:
    a, new_a = queue.enqueue(
        conn, message_key="tg:msg:1:5", chat_id=1, kind="text", payload={"text": "hi"}, now=T0
    )
    b, new_b = queue.enqueue(
        conn, message_key="tg:msg:1:5", chat_id=1, kind="text", payload={"text": "changed"}, now=T0
    )
    assert (new_a, new_b) == (True, False) and a == b
    assert conn.execute("SELECT COUNT(*) FROM inbox_queue").fetchone()[0] == 1
    assert "hi" in conn.execute("SELECT payload FROM inbox_queue").fetchone()[0]


def test_claim_complete_cycle(conn: sqlite3.Connection) -> None:
    rid = put(conn, "a")
    row = queue.claim(conn, "w1", T0, 30)
    assert row is not None and row.id == rid and row.attempts == 1 and row.status == "CLAIMED"
    assert queue.claim(conn, "w2", T0, 30) is None
    assert not queue.complete(conn, rid, "w2", T0)  # not the holder
    assert queue.complete(conn, rid, "w1", T0)
    assert queue.get(conn, rid).status == "DONE"  # type: ignore[union-attr]


def test_one_row_per_chat_in_order(conn: sqlite3.Connection) -> None:
    a, b, c = put(conn, "a", chat=1), put(conn, "b", chat=1), put(conn, "c", chat=2)
    first = queue.claim(conn, "w1", T0, 30)
    second = queue.claim(conn, "w2", T0, 30)
    assert first and second and first.id == a and second.id == c
    assert queue.claim(conn, "w3", T0, 30) is None  # b waits for a: same chat
    queue.complete(conn, a, "w1", T0)
    third = queue.claim(conn, "w3", T0, 30)
    assert third and third.id == b


def test_fail_backs_off_then_fails_for_good(conn: sqlite3.Connection) -> None:
    rid, _ = queue.enqueue(
        conn, message_key="x", chat_id=1, kind="text", payload={}, now=T0, max_attempts=3
    )
    now = T0
    statuses = []
    for _ in range(3):
        row = queue.claim(conn, "w", now, 30)
        assert row is not None
        statuses.append(queue.fail(conn, rid, "w", now, "boom"))
        assert queue.claim(conn, "w", now, 30) is None  # backing off
        now += timedelta(seconds=queue.BACKOFF_MAX_S + 1)
    assert statuses == ["NEW", "NEW", "FAILED"]
    row = queue.get(conn, rid)
    assert row and row.status == "FAILED" and row.last_error == "boom" and row.attempts == 3


def test_backoff_grows_exponentially() -> None:
    assert [queue.backoff_s(n) for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert queue.backoff_s(50) == queue.BACKOFF_MAX_S


def test_reaper_returns_expired_leases(conn: sqlite3.Connection) -> None:
    rid = put(conn, "a")
    assert queue.claim(conn, "dead-worker", T0, 10)
    assert queue.reap_expired(conn, T0 + timedelta(seconds=5)) == 0
    assert queue.reap_expired(conn, T0 + timedelta(seconds=11)) == 1
    row = queue.claim(conn, "w2", T0 + timedelta(seconds=12), 10)
    assert row and row.id == rid and row.attempts == 2
    # the dead worker comes back and cannot complete what it no longer holds
    assert not queue.complete(conn, rid, "dead-worker", T0 + timedelta(seconds=13))


def test_reaper_fails_rows_out_of_attempts(conn: sqlite3.Connection) -> None:
    rid, _ = queue.enqueue(
        conn, message_key="x", chat_id=1, kind="text", payload={}, now=T0, max_attempts=1
    )
    assert queue.claim(conn, "w", T0, 1)
    queue.reap_expired(conn, T0 + timedelta(seconds=2))
    row = queue.get(conn, rid)
    assert row and row.status == "FAILED" and "lease expired" in (row.last_error or "")


def test_release_does_not_spend_an_attempt(conn: sqlite3.Connection) -> None:
    rid = put(conn, "a")
    assert queue.claim(conn, "w", T0, 30)
    assert queue.release(conn, rid, "w", T0)
    row = queue.get(conn, rid)
    assert row and row.status == "NEW" and row.attempts == 0


def test_operator_retry(conn: sqlite3.Connection) -> None:
    rid, _ = queue.enqueue(
        conn, message_key="x", chat_id=1, kind="text", payload={}, now=T0, max_attempts=1
    )
    queue.claim(conn, "w", T0, 30)
    queue.fail(conn, rid, "w", T0, "bad")
    assert queue.retry(conn, rid, T0).status == "NEW"
    queue.claim(conn, "w", T0, 30)
    queue.fail(conn, rid, "w", T0, "bad")
    assert queue.retry_failed(conn, T0) == 1


WORKER_SCRIPT = textwrap.dedent(
    """
    import sys, os
    from organizer.db.connect import open_db, transaction
    from organizer.db import queue
    from organizer.model import utcnow
    path, name = sys.argv[1], sys.argv[2]
    conn = open_db(path)
    idle = 0
    while idle < 50:
        row = queue.claim(conn, name, utcnow(), 60)
        if row is None:
            idle += 1
            import time; time.sleep(0.01)
            continue
        idle = 0
        with transaction(conn):
            conn.execute("INSERT INTO seen (inbox_id, worker) VALUES (?, ?)", (row.id, name))
        assert queue.complete(conn, row.id, name, utcnow())
    """
)


@pytest.mark.slow
def test_four_processes_process_each_message_exactly_once(
    db_path: Path, conn: sqlite3.Connection
) -> None:
    conn.execute("CREATE TABLE seen (inbox_id INTEGER NOT NULL, worker TEXT NOT NULL)")
    n = 2000
    conn.execute("BEGIN")
    for i in range(n):
        conn.execute(
            "INSERT INTO inbox_queue (chat_id, message_key, kind, payload, next_attempt_at,"
            " created_at, updated_at) VALUES (?, ?, 'text', '{}', ?, ?, ?)",
            (
                i % 50,
                f"k{i}",
                "2000-01-01T00:00:00.000000Z",
                "2000-01-01T00:00:00.000000Z",
                "2000-01-01T00:00:00.000000Z",
            ),
        )
    conn.execute("COMMIT")
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER_SCRIPT, str(db_path), f"w{i}"])
        for i in range(4)
    ]
    for p in procs:
        assert p.wait(timeout=90) == 0
    assert conn.execute("SELECT COUNT(*) FROM seen").fetchone()[0] == n
    assert conn.execute("SELECT COUNT(DISTINCT inbox_id) FROM seen").fetchone()[0] == n
    assert conn.execute("SELECT COUNT(*) FROM inbox_queue WHERE status = 'DONE'").fetchone()[0] == n
    assert conn.execute("SELECT MAX(attempts) FROM inbox_queue").fetchone()[0] == 1
    workers = conn.execute("SELECT COUNT(DISTINCT worker) FROM seen").fetchone()[0]
    assert workers >= 2  # the work really was shared


def test_clock_stepped_back_does_not_mute_a_chat(conn: sqlite3.Connection) -> None:
    """A wait longer than the longest backoff is clock skew: the row is due now."""
    rid = put(conn, "a", chat=1)
    later = put(conn, "b", chat=1)
    assert queue.claim(conn, "w", T0, 30)
    assert queue.fail(conn, rid, "w", T0, "boom") == "NEW"
    stepped_back = T0 - timedelta(hours=1)
    row = queue.claim(conn, "w", stepped_back, 30)
    assert row is not None and row.id == rid
    assert queue.complete(conn, rid, "w", stepped_back)
    nxt = queue.claim(conn, "w", stepped_back, 30)
    assert nxt is not None and nxt.id == later


def test_a_real_backoff_still_waits(conn: sqlite3.Connection) -> None:
    rid = put(conn, "a")
    assert queue.claim(conn, "w", T0, 30)
    assert queue.fail(conn, rid, "w", T0, "boom") == "NEW"
    assert queue.claim(conn, "w", T0, 30) is None
    assert queue.claim(conn, "w", T0 + timedelta(seconds=queue.BACKOFF_MAX_S + 1), 30)


def test_done_rows_leave_the_queue_indexes_and_lookups_still_use_them(tmp_path: Path) -> None:
    """Migration 0018: the queue's indexes hold NEW and CLAIMED rows only (a DONE row
    no longer writes an index page more per message), and every lookup of waiting or
    claimed rows still finds them through an index, not a scan of the history."""
    from organizer.db.connect import open_db
    from organizer.db.migrate import migrate

    conn: sqlite3.Connection = open_db(tmp_path / "q.db", create=True)
    migrate(conn)
    partial = {r["name"]: r["partial"] for r in conn.execute("PRAGMA index_list(inbox_queue)")}
    assert partial["inbox_ready"] == 1 and partial["inbox_chat"] == 1
    lookups = [
        "SELECT COALESCE(MAX(attempts), 0) FROM inbox_queue"
        " WHERE (status = 'NEW' OR status = 'CLAIMED')",
        "SELECT 1 FROM inbox_queue WHERE kind = 'voice' AND (status = 'NEW' OR status = 'CLAIMED')"
        " AND json_extract(payload, '$.file_path') = 'x' LIMIT 1",
        "SELECT MIN(created_at) FROM inbox_queue WHERE status = 'NEW'",
        "SELECT 1 FROM inbox_queue WHERE chat_id = 1 AND status = 'CLAIMED' LIMIT 1",
    ]
    for sql in lookups:
        plan = " ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql))
        assert "USING" in plan and "INDEX" in plan, (sql, plan)
    # the outbox's pacing index: sent rows only, still found by the sender's lookup
    partial = {r["name"]: r["partial"] for r in conn.execute("PRAGMA index_list(outbox)")}
    assert partial["outbox_chat_sent"] == 1
    sql = "SELECT 1 FROM outbox p WHERE p.chat_id = 1 AND p.sent_at > 'x'"
    plan = " ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql))
    assert "outbox_chat_sent" in plan, plan
    conn.close()
