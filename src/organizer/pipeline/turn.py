"""One inbox row being handled: its context (chat, zone, language, clock) and its reply.

The shell's common ground: every handler builds a `Turn` from the worker's Context,
and every reply goes through `Turn.reply` — to the outbox (`reply:<inbox_id>`, in
the handler's transaction) or, for a button press, to the `sink` that turns it into
a toast and an edit.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from organizer import reminders
from organizer.config import Settings
from organizer.db import clarify, items, outbox, referent, users
from organizer.db import lists as lists_db
from organizer.model import InboxRow
from organizer.pipeline import busy, lists, longtext, replies
from organizer.pipeline.dialog import Parsed
from organizer.registry import Context, PermanentError

log = logging.getLogger(__name__)

MAX_PARSE_CHARS = 1000
MAX_TITLE_CHARS = longtext.TITLE_CHARS  # a title is a short phrase; the text is source_text
_SPACES = re.compile(r"\s+")


def load_payload(row: InboxRow) -> dict[str, Any]:
    try:
        payload = json.loads(row.payload)
    except (TypeError, ValueError) as e:
        raise PermanentError(f"payload is not JSON: {e}") from None
    if not isinstance(payload, dict):
        raise PermanentError(f"payload is {type(payload).__name__}, not an object")
    return payload


def parse(
    text: str, now: datetime, tz: str, canon_path: Path | None = None, *, whole: bool = False
) -> Parsed:
    """The parser (organizer.parsing.parse), normalised; never raises for odd text.
    `whole`: one item, never cut into several (organizer.parsing.parse)."""
    from organizer.canon import load_canon
    from organizer.parsing import parse as parse_text

    try:
        canon = load_canon(canon_path)  # cached per path; CANON_PATH was checked at start
        local_now = now.astimezone(ZoneInfo(tz))
        return Parsed.from_result(parse_text(text, local_now, tz, canon, whole=whole))
    except Exception:
        log.exception("parser failed on %d characters; treated as unknown", len(text))
        return Parsed("unknown", None, None, None, False, None, ())


def clean_text(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def title(text: str | None) -> str | None:
    """A title as stored: trimmed, capitalised, cut at a word to MAX_TITLE_CHARS."""
    if not text:
        return None
    text = text.strip()
    if not text:
        return None
    return longtext.short_title(text[0].upper() + text[1:])


@dataclass(frozen=True)
class Reply:
    text: str
    keyboard: replies.Keyboard | None = None
    item_id: int | None = None


@dataclass
class Turn:
    """One inbox row being handled: where to answer, in which zone and language."""

    conn: sqlite3.Connection
    settings: Settings
    row: InboxRow
    now: datetime
    tz: str
    lang: str
    prefix: str = ""  # e.g. the voice transcript, shown before the answer
    suffix: str = ""  # e.g. an open question shown again after a restart (lists_reply)
    # Where replies go instead of the outbox (a button press makes them toast + edit).
    sink: Callable[[Reply], None] | None = None

    @property
    def chat_id(self) -> int:
        return self.row.chat_id

    def reply(
        self, text: str, keyboard: replies.Keyboard | None = None, item_id: int | None = None
    ) -> None:
        if self.sink is not None:
            self.sink(Reply(text, keyboard, item_id))
            return
        outbox.enqueue(
            self.conn,
            chat_id=self.chat_id,
            text=self.prefix + text + self.suffix,
            now=self.now,
            dedup_key=f"reply:{self.row.id}",
            keyboard=keyboard or None,
            item_id=item_id,
            inbox_id=self.row.id,
        )


def make_turn(ctx: Context, row: InboxRow, *, payload_lang: Any, text: str | None) -> Turn:
    user = users.get(ctx.conn, row.chat_id)  # one read: zone and language (issue 19)
    tz = user.tz if user is not None and user.tz else ctx.settings.organizer_tz
    lang = replies.pick_lang(
        user_lang=user.lang if user else None,
        payload_lang=payload_lang if isinstance(payload_lang, str) else None,
        text=text,
    )
    return Turn(ctx.conn, ctx.settings, row, ctx.now, tz, lang)


def users_lang(t: Turn) -> str | None:
    user = users.get(t.conn, t.chat_id)
    return user.lang if user else None


def get_item(t: Turn, item_id: int) -> items.Item:
    item = items.get(t.conn, item_id)
    assert item is not None
    return item


def changed(t: Turn, item_id: int) -> None:
    reminders.on_item_changed(t.conn, item_id, t.now)


def settled(t: Turn, item_id: int, item_type: str, text: Callable[..., str]) -> None:
    """An item got its final fields: calendar request, reminders, and the card reply."""
    if item_type == "meeting":
        items.request_upsert(t.conn, item_id, backend=t.settings.calendar_backend, now=t.now)
    changed(t, item_id)
    # followup: what "it" means from now on
    referent.remember(t.conn, t.chat_id, item_id, t.now, cause=f"inbox:{t.row.id}")
    item = get_item(t, item_id)
    t.reply(
        text(item, tz=t.tz, now=t.now, lang=t.lang) + busy.overlap_note(
            t.conn, item, tz=t.tz, now=t.now, lang=t.lang
        ),
        replies.item_keyboard(item, t.lang),
        item_id,
    )


def ask(t: Turn, item_id: int, missing: tuple[str, ...], purpose: str, asks: int = 1) -> None:
    """Open (or replace) the chat's clarifying question about the item; it expires after
    CLARIFY_TTL_SEC (organizer.pipeline.expiry)."""
    clarify.ask(
        t.conn,
        chat_id=t.chat_id,
        item_id=item_id,
        missing=missing,
        purpose=purpose,
        inbox_id=t.row.id,
        lang=t.lang,
        now=t.now,
        ttl_s=t.settings.clarify_ttl_sec,
        asks=asks,
    )
    lists_db.mark_shown(t.conn, t.chat_id, lists.PROCESS)  # asked by this process
