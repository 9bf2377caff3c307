"""The HTTP API's SQL: items listed by filter, a text put into the inbox.

Each call opens its own short-lived connection (read-only for the listing), so a
request never shares a connection with another or with the service's heartbeat.
Raises OrganizerError / sqlite3.Error for a database that cannot be used; the API
answers those with 503.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

from organizer.db import queue
from organizer.db.connect import open_db

# The columns /items may filter on (the names go into SQL, so only these).
ITEM_FILTERS = ("status", "type", "chat_id", "cal_state")
ITEM_COLUMNS = (
    "id", "chat_id", "type", "status", "title", "start_at", "end_at", "all_day", "rrule",
    "tz", "cal_state", "inbox_id", "created_at",
)  # fmt: skip


def list_items(
    db_path: Path, filters: Mapping[str, Any], limit: int
) -> list[dict[str, Any]]:
    """Items, newest first; a filter whose value is None is not applied."""
    where, args = [], []
    for col in ITEM_FILTERS:
        value = filters.get(col)
        if value is not None:
            where.append(f"{col} = ?")
            args.append(value)
    sql = f"SELECT {', '.join(ITEM_COLUMNS)} FROM items"
    sql += (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC LIMIT ?"
    with closing(open_db(db_path, readonly=True)) as conn:
        rows: list[sqlite3.Row] = conn.execute(sql, (*args, limit)).fetchall()
    return [dict(r) for r in rows]


def submit_text(
    db_path: Path, *, message_key: str, chat_id: int, user_id: int | None, text: str,
    lang: str | None, now: datetime, max_attempts: int,
) -> tuple[int, bool]:  # fmt: skip
    """Enqueue a text row (source `api`); (inbox id, created) — the key twice enqueues once."""
    payload = {"text": text, "message_id": None, "lang": lang}
    with closing(open_db(db_path)) as conn:
        return queue.enqueue(
            conn, message_key=message_key, chat_id=chat_id, user_id=user_id, kind="text",
            payload=payload, now=now, source="api", max_attempts=max_attempts,
        )  # fmt: skip
