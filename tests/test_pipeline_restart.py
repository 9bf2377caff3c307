"""A clarifying question survives a restart of a real `organizer worker` process.

The question is asked by one worker process, that process dies (SIGKILL: no chance
to tidy up), a new one starts, and the answer completes the SAME item.
"""

from __future__ import annotations

import signal
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import ORGANIZER, make_env, wait_until
from organizer.db import queue
from organizer.model import from_db, utcnow

MSK = ZoneInfo("Europe/Moscow")


def start_worker(db_path: Path, log: Path, db_url: str | None = None) -> subprocess.Popen[bytes]:
    # A short lease: a row the killed worker held (reply committed, `complete` not yet)
    # comes back within seconds, is seen as answered, and the chat moves on.
    env = make_env(
        db_path, db_url, ORGANIZER_TZ="Europe/Moscow", CALENDAR_BACKEND="none",
        WORKER_LEASE_SEC="2",
    )  # fmt: skip
    return subprocess.Popen(
        [ORGANIZER, "worker"], env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )


def say(conn, chat_id: int, n: int, text: str) -> int:
    row_id, _ = queue.enqueue(
        conn,
        message_key=f"tg:msg:{chat_id}:{n}",
        chat_id=chat_id,
        kind="text",
        payload={"text": text, "message_id": n, "lang": None},
        now=utcnow(),
    )
    return row_id


def wait_reply(conn, row_id: int, log: Path) -> str:
    try:
        return str(wait_until(lambda: reply_to(conn, row_id), timeout=60))
    except AssertionError:
        raise AssertionError(f"no reply to row {row_id}; worker log:\n{log.read_text()}") from None


def reply_to(conn, row_id: int) -> str | None:
    r = conn.execute(
        "SELECT text FROM outbox WHERE dedup_key = ?", (f"reply:{row_id}",)
    ).fetchone()
    return r[0] if r else None


@pytest.mark.stores
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_clarify_across_worker_restart(
    db_path: Path, db_url: str, conn, tmp_path: Path, how: signal.Signals
):
    log = tmp_path / "worker.log"
    worker = start_worker(db_path, log, db_url)
    try:
        q = say(conn, 7, 1, "встреча с Петей")
        question = wait_reply(conn, q, log)
        assert question.startswith("Когда «Встреча с Петей»?")
        worker.send_signal(how)
        assert worker.wait(timeout=15) == (0 if how == signal.SIGTERM else -signal.SIGKILL)
        # between the two processes, the question is only in the database
        (draft,) = conn.execute("SELECT * FROM items").fetchall()
        assert draft["status"] == "DRAFT"
        assert conn.execute("SELECT item_id FROM clarify WHERE chat_id = 7").fetchone()[0] == (
            draft["id"]
        )
        a = say(conn, 7, 2, "завтра в 15")
        worker = start_worker(db_path, log, db_url)
        answer = wait_reply(conn, a, log)
        assert answer.startswith("Добавил встречу: Встреча с Петей — завтра,")
        (item,) = conn.execute("SELECT * FROM items").fetchall()
        assert item["id"] == draft["id"] and item["status"] == "OPEN"
        tomorrow = (datetime.now(MSK) + timedelta(days=1)).date()
        start = from_db(item["start_at"]).astimezone(MSK)
        assert (start.date(), start.hour) == (tomorrow, 15)
        assert conn.execute("SELECT COUNT(*) FROM clarify").fetchone()[0] == 0
        wait_until(lambda: queue.get(conn, a).status == "DONE", timeout=30)
        wait_until(lambda: queue.get(conn, q).status == "DONE", timeout=30)
        n = conn.execute("SELECT COUNT(*) FROM outbox WHERE inbox_id = ?", (q,)).fetchone()[0]
        assert n == 1  # the question was asked once, even if its row ran twice
    finally:
        if worker.poll() is None:
            worker.terminate()
            assert worker.wait(timeout=15) == 0
    assert "Traceback" not in log.read_text()
