"""End to end: a chat message through the real worker (pipeline + calendar job) into
the fake Google calendar — the contract between the pipeline and organizer.sync."""

from __future__ import annotations

import sqlite3
from typing import Any

from conftest import wait_until
from fixtures.calendar import GOOGLE_CALENDAR_ID
from organizer.config import Settings
from organizer.db import queue
from organizer.handlers import build_plugins
from organizer.model import utcnow
from organizer.worker import Worker


def _send(conn: sqlite3.Connection, n: int, text: str) -> None:
    queue.enqueue(
        conn,
        message_key=f"chat:1:{n}",
        chat_id=1,
        kind="text",
        payload={"text": text, "message_id": n, "lang": "ru"},
        now=utcnow(),
        source="chat",
    )


def test_message_to_event_then_reschedule_then_cancel(
    google_settings: Settings, conn: sqlite3.Connection, fake_google: Any
) -> None:
    worker = Worker(google_settings, conn, build_plugins(google_settings, conn))

    def settle(pred: Any) -> Any:
        def check() -> Any:
            worker.step(utcnow())
            return pred()

        return wait_until(check, timeout=20, interval=0.05)

    def meeting() -> sqlite3.Row | None:
        return conn.execute("SELECT * FROM items WHERE type = 'meeting'").fetchone()

    _send(conn, 1, "завтра в 15 встреча с Петей")
    settle(lambda: (m := meeting()) is not None and m["cal_state"] == "SYNCED")
    row = meeting()
    assert row is not None
    [ev] = fake_google.live_events(GOOGLE_CALENDAR_ID)
    assert ev["id"] == row["cal_event_id"] and ev["iCalUID"] == row["cal_uid"]
    assert "15:00:00" in ev["start"]["dateTime"]

    _send(conn, 2, "перенеси встречу с Петей на 17")
    settle(lambda: (m := meeting()) is not None and m["cal_state"] == "SYNCED"
           and "17:00:00" in fake_google.live_events()[0]["start"]["dateTime"])
    assert [e["id"] for e in fake_google.live_events()] == [row["cal_event_id"]]

    _send(conn, 3, "отмени встречу с Петей")
    settle(lambda: fake_google.live_events() == [])
    row = meeting()
    assert row is not None and row["cal_op"] == "delete"
    settle(lambda: (m := meeting()) is not None and m["cal_state"] == "SYNCED")
    assert len(fake_google.all_events()) == 1  # one event ever, now cancelled
