"""The HTTP API's SQL: items listed by filter, a text put into the inbox.

Each call opens its own short-lived connection to DB_URL's store (read-only for the
listing), so a request never shares a connection with another or with the service's
heartbeat. Raises OrganizerError / sqlite3.Error for a database that cannot be used;
the API answers those with 503. The SQL is the same on both stores; the enqueue goes
through organizer.db.queue (its PostgreSQL twin on PostgreSQL), where the message key
is unique, so two API instances given one key enqueue once.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import closing
from datetime import datetime
from typing import TYPE_CHECKING, Any

from organizer.db import queue
from organizer.db.store import open_store

if TYPE_CHECKING:
    from organizer.config import Settings

# The columns /items may filter on (the names go into SQL, so only these).
ITEM_FILTERS = ("status", "type", "chat_id", "cal_state")
ITEM_COLUMNS = (
    "id", "chat_id", "type", "status", "title", "start_at", "end_at", "all_day", "rrule",
    "tz", "cal_state", "inbox_id", "created_at",
)  # fmt: skip


def list_items(
    settings: Settings, filters: Mapping[str, Any], limit: int
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
    with closing(open_store(settings, readonly=True)) as conn:
        rows = conn.execute(sql, (*args, limit)).fetchall()
    return [dict(r) for r in rows]


def submit_text(
    settings: Settings, *, message_key: str, chat_id: int, user_id: int | None, text: str,
    lang: str | None, now: datetime, max_attempts: int,
) -> tuple[int, bool]:  # fmt: skip
    """Enqueue a text row (source `api`); (inbox id, created) — the key twice enqueues once."""
    payload = {"text": text, "message_id": None, "lang": lang}
    with closing(open_store(settings)) as conn:
        return queue.enqueue(
            conn, message_key=message_key, chat_id=chat_id, user_id=user_id, kind="text",
            payload=payload, now=now, source="api", max_attempts=max_attempts,
        )  # fmt: skip
