"""Two `organizer worker` processes on one store answer a burst of many chats.

On PostgreSQL the workers really run in parallel (the queue's per-chat lock keeps a
chat's messages in order and one at a time); on SQLite they share the single writer.
Either way: every message answered exactly once, each chat's replies in the order its
messages came, and a question asked in one message answered by the chat's next one
completes the same item (which needs that order).
"""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest

from conftest import ORGANIZER, make_env, wait_until
from organizer.db import queue
from organizer.model import utcnow

pytestmark = pytest.mark.stores

CHATS = 8
ROUNDS = 4  # per chat: a question, its answer, a task, … (4 messages a round)


def _burst(conn: sqlite3.Connection) -> int:
    n = 0
    for r in range(ROUNDS):
        for chat in range(CHATS):
            for text in (f"встреча с Петей {r}", "завтра в 15", f"купить хлеб {r}"):
                n += 1
                queue.enqueue(conn, message_key=f"tg:msg:{chat}:{n}", chat_id=900 + chat,
                              kind="text", payload={"text": text, "message_id": n, "lang": None},
                              now=utcnow())  # fmt: skip
    return n


def test_two_workers_answer_every_chat_once_and_in_order(
    conn: sqlite3.Connection, db_path: Path, db_url: str, tmp_path: Path
) -> None:
    n = _burst(conn)
    env = make_env(db_path, db_url, ORGANIZER_TZ="Europe/Moscow", CALENDAR_BACKEND="none")
    log = (tmp_path / "workers.log").open("ab")
    workers = [subprocess.Popen([ORGANIZER, "worker"], env=env, stdout=log,
                                stderr=subprocess.STDOUT) for _ in range(2)]  # fmt: skip
    try:
        wait_until(lambda: conn.execute(
            "SELECT COUNT(*) FROM inbox_queue WHERE status = 'DONE'").fetchone()[0] == n,
            timeout=60)  # fmt: skip
    finally:
        for w in workers:
            w.terminate()
        codes = [w.wait(timeout=15) for w in workers]
        log.close()
    assert codes == [0, 0]
    rows = conn.execute(
        "SELECT q.chat_id, q.id, o.id, o.text FROM inbox_queue q"
        " JOIN outbox o ON o.inbox_id = q.id AND o.kind = 'send' ORDER BY q.chat_id, q.id"
    ).fetchall()
    assert len(rows) == n  # one reply per message (the join would double a second one)
    for chat in range(CHATS):
        mine = [r for r in rows if r[0] == 900 + chat]
        assert [r[2] for r in mine] == sorted(r[2] for r in mine)  # replies in message order
        assert sum(r[3].startswith("Добавил встречу: Встреча с Петей") for r in mine) == ROUNDS
    items = conn.execute("SELECT type, status FROM items").fetchall()
    assert sorted(tuple(i) for i in items) == sorted(
        [("meeting", "OPEN")] * (CHATS * ROUNDS) + [("task", "OPEN")] * (CHATS * ROUNDS)
    )
