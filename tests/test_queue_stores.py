"""The inbox queue's cases of tests/test_queue.py, run on both stores (SQLite and a
real PostgreSQL server started by tests/fixtures/postgres.py), plus what only
PostgreSQL has: concurrent claims from many connections of one pool."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from organizer.db import pg_queue, queue
from organizer.db.connect import open_db

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@dataclass
class Store:
    name: str
    q: ModuleType
    conn: Any

    def scalar(self, sql: str, *args: object) -> Any:
        if self.name == "postgresql":
            sql = sql.replace("?", "%s")
        row = self.conn.execute(sql, args).fetchone()
        return row[0]


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        db_path = request.getfixturevalue("db_path")
        conn = open_db(db_path)
        yield Store("sqlite", queue, conn)
    else:
        from organizer.db.pg_connect import open_pg

        conn = open_pg(request.getfixturevalue("pg_url"))
        yield Store("postgresql", pg_queue, conn)
    conn.close()


def put(s: Store, key: str, chat: int = 1, now: datetime = T0, kind: str = "text") -> int:
    row_id, _ = s.q.enqueue(
        s.conn, message_key=key, chat_id=chat, kind=kind, payload={"text": key}, now=now
    )
    return int(row_id)


def test_redelivered_message_is_a_noop(store: Store) -> None:
    q, c = store.q, store.conn
    a, new_a = q.enqueue(c, message_key="tg:msg:1:5", chat_id=1, kind="text",
                         payload={"text": "hi"}, now=T0)
    b, new_b = q.enqueue(c, message_key="tg:msg:1:5", chat_id=1, kind="text",
                         payload={"text": "changed"}, now=T0)
    assert (new_a, new_b) == (True, False) and a == b
    assert store.scalar("SELECT COUNT(*) FROM inbox_queue") == 1
    assert "hi" in store.scalar("SELECT payload FROM inbox_queue")


def test_claim_complete_cycle(store: Store) -> None:
    q, c = store.q, store.conn
    rid = put(store, "a")
    row = q.claim(c, "w1", T0, 30)
    assert row is not None and row.id == rid and row.attempts == 1 and row.status == "CLAIMED"
    assert q.claim(c, "w2", T0, 30) is None
    assert not q.complete(c, rid, "w2", T0)  # not the holder
    assert q.complete(c, rid, "w1", T0)
    assert q.get(c, rid).status == "DONE"


def test_one_row_per_chat_in_order(store: Store) -> None:
    q, c = store.q, store.conn
    a, b, cc = put(store, "a", chat=1), put(store, "b", chat=1), put(store, "c", chat=2)
    first = q.claim(c, "w1", T0, 30)
    second = q.claim(c, "w2", T0, 30)
    assert first and second and first.id == a and second.id == cc
    assert q.claim(c, "w3", T0, 30) is None  # b waits for a: same chat
    q.complete(c, a, "w1", T0)
    third = q.claim(c, "w3", T0, 30)
    assert third and third.id == b


def test_fail_backs_off_then_fails_for_good(store: Store) -> None:
    q, c = store.q, store.conn
    rid, _ = q.enqueue(c, message_key="x", chat_id=1, kind="text", payload={}, now=T0,
                       max_attempts=3)
    now = T0
    statuses = []
    for _ in range(3):
        assert q.claim(c, "w", now, 30) is not None
        statuses.append(q.fail(c, rid, "w", now, "boom"))
        assert q.claim(c, "w", now, 30) is None  # backing off
        now += timedelta(seconds=q.BACKOFF_MAX_S + 1)
    assert statuses == ["NEW", "NEW", "FAILED"]
    row = q.get(c, rid)
    assert row and row.status == "FAILED" and row.last_error == "boom" and row.attempts == 3


def test_fail_by_a_worker_that_lost_the_row(store: Store) -> None:
    rid = put(store, "a")
    assert store.q.claim(store.conn, "w1", T0, 30)
    assert store.q.fail(store.conn, rid, "w2", T0, "boom") is None


def test_reaper_returns_expired_leases(store: Store) -> None:
    q, c = store.q, store.conn
    rid = put(store, "a")
    assert q.claim(c, "dead-worker", T0, 10)
    assert q.extend_lease(c, rid, "dead-worker", T0, 10)
    assert not q.extend_lease(c, rid, "someone-else", T0, 10)
    assert q.reap_expired(c, T0 + timedelta(seconds=5)) == 0
    assert q.counts(c, T0 + timedelta(seconds=11)).expired_leases == 1
    assert q.reap_expired(c, T0 + timedelta(seconds=11)) == 1
    row = q.claim(c, "w2", T0 + timedelta(seconds=12), 10)
    assert row and row.id == rid and row.attempts == 2
    assert not q.complete(c, rid, "dead-worker", T0 + timedelta(seconds=13))


def test_reaper_fails_rows_out_of_attempts(store: Store) -> None:
    q, c = store.q, store.conn
    rid, _ = q.enqueue(c, message_key="x", chat_id=1, kind="text", payload={}, now=T0,
                       max_attempts=1)
    assert q.claim(c, "w", T0, 1)
    q.reap_expired(c, T0 + timedelta(seconds=2))
    row = q.get(c, rid)
    assert row and row.status == "FAILED" and "lease expired" in (row.last_error or "")


def test_release_does_not_spend_an_attempt(store: Store) -> None:
    q, c = store.q, store.conn
    rid = put(store, "a")
    assert q.claim(c, "w", T0, 30)
    assert q.release(c, rid, "w", T0)
    row = q.get(c, rid)
    assert row and row.status == "NEW" and row.attempts == 0


def test_defer_waits_without_spending_an_attempt(store: Store) -> None:
    q, c = store.q, store.conn
    rid = put(store, "v", kind="voice")
    later = put(store, "t")
    assert q.claim(c, "w", T0, 30)
    assert q.defer(c, rid, "w", T0, 60, "asr down")
    row = q.get(c, rid)
    assert row and row.status == "NEW" and row.attempts == 0 and row.last_error == "asr down"
    # a voice row waiting out an outage does not hold the chat's later messages
    nxt = q.claim(c, "w", T0, 30)
    assert nxt and nxt.id == later
    assert q.complete(c, later, "w", T0)
    assert q.claim(c, "w", T0, 30) is None
    back = q.claim(c, "w", T0 + timedelta(seconds=61), 30)
    assert back and back.id == rid


def test_operator_retry(store: Store) -> None:
    q, c = store.q, store.conn
    rid, _ = q.enqueue(c, message_key="x", chat_id=1, kind="text", payload={}, now=T0,
                       max_attempts=1)
    q.claim(c, "w", T0, 30)
    q.fail(c, rid, "w", T0, "bad")
    assert q.retry(c, rid, T0).status == "NEW"
    q.claim(c, "w", T0, 30)
    q.fail(c, rid, "w", T0, "bad")
    assert q.retry_failed(c, T0) == 1
    assert [r.id for r in q.list_rows(c, status="NEW")] == [rid]


def test_clock_stepped_back_does_not_mute_a_chat(store: Store) -> None:
    q, c = store.q, store.conn
    rid = put(store, "a", chat=1)
    later = put(store, "b", chat=1)
    assert q.claim(c, "w", T0, 30)
    assert q.fail(c, rid, "w", T0, "boom") == "NEW"
    stepped_back = T0 - timedelta(hours=1)
    row = q.claim(c, "w", stepped_back, 30)
    assert row is not None and row.id == rid
    assert q.complete(c, rid, "w", stepped_back)
    nxt = q.claim(c, "w", stepped_back, 30)
    assert nxt is not None and nxt.id == later


def test_a_real_backoff_still_waits(store: Store) -> None:
    q, c = store.q, store.conn
    rid = put(store, "a")
    assert q.claim(c, "w", T0, 30)
    assert q.fail(c, rid, "w", T0, "boom") == "NEW"
    assert q.claim(c, "w", T0, 30) is None
    assert q.claim(c, "w", T0 + timedelta(seconds=q.BACKOFF_MAX_S + 1), 30)


def test_counts_and_voice_files(store: Store) -> None:
    q, c = store.q, store.conn
    q.enqueue(c, message_key="v", chat_id=1, kind="voice",
              payload={"file_path": "/spool/a.ogg"}, now=T0)
    put(store, "t", chat=2)
    assert q.voice_file_in_use(c, "/spool/a.ogg")
    assert not q.voice_file_in_use(c, "/spool/b.ogg")
    n = q.counts(c, T0)
    assert n.by_status["NEW"] == 2 and n.oldest_new_at is not None


def test_pool_threads_claim_each_row_once_and_chats_one_at_a_time(pg_url: str) -> None:
    """8 threads on a psycopg-pool pool, 400 rows in 20 chats: each row claimed once,
    a chat never in two hands at once, each chat's rows in id order."""
    from organizer.db.pg_connect import open_pool

    pool = open_pool(pg_url, min_size=2, max_size=8)
    with pool.connection() as c:
        for i in range(400):
            pg_queue.enqueue(c, message_key=f"k{i}", chat_id=i % 20, kind="text",
                             payload={}, now=T0)
    in_hand: dict[int, str] = {}
    order: dict[int, list[int]] = {}
    errors: list[str] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        idle = 0
        while idle < 20:
            with pool.connection() as c:
                row = pg_queue.claim(c, name, T0, 60)
                if row is None:
                    idle += 1
                    continue
                idle = 0
                with lock:
                    if row.chat_id in in_hand:
                        errors.append(f"chat {row.chat_id} in {in_hand[row.chat_id]} and {name}")
                    in_hand[row.chat_id] = name
                    order.setdefault(row.chat_id, []).append(row.id)
                with lock:
                    del in_hand[row.chat_id]
                if not pg_queue.complete(c, row.id, name, T0):
                    errors.append(f"{name} lost row {row.id}")

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    pool.close()
    assert not errors
    assert sum(len(v) for v in order.values()) == 400
    assert all(ids == sorted(ids) and len(ids) == 20 for ids in order.values())


