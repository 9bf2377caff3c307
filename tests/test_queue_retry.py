"""`organizer queue retry --failed` really re-runs a failed message (issue 17)."""

from __future__ import annotations

import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from conftest import ORGANIZER, make_env
from organizer.config import Settings
from organizer.db import outbox, queue
from organizer.db.connect import transaction
from organizer.handlers import build_plugins
from organizer.model import InboxRow, utcnow
from organizer.worker import Context, Plugins, Worker


def _failed_text_row(conn: sqlite3.Connection, settings: Settings, notice: bool) -> int:
    """A text row that failed for good; with `notice`, after telling the user so."""
    now = utcnow()
    rid, _ = queue.enqueue(
        conn, message_key="tg:msg:7:1", chat_id=7, kind="text",
        payload={"text": "buy milk tomorrow"}, now=now, max_attempts=1,
    )

    def broken(ctx: Context, row: InboxRow) -> None:
        if notice:
            with transaction(ctx.conn):
                outbox.enqueue(
                    ctx.conn, chat_id=row.chat_id, text="sorry, that failed", now=ctx.now,
                    dedup_key=f"reply:{row.id}", inbox_id=row.id,
                )
        raise RuntimeError("database was busy")

    assert Worker(settings, conn, Plugins(handlers={"text": broken})).step(now)
    row = queue.get(conn, rid)
    assert row and row.status == "FAILED"
    return rid


def _retry_and_run(conn: sqlite3.Connection, settings: Settings, db_path: Path, rid: int) -> None:
    out = subprocess.run(
        [ORGANIZER, "queue", "retry", "--failed"], env=make_env(db_path),
        capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "1 failed row(s) back in the queue" in out.stdout
    row = queue.get(conn, rid)
    assert row and row.status == "NEW" and row.attempts == 0
    assert Worker(settings, conn, build_plugins(settings, conn)).step(datetime.now(UTC))
    row = queue.get(conn, rid)
    assert row and row.status == "DONE"


def _replies(conn: sqlite3.Connection, rid: int) -> list[str]:
    rows = conn.execute("SELECT text FROM outbox WHERE inbox_id = ? ORDER BY id", (rid,))
    return [r[0] or "" for r in rows]


def test_retry_failed_reruns_a_text_row(
    conn: sqlite3.Connection, settings: Settings, db_path: Path
) -> None:
    rid = _failed_text_row(conn, settings, notice=False)
    _retry_and_run(conn, settings, db_path, rid)
    replies = _replies(conn, rid)
    assert len(replies) == 1 and "milk" in replies[0].lower()


def test_retry_failed_reruns_a_row_that_already_sent_a_failure_notice(
    conn: sqlite3.Connection, settings: Settings, db_path: Path
) -> None:
    """Before: the notice counted as the answer, so the retried row went DONE untouched."""
    rid = _failed_text_row(conn, settings, notice=True)
    _retry_and_run(conn, settings, db_path, rid)
    replies = _replies(conn, rid)
    assert len(replies) == 1 and "milk" in replies[0].lower()
    assert conn.execute(
        "SELECT COUNT(*) FROM outbox WHERE text = 'sorry, that failed'"
    ).fetchone()[0] == 1
