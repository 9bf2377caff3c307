"""Answering a button press: the toast (callback_answer) and the pressed message's edit.

Shared by the conversation's buttons (organizer.pipeline.buttons) and the reminders'
(organizer.reminders.buttons), so a press is answered the same way everywhere: the toast
keyed `cbans:<inbox_id>`, the edit `edit:<inbox_id>`, a new message `reply:<inbox_id>`
(one of each per press, however often the row is processed).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from organizer.db import outbox
from organizer.model import InboxRow

MAX_TOAST = 190  # Telegram cuts a callback answer at 200 characters


def payload_of(row: InboxRow) -> dict[str, Any]:
    """The row's JSON payload, or {} when it is not an object (buttons never fail on it)."""
    try:
        value = json.loads(row.payload or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def toast(
    conn: sqlite3.Connection, row: InboxRow, now: datetime, text: str | None,
    payload: dict[str, Any], item_id: int | None = None,
) -> None:  # fmt: skip
    cq = payload.get("callback_query_id")
    outbox.enqueue(
        conn, chat_id=row.chat_id, kind="callback_answer",
        text=text[:MAX_TOAST] if text is not None else None, now=now,
        dedup_key=f"cbans:{row.id}", callback_query_id=str(cq) if cq else None,
        item_id=item_id, inbox_id=row.id,
    )  # fmt: skip


def edit(
    conn: sqlite3.Connection, row: InboxRow, now: datetime, text: str, message_id: int,
    keyboard: outbox.Keyboard | None, item_id: int | None = None, *, by_source: bool,
) -> None:  # fmt: skip
    """Rewrite the pressed message. `by_source`: a press in `organizer chat` names its
    message by outbox id (the terminal has no Telegram ids)."""
    if by_source and row.source == "chat":
        target: dict[str, int] = {"target_outbox_id": message_id}
    else:
        target = {"target_message_id": message_id}
    outbox.enqueue(
        conn, chat_id=row.chat_id, kind="edit", text=text, now=now,
        dedup_key=f"edit:{row.id}", keyboard=keyboard or None, item_id=item_id,
        inbox_id=row.id, **target,
    )  # fmt: skip


def answer_press(
    conn: sqlite3.Connection, row: InboxRow, now: datetime, text: str | None,
    *, edit_text: str | None = None, keyboard: outbox.Keyboard | None = None,
) -> None:  # fmt: skip
    """The reminders' answer: a toast and, when given, the pressed message rewritten (or,
    when the press named no message, the text as a new message)."""
    payload = payload_of(row)
    toast(conn, row, now, text, payload)
    mid = payload.get("message_id")
    if edit_text is not None and isinstance(mid, int):
        edit(conn, row, now, edit_text, mid, keyboard, by_source=False)
    elif edit_text is not None:
        outbox.enqueue(
            conn, chat_id=row.chat_id, text=edit_text, now=now, dedup_key=f"reply:{row.id}",
            keyboard=keyboard, inbox_id=row.id,
        )  # fmt: skip
