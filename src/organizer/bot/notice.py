"""The short notice a person gets when a reply to them finally could not be delivered.

No notice when the chat itself is out of reach (the person blocked the bot, the chat
is gone): it could not be delivered either. No notice about a notice, nor about a
callback answer (the button's spinner just stops).
"""

from __future__ import annotations

import json
import re
import sqlite3

from organizer.bot.texts import say
from organizer.db.outbox import NOTICE_PREFIX, OutboxRow

QUOTE_CHARS = 60
# Telegram's words for "this chat can't receive anything from the bot".
UNREACHABLE = (
    "forbidden",
    "blocked",
    "chat not found",
    "user not found",
    "deactivated",
    "peer_id_invalid",
    "bot can't initiate",
    "kicked",
    "have no rights",
    "not enough rights",
)


def _quote(text: str) -> str:
    text = " ".join(re.sub(r"<[^>]*>", "", text).split())  # an HTML reply quoted as plain text
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…"


def _inbox(conn: sqlite3.Connection, inbox_id: int | None) -> tuple[str, dict[str, object]]:
    if inbox_id is None:
        return "", {}
    r = conn.execute("SELECT kind, payload FROM inbox_queue WHERE id = ?", (inbox_id,)).fetchone()
    if r is None:
        return "", {}
    try:
        payload = json.loads(r[1] or "{}")
    except ValueError:
        payload = {}
    return str(r[0]), payload if isinstance(payload, dict) else {}


def _lang(conn: sqlite3.Connection, chat_id: int, payload: dict[str, object]) -> str | None:
    r = conn.execute("SELECT lang FROM users WHERE chat_id = ?", (chat_id,)).fetchone()
    if r is not None and r[0]:
        return str(r[0])
    lang = payload.get("lang")
    return str(lang) if lang else None


def notice_for(conn: sqlite3.Connection, row: OutboxRow, error: str) -> str | None:
    """The notice text for `row` failing with `error`, or None when none is due."""
    if row.kind == "callback_answer" or (row.dedup_key or "").startswith(NOTICE_PREFIX):
        return None
    if any(word in error.lower() for word in UNREACHABLE):
        return None
    kind, payload = _inbox(conn, row.inbox_id)
    lang = _lang(conn, row.chat_id, payload)
    if kind == "voice":
        return say("undelivered_voice", lang)
    asked = payload.get("text") or payload.get("command")
    if kind and isinstance(asked, str) and asked.strip():
        quote = asked if kind != "command" else f"/{asked} {payload.get('args') or ''}".strip()
        return say("undelivered_reply", lang, quote=_quote(quote))
    if row.text:
        return say("undelivered_other", lang, quote=_quote(row.text))
    return None
