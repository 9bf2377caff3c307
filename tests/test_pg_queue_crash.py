"""4 worker processes on PostgreSQL, SIGKILLed and restarted during a 2,000-row burst in
50 chats: every row DONE exactly once, each chat's rows in order, never two of a chat at
once. Each process's "work" and its `complete` commit in one transaction (the queue call
is a SAVEPOINT of it), so a kill between them loses neither and doubles neither."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from organizer.db.pg_connect import open_pg

ROWS, CHATS, PROCS, KILLS = 2000, 50, 4, 12

WORKER = textwrap.dedent(
    """
    import sys, time
    from organizer.db import pg_queue as queue
    from organizer.db.pg_connect import open_pg
    from organizer.model import utcnow
    url, name = sys.argv[1], sys.argv[2]
    conn = open_pg(url)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        queue.reap_expired(conn, utcnow())
        row = queue.claim(conn, name, utcnow(), 2)
        if row is None:
            left = conn.execute(
                "SELECT COUNT(*) FROM inbox_queue WHERE status IN ('NEW', 'CLAIMED')"
            ).fetchone()[0]
            if left == 0:
                break
            time.sleep(0.02)
            continue
        class Lost(Exception):
            pass
        try:
            with conn.transaction():
                busy = conn.execute(
                    "SELECT COUNT(*) FROM inbox_queue WHERE chat_id = %s AND status = 'CLAIMED'"
                    " AND id <> %s", (row.chat_id, row.id)).fetchone()[0]
                conn.execute(
                    "INSERT INTO seen (inbox_id, chat_id, worker, busy) VALUES (%s, %s, %s, %s)",
                    (row.id, row.chat_id, name, busy))
                if not queue.complete(conn, row.id, name, utcnow()):
                    raise Lost()
        except Lost:
            pass
    """
)


def _start(url: str, name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", WORKER, url, name])


@pytest.mark.slow
def test_sigkilled_workers_lose_nothing_and_double_nothing(pg_url: str) -> None:
    conn = open_pg(pg_url)
    conn.execute(
        "CREATE TABLE seen (id BIGSERIAL PRIMARY KEY, inbox_id BIGINT NOT NULL,"
        " chat_id BIGINT NOT NULL, worker TEXT NOT NULL, busy INTEGER NOT NULL)"
    )
    ts = "2000-01-01T00:00:00.000000Z"
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO inbox_queue (chat_id, message_key, kind, payload, max_attempts,"
            " next_attempt_at, created_at, updated_at)"
            " VALUES (%s, %s, 'text', '{}', 50, %s, %s, %s)",
            [(i % CHATS, f"k{i}", ts, ts, ts) for i in range(ROWS)],
        )
    rng = random.Random(19)
    procs = {f"w{i}": _start(pg_url, f"w{i}") for i in range(PROCS)}
    kills, deadline = 0, time.monotonic() + 60
    while kills < KILLS and time.monotonic() < deadline:
        time.sleep(rng.uniform(0.05, 0.25))
        alive = [n for n, p in procs.items() if p.poll() is None]
        if not alive:
            break
        victim = rng.choice(alive)
        procs[victim].send_signal(signal.SIGKILL)
        procs[victim].wait(timeout=10)
        kills += 1
        procs[f"{victim}.{kills}"] = _start(pg_url, f"{victim}.{kills}")
    for p in procs.values():
        assert p.wait(timeout=90) in (0, -signal.SIGKILL)
    assert kills >= 4, f"only {kills} kills happened before the burst was drained"

    def one(sql: str) -> int:
        row = conn.execute(sql).fetchone()
        assert row is not None
        return int(row[0])

    assert one("SELECT COUNT(*) FROM inbox_queue WHERE status = 'DONE'") == ROWS
    assert one("SELECT COUNT(*) FROM seen") == ROWS
    assert one("SELECT COUNT(DISTINCT inbox_id) FROM seen") == ROWS
    assert one("SELECT COALESCE(MAX(busy), 0) FROM seen") == 0  # never two of a chat at once
    out_of_order = one(
        "SELECT COUNT(*) FROM (SELECT inbox_id, LAG(inbox_id) OVER"
        " (PARTITION BY chat_id ORDER BY id) AS prev FROM seen) s WHERE inbox_id < prev"
    )
    assert out_of_order == 0
    assert one("SELECT COUNT(DISTINCT worker) FROM seen") >= 2  # the work really was shared
    conn.close()
