"""Clarifying questions nobody answered: settled after CLARIFY_TTL_SEC.

A titled draft is kept as a task, an untitled one is dropped, a reschedule question
leaves the item as it was; the person is told. Runs on the worker's timer
(`expire_job`) and, for the chat at hand, before each of its messages.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime

from organizer import reminders
from organizer.config import Settings
from organizer.db import clarify, items, outbox, users
from organizer.db.connect import transaction
from organizer.model import to_db
from organizer.pipeline import replies

log = logging.getLogger(__name__)


def settle_question(
    conn: sqlite3.Connection,
    settings: Settings,
    q: clarify.Question,
    now: datetime,
    tz: str,
    *,
    quiet: bool = False,
) -> str | None:
    """Close an unanswered question: a titled draft is kept as a task, an untitled one
    is dropped, a reschedule question leaves the item as it was. The person is told
    (an outbox message), unless `quiet`, where the text is returned for the caller's
    own reply instead. Runs inside the caller's transaction."""
    clarify.close(conn, q.chat_id, q.item_id)
    item = items.get(conn, q.item_id)
    lang = q.lang or (item.lang if item else None) or "ru"
    if item is None:
        return None
    keyboard: replies.Keyboard = []
    if q.purpose == "reschedule" or item.status != "DRAFT":
        text = replies.no_new_time_text(item, tz=tz, now=now, lang=lang)
    elif item.title:
        all_day = item.start_at is not None
        items.update(conn, item.id, now, type="task", status="OPEN", end_at=None,
                     all_day=all_day)  # fmt: skip
        reminders.on_item_changed(conn, item.id, now)
        item = items.get(conn, item.id)
        assert item is not None
        text = replies.expired_kept_text(item, tz=tz, now=now, lang=lang, replaced=quiet)
        keyboard = replies.item_keyboard(item, lang)
    else:
        items.update(conn, item.id, now, status="CANCELLED")
        reminders.on_item_changed(conn, item.id, now)
        text = replies.expired_dropped_text(lang)
    log.info("clarify chat=%d item=%d expired -> %s", q.chat_id, q.item_id, item.status)
    if quiet:
        return text
    outbox.enqueue(
        conn,
        chat_id=q.chat_id,
        text=text,
        now=now,
        dedup_key=f"clarify:{q.chat_id}:{q.item_id}:{to_db(q.created_at)}",
        keyboard=keyboard or None,
        item_id=item.id,
    )
    return text


def settle_expired(
    conn: sqlite3.Connection, settings: Settings, now: datetime, *, chat_id: int | None = None
) -> int:
    """Settle every question past its CLARIFY_TTL_SEC (or only `chat_id`'s: the chat
    whose message is in hand). The timer's pass takes its questions (take_expired), so
    on PostgreSQL it never settles one in a chat another worker is answering."""
    if chat_id is not None:
        q = clarify.get(conn, chat_id)
        due = [q] if q is not None and q.expired(now) else []
    else:
        due = clarify.take_expired(conn, now)
    for q in due:
        tz = users.tz_for(conn, q.chat_id, settings.organizer_tz)
        settle_question(conn, settings, q, now, tz)
    return len(due)


def expire_job(settings: Settings, conn: sqlite3.Connection) -> Callable[[datetime], int]:
    def run(now: datetime) -> int:
        with transaction(conn):
            return settle_expired(conn, settings, now)

    return run
