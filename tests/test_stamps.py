"""Rows are stamped with the `now` the worker was given, not the wall clock (issue 15).

Each test runs at a `now` years away from the wall clock, so a stamp read from the
wall clock shows at once.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime

from organizer import sync
from organizer.config import Settings
from organizer.db import items, queue
from organizer.model import InboxRow, from_db, to_db
from organizer.worker import Context, Plugins, Worker

FAR = datetime(2041, 3, 4, 5, 6, tzinfo=UTC)  # nowhere near the wall clock


def test_a_row_released_at_shutdown_is_stamped_from_the_steps_now(
    conn: sqlite3.Connection, settings: Settings
) -> None:
    """Before: `_release_abandoned` stamped next_attempt_at/updated_at with utcnow()."""
    started = threading.Event()

    def hang(ctx: Context, row: InboxRow) -> None:
        started.set()
        time.sleep(30)  # a remote call that will not answer in time

    rid, _ = queue.enqueue(conn, message_key="slow", chat_id=1, kind="voice", payload={}, now=FAR)
    w = Worker(settings, conn, Plugins(handlers={"voice": hang}))
    threading.Thread(target=lambda: (started.wait(5), w.stop.set()), daemon=True).start()
    assert w.step(FAR)
    row = queue.get(conn, rid)
    assert row is not None and row.status == "NEW"
    for stamp in (row.updated_at, row.next_attempt_at):
        assert 0 <= (from_db(stamp) - FAR).total_seconds() < 10, stamp


def test_a_background_calendar_pass_runs_at_the_ticks_now(
    conn: sqlite3.Connection, settings: Settings
) -> None:
    """Before: the pass ran at utcnow(), so a row due at the tick's `now` waited."""
    item_id, _ = items.insert(
        conn, chat_id=1, inbox_id=None, type="meeting", title="x", status="OPEN",
        start=FAR, end=None, all_day=False, rrule=None, tz="UTC", source_text=None,
        lang=None, now=FAR,
    )  # fmt: skip
    conn.execute(
        "UPDATE items SET cal_state = 'PENDING', cal_op = 'upsert', next_attempt_at = ?"
        " WHERE id = ?",
        (to_db(FAR), item_id),
    )
    bg = sync.Background(settings.replace(calendar_backend="none"))
    assert bg.tick(FAR)
    assert bg.thread is not None
    bg.thread.join(timeout=10)
    state = conn.execute("SELECT cal_state FROM items WHERE id = ?", (item_id,)).fetchone()[0]
    assert state == "LOCAL"
