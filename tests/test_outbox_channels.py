"""The bot leaves `organizer chat` conversations alone: Telegram does not know those chats."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from organizer.db import outbox, queue

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
pytestmark = pytest.mark.stores  # the delivery query, on both stores


def test_chat_only_conversations_are_not_delivered_to_telegram(conn: sqlite3.Connection) -> None:
    queue.enqueue(conn, message_key="chat:1:1", chat_id=1, kind="text", payload={}, now=T0,
                  source="chat")
    queue.enqueue(conn, message_key="tg:msg:2:1", chat_id=2, kind="text", payload={}, now=T0)
    outbox.enqueue(conn, chat_id=1, text="for the terminal", now=T0)
    outbox.enqueue(conn, chat_id=2, text="for Telegram", now=T0)
    outbox.enqueue(conn, chat_id=3, text="a reminder for a chat we have no message from", now=T0)
    assert {r.chat_id for r in outbox.ready(conn, T0)} == {2, 3}
