"""Telegram's limits, in plain Python (no telegram import): rates, text length, buttons.

Figures from the Bot API FAQ: about 30 messages per second overall, one per second
in a chat, 4,096 characters per text, 64 bytes of callback_data, 200 characters
of a callback answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

log = logging.getLogger(__name__)

MAX_TEXT = 4096  # counted in UTF-16 code units, as Telegram counts them
MAX_CALLBACK_DATA = 64  # bytes, UTF-8
MAX_CALLBACK_TEXT = 200
MAX_PARTS = 3  # a longer text is cut, with a note, in its last part
CUT_NOTE = "\n\n[…]"

GLOBAL_PER_S = 30
# No extra margin is needed: a request holds its place until the window has passed
# after its *answer*, and it arrived at the server before that answer (see RateLimiter).
GLOBAL_WINDOW_S = 1.0
CHAT_INTERVAL_S = 1.0


class RateLimiter:
    """Sliding-window limits, measured so that the *server* never sees them broken.

    The server counts arrivals, and a request arrives somewhere between the moment
    it is started and the moment its answer is back (on a busy box that gap is tens
    of ms). So a request counts from its start until `window_s` after its answer:
    `delay(chat)` says how long to wait, `take(chat)` starts one, `done(chat)` ends it.
    Single-threaded (the bot's event loop); the clock is injectable for tests.
    """

    def __init__(
        self,
        per_s: int = GLOBAL_PER_S,
        window_s: float = GLOBAL_WINDOW_S,
        chat_interval_s: float = CHAT_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_s, self.window_s, self.chat_interval_s = per_s, window_s, chat_interval_s
        self.clock = clock
        self.ended: deque[float] = deque()
        self.open = 0
        self.busy: dict[int, int] = {}
        self.last_in_chat: dict[int, float] = {}
        self.paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """Nothing goes out for `seconds` (a 429's retry_after, an outage's backoff)."""
        self.paused_until = max(self.paused_until, self.clock() + seconds)

    def delay(self, chat_id: int | None) -> float:
        now = self.clock()
        while self.ended and now - self.ended[0] >= self.window_s:
            self.ended.popleft()
        wait = max(0.0, self.paused_until - now)
        if self.open + len(self.ended) >= self.per_s:
            wait = max(wait, self.ended[0] + self.window_s - now if self.ended else 0.01)
        if chat_id is not None:
            if self.busy.get(chat_id):
                wait = max(wait, 0.01)
            elif chat_id in self.last_in_chat:
                wait = max(wait, self.last_in_chat[chat_id] + self.chat_interval_s - now)
        return wait

    def take(self, chat_id: int | None) -> None:
        self.open += 1
        if chat_id is not None:
            self.busy[chat_id] = self.busy.get(chat_id, 0) + 1

    def done(self, chat_id: int | None) -> None:
        now = self.clock()
        self.open = max(0, self.open - 1)
        self.ended.append(now)
        if chat_id is not None:
            left = self.busy.get(chat_id, 1) - 1
            if left:
                self.busy[chat_id] = left
            else:
                self.busy.pop(chat_id, None)
            self.last_in_chat[chat_id] = now
            if len(self.last_in_chat) > 10_000:  # forget chats idle for a while
                cutoff = now - 2 * self.chat_interval_s
                self.last_in_chat = {c: t for c, t in self.last_in_chat.items() if t >= cutoff}

    @contextlib.asynccontextmanager
    async def slot(self, chat_id: int | None) -> AsyncIterator[None]:
        """Wait for a slot, hold it for one request."""
        while (d := self.delay(chat_id)) > 0:
            await asyncio.sleep(d)
        self.take(chat_id)
        try:
            yield
        finally:
            self.done(chat_id)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut_utf16(text: str, limit: int) -> str:
    """The longest prefix of `text` that fits `limit` UTF-16 units."""
    if utf16_len(text) <= limit:
        return text
    lo, hi = 0, min(len(text), limit)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if utf16_len(text[:mid]) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo]


def split_text(text: str, limit: int = MAX_TEXT, max_parts: int = MAX_PARTS) -> list[str]:
    """Split at paragraph, line or word boundaries into ≤ max_parts parts of ≤ limit.

    What does not fit in max_parts is cut and the last part ends with CUT_NOTE.
    """
    if utf16_len(text) <= limit:
        return [text]
    parts: list[str] = []
    rest = text
    while rest and len(parts) < max_parts:
        if utf16_len(rest) <= limit:
            parts.append(rest)
            rest = ""
            break
        room = limit - (utf16_len(CUT_NOTE) if len(parts) == max_parts - 1 else 0)
        head = _cut_utf16(rest, room)
        for sep in ("\n\n", "\n", " "):
            at = head.rfind(sep)
            if at > len(head) // 2:
                head = head[: at + len(sep)]
                break
        parts.append(head.rstrip() or head)
        rest = rest[len(head) :].lstrip("\n")
    if rest:
        parts[-1] = _cut_utf16(parts[-1], limit - utf16_len(CUT_NOTE)) + CUT_NOTE
    return parts


def cut_text(text: str, limit: int = MAX_TEXT) -> str:
    """One message (an edit, a callback answer): cut with a note when too long."""
    if utf16_len(text) <= limit:
        return text
    return _cut_utf16(text, limit - utf16_len(CUT_NOTE)) + CUT_NOTE


def parse_keyboard(reply_markup: str | None) -> list[list[dict[str, str]]] | None:
    """The outbox's JSON keyboard, with invalid buttons dropped (and logged).

    Accepts {"inline_keyboard": rows} or bare rows. A button needs text and one of
    callback_data (≤ 64 bytes) or url. Malformed JSON means no keyboard, not no message.
    """
    if not reply_markup:
        return None
    try:
        data: Any = json.loads(reply_markup)
    except ValueError:
        log.warning("outbox reply_markup is not JSON; sending without buttons")
        return None
    rows = data.get("inline_keyboard") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        log.warning("outbox reply_markup has no inline_keyboard list; sending without buttons")
        return None
    out: list[list[dict[str, str]]] = []
    for row in rows:
        if not isinstance(row, list):
            continue
        good = []
        for b in row:
            if not isinstance(b, dict) or not isinstance(b.get("text"), str) or not b["text"]:
                log.warning("dropped a button without text")
                continue
            data_ = b.get("callback_data")
            if isinstance(data_, str) and data_:
                if len(data_.encode("utf-8")) > MAX_CALLBACK_DATA:
                    log.warning(
                        "dropped button %r: callback_data is %d bytes (max %d)",
                        b["text"][:30],
                        len(data_.encode("utf-8")),
                        MAX_CALLBACK_DATA,
                    )
                    continue
                good.append({"text": b["text"], "callback_data": data_})
            elif isinstance(b.get("url"), str) and b["url"]:
                good.append({"text": b["text"], "url": b["url"]})
            else:
                log.warning("dropped button %r: no callback_data or url", b["text"][:30])
        if good:
            out.append(good)
    return out or None
