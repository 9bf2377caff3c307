"""The outbox: replies written by the worker, delivered by the bot.

Producers call `enqueue`; `dedup_key` (e.g. "reply:<inbox_id>") makes a reply to a
message that is processed twice a no-op the second time.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from organizer.model import to_db


@dataclass(frozen=True)
class OutboxRow:
    id: int
    chat_id: int
    kind: str
    dedup_key: str | None
    text: str | None
    parse_mode: str | None
    reply_markup: str | None
    target_message_id: int | None
    target_outbox_id: int | None
    callback_query_id: str | None
    item_id: int | None
    inbox_id: int | None
    status: str
    attempts: int
    next_attempt_at: str
    last_error: str | None
    tg_message_id: int | None
    created_at: str
    sent_at: str | None


Keyboard = list[list[dict[str, str]]]  # rows of {"text": …, "callback_data": …}


def enqueue(
    conn: sqlite3.Connection,
    *,
    chat_id: int,
    text: str | None,
    now: datetime,
    kind: str = "send",
    dedup_key: str | None = None,
    keyboard: Keyboard | None = None,
    parse_mode: str | None = None,
    target_message_id: int | None = None,
    target_outbox_id: int | None = None,
    callback_query_id: str | None = None,
    item_id: int | None = None,
    inbox_id: int | None = None,
) -> int | None:
    """Add a reply; returns its id, or None when dedup_key was already used.

    Runs inside the caller's transaction when there is one (so the item change and
    its reply commit together); otherwise it is its own autocommit statement.
    """
    markup: Any = (
        json.dumps({"inline_keyboard": keyboard}, ensure_ascii=False) if keyboard else None
    )
    cur = conn.execute(
        "INSERT INTO outbox (chat_id, kind, dedup_key, text, parse_mode, reply_markup,"
        " target_message_id, target_outbox_id, callback_query_id, item_id, inbox_id,"
        " next_attempt_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (dedup_key) DO NOTHING",
        (
            chat_id,
            kind,
            dedup_key,
            text,
            parse_mode,
            markup,
            target_message_id,
            target_outbox_id,
            callback_query_id,
            item_id,
            inbox_id,
            to_db(now),
            to_db(now),
        ),
    )
    return int(cur.lastrowid) if cur.rowcount == 1 and cur.lastrowid else None


def get(conn: sqlite3.Connection, outbox_id: int) -> OutboxRow | None:
    r = conn.execute("SELECT * FROM outbox WHERE id = ?", (outbox_id,)).fetchone()
    return None if r is None else OutboxRow(**dict(r))