def test_a_claim_in_flight_holds_its_chat_against_other_workers(pg_url: str) -> None:
    """Worker A has claimed the chat's text row but not committed yet; the chat's voice
    row comes out of its back-off. Worker B must not take it (that would be the chat in
    two hands): B's snapshot cannot see A's claim, the chat's advisory lock can."""
    from organizer.db.pg_connect import open_pg

    a, b = open_pg(pg_url), open_pg(pg_url)
    voice, _ = pg_queue.enqueue(a, message_key="v", chat_id=7, kind="voice", payload={},
                                now=T0)
    text, _ = pg_queue.enqueue(a, message_key="t", chat_id=7, kind="text", payload={},
                               now=T0)
    assert pg_queue.claim(a, "A", T0, 600)
    assert pg_queue.defer(a, voice, "A", T0, 60, "asr down")
    later = T0 + timedelta(seconds=61)
    with a.transaction():  # A's claim of the text row, not committed yet
        held = pg_queue.claim(a, "A", T0, 600)
        assert held is not None and held.id == text
        assert pg_queue.claim(b, "B", later, 600) is None
    assert pg_queue.claim(b, "B", later, 600) is None  # committed: the chat is A's
    assert pg_queue.complete(a, text, "A", later)
    taken = pg_queue.claim(b, "B", later, 600)
    assert taken is not None and taken.id == voice
    a.close()
    b.close()
