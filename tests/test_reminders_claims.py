"""Two workers tick the same due reminders at the same moment: each goes out once.

On SQLite the tick's BEGIN IMMEDIATE makes one tick wait for the other. On PostgreSQL
both run at once (READ COMMITTED): each tick TAKES its rows (FOR UPDATE SKIP LOCKED), so
neither sends, moves a series on or plans a next occurrence twice; and a chat that a
worker holds (an inbox row CLAIMED) is left to a later tick, because the reminder writes
that chat's rows. Real ticks on real connections, in threads started by a barrier.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta

import pytest

from fixtures.reminders import Rem, utc
from organizer import reminders
from organizer.db import queue
from organizer.db.store import open_store

START = utc(2026, 11, 2, 10, 0)


def _tick_together(rem: Rem, ticks: int) -> list[reminders.TickResult]:
    """`ticks` ticks, each on its own connection, let go at once; their results."""
    conns = [open_store(rem.settings) for _ in range(ticks)]
    gate = threading.Barrier(ticks, timeout=10)
    results: list[reminders.TickResult] = []
    errors: list[BaseException] = []

    def run(conn: sqlite3.Connection) -> None:
        try:
            gate.wait()
            results.append(reminders.tick(conn, rem.now, batch=7))
        except BaseException as e:  # surfaced below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(c,)) for c in conns]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    finally:
        for c in conns:
            c.close()
    assert not errors and not any(t.is_alive() for t in threads), errors
    return results


@pytest.mark.stores
def test_two_ticks_at_once_send_each_reminder_once(rem: Rem) -> None:
    rem.now = START - timedelta(hours=1)
    one_offs = [rem.item(title=f"Задача {i}", start=START + timedelta(minutes=i), chat_id=500 + i)
                for i in range(30)]  # fmt: skip
    series = [rem.item(title=f"Таблетки {i}", start=START + timedelta(minutes=i),
                       rrule="FREQ=DAILY", chat_id=600 + i) for i in range(10)]  # fmt: skip
    rem.now = START + timedelta(minutes=45)

    results = _tick_together(rem, 3)

    assert sum(r.failed for r in results) == 0
    assert sum(r.sent for r in results) == len(one_offs) + len(series)  # not 2x, not less
    sent = rem.sent()
    assert sorted(r["item_id"] for r in sent) == sorted(one_offs + series)
    for item_id in series:  # moved on once: exactly one next occurrence, planned once
        assert [r["status"] for r in rem.rows(item_id)] == ["SENT", "PENDING"]
        assert rem.item_row(item_id).start_at == START + timedelta(minutes=series.index(item_id))


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_a_chat_a_worker_holds_is_reminded_after_its_message(rem: Rem) -> None:
    rem.now = START - timedelta(hours=1)
    busy = rem.item(title="Позвонить маме", start=START, chat_id=700)
    free = rem.item(title="Купить хлеб", start=START, chat_id=701)
    row_id, _ = queue.enqueue(rem.conn, message_key="m:1", chat_id=700, kind="text",
                              payload={"text": "привет"}, now=rem.now)  # fmt: skip
    held = queue.claim(rem.conn, "other-worker", rem.now, 60.0)
    assert held is not None and held.id == row_id
    rem.now = START
    assert [r["item_id"] for r in rem.sent()] == [] and rem.tick().sent == 1
    assert [r["item_id"] for r in rem.sent()] == [free]  # the held chat waits
    assert queue.complete(rem.conn, row_id, "other-worker", rem.now)
    assert rem.tick(START + timedelta(seconds=1)).sent == 1
    assert [r["item_id"] for r in rem.sent()] == [free, busy]
