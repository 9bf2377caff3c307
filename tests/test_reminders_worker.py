"""A real `organizer worker` process sends reminders on the wall clock; killed with
SIGKILL mid-way and restarted, it loses none and doubles none, and a backlog from
three hours of downtime goes out once, marked late. On PostgreSQL two workers tick the
same reminders at once (one of them killed and restarted): still each sent once."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from conftest import ORGANIZER, make_env, wait_until
from organizer import reminders
from organizer.config import Settings
from organizer.db import items as items_db
from organizer.db.connect import transaction
from organizer.model import utcnow

pytestmark = [pytest.mark.slow, pytest.mark.stores]


def _item(
    conn: sqlite3.Connection, title: str, start: datetime, made_at: datetime, chat_id: int = 1
) -> int:
    with transaction(conn):
        item_id, _ = items_db.insert(
            conn, chat_id=chat_id, inbox_id=None, type="task", title=title, status="OPEN",
            start=start, end=None, all_day=False, rrule=None, tz="Europe/Berlin",
            source_text=title, lang="ru", now=made_at,
        )  # fmt: skip
        reminders.on_item_changed(conn, item_id, made_at)
    return item_id


def _start(db_path: Path, db_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = make_env(db_path, db_url, ORGANIZER_TZ="Europe/Berlin", LOG_LEVEL="INFO")
    return subprocess.Popen(
        [ORGANIZER, "worker"], env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )


def _sent(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT dedup_key, item_id, text FROM outbox WHERE dedup_key LIKE 'remind:%'"
    ).fetchall()


def test_worker_killed_and_restarted_sends_each_reminder_once(
    db_path: Path, db_url: str, conn: sqlite3.Connection, tmp_path: Path,
    rem_settings: Settings, store: str,
) -> None:
    reminders.configure(rem_settings)
    now = utcnow()
    # planned before a 3-hour outage: due 3 hours ago, never sent
    backlog = _item(
        conn, "Позвонить маме", now - timedelta(hours=3), now - timedelta(hours=3, minutes=5)
    )
    # due over the next seconds, while the worker is killed and restarted
    soon = [
        _item(conn, f"Задача {i}", now + timedelta(seconds=2 * i), now, chat_id=10 + i)
        for i in range(1, 7)
    ]
    log = tmp_path / "worker.log"
    # PostgreSQL: a second worker ticks beside the one killed and restarted
    other = _start(db_path, db_url, log) if store == "postgresql" else None
    proc = _start(db_path, db_url, log)
    try:
        wait_until(lambda: len(_sent(conn)) >= 2, timeout=30)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        proc = _start(db_path, db_url, log)
        wait_until(lambda: len(_sent(conn)) >= 7, timeout=40)
        for p in (proc, other):
            if p is not None:
                p.send_signal(signal.SIGTERM)
                assert p.wait(timeout=15) == 0
    finally:
        for p in (proc, other):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait(timeout=10)
    rows = _sent(conn)
    assert sorted(r["item_id"] for r in rows) == sorted([backlog, *soon]), log.read_text()[-3000:]
    texts = {r["item_id"]: r["text"] for r in rows}
    assert texts[backlog] == "⏰ Напоминание: Позвонить маме (опоздало на 3 ч)"
    statuses = conn.execute(
        "SELECT status, COUNT(*) FROM reminders WHERE item_id IS NOT NULL GROUP BY status"
    ).fetchall()
    assert [tuple(s) for s in statuses] == [("SENT", 7)]
    late = conn.execute("SELECT item_id FROM reminders WHERE late = 1").fetchall()
    assert [r[0] for r in late] == [backlog]
