"""The outbox → Telegram: ordered per chat, within Telegram's rates, at least once.

A row is SENDING (committed) before its request leaves and SENT/FAILED/PENDING
after the answer. How each error is treated:

- 429 RetryAfter: everything pauses retry_after seconds, the same row goes again
  (PTB does not retry it itself); the attempt is not counted.
- Telegram unreachable (connect error, connect/pool timeout): the request never left;
  the row waits (attempt not counted) and delivery pauses with a growing backoff.
- Lost answer (read timeout, connection dropped mid-request): the message may be
  there. It is sent again with the counted backoff (at-least-once: Telegram has no
  idempotency key), within outbox.RESEND_WINDOW_S of the first unknown outcome.
- 5xx and other server errors: backoff, counted; FAILED after outbox.MAX_ATTEMPTS.
- 400 "message is not modified": success. "message to edit not found" / "can't be
  edited": the text is sent as a new message. "can't parse entities": sent again as
  plain text. Other 400s and 403 (blocked by the user): FAILED, no retry.

A row that ends FAILED leaves the person a short notice when the chat can still be
reached (bot.notice), in the same transaction.

Several bots may deliver one outbox (webhook mode; bots on several machines with
PostgreSQL). Each is a sender with its own name (`sender_name`): it takes a row with a
claim (outbox.mark_sending), renews the leases of its rows in flight, and records only
outcomes of rows it still holds. A sibling that died is recognized by its lapsed lease,
or at once when it was a process of this host that is gone.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from organizer.bot.limits import (
    MAX_CALLBACK_TEXT,
    RateLimiter,
    cut_text,
    parse_keyboard,
    split_text,
)
from organizer.bot.notice import notice_for
from organizer.bot.sender import gone_here, sender_name
from organizer.db import outbox
from organizer.db.outbox import OutboxRow
from organizer.db.store import store_lost
from organizer.model import utcnow

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 8  # concurrent requests (different chats); Telegram's RTT is ~100 ms
IDLE_MIN_S, IDLE_MAX_S = 0.05, 0.25  # outbox polling while idle
# Every sender looks for rows a dead sibling left in flight this often (their leases,
# outbox.LEASE_S, are renewed every outbox.RENEW_EVERY_S while the sender lives).
RECOVER_EVERY_S = 30.0
RETRY_BASE_S, RETRY_MAX_S = 2.0, 120.0
OUTAGE_BASE_S, OUTAGE_MAX_S = 1.0, 60.0
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
RECORD_TRIES, RECORD_PAUSE_S = 5, 1.0  # a confirmed send's SENT commit vs a busy database


class Unsent(Exception):
    """The request never reached Telegram (safe to send again)."""


class Ambiguous(Exception):
    """The request left, its answer didn't: Telegram may or may not have acted."""


def retry_after_s(e: RetryAfter) -> float:
    value: Any = e._retry_after if hasattr(e, "_retry_after") else e.retry_after
    if isinstance(value, timedelta):
        return max(0.0, value.total_seconds())
    return max(0.0, float(value))


def classify(e: NetworkError) -> type[Exception] | None:
    """Unsent, Ambiguous, or None (Telegram answered with an error status)."""
    cause = e.__cause__
    if isinstance(cause, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        return Unsent
    if isinstance(cause, httpx.HTTPError):
        return Ambiguous
    if isinstance(e, TimedOut):
        return Ambiguous
    if str(e).startswith("httpx.Connect") or "Unknown error in HTTP" in str(e):
        return Unsent
    return None


def _markup(row: OutboxRow) -> InlineKeyboardMarkup | None:
    rows = parse_keyboard(row.reply_markup)
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(**b) for b in r] for r in rows]  # type: ignore[arg-type]
    )


class Link:
    """Is Telegram reachable? Logs one line per change of state."""

    def __init__(self) -> None:
        self.up = True
        self.since = time.monotonic()
        self.down_since_wall: str | None = None
        self.failures = 0

    def ok(self, who: str) -> None:
        if not self.up:
            log.info(
                "Telegram reachable again (%s), after %.0f s", who, time.monotonic() - self.since
            )
            self.up, self.since, self.down_since_wall = True, time.monotonic(), None
        self.failures = 0

    def failed(self, who: str, error: BaseException) -> float:
        """Record a failure; returns the backoff to wait."""
        self.failures += 1
        if self.up:
            log.warning("Telegram unreachable (%s): %s; retrying with backoff", who, error)
            self.up, self.since = False, time.monotonic()
            self.down_since_wall = utcnow().strftime("%H:%M:%SZ")
        return min(OUTAGE_MAX_S, OUTAGE_BASE_S * 2 ** min(self.failures - 1, 10))


class Deliverer:
    def __init__(
        self,
        conn: sqlite3.Connection,
        bot: Bot,
        limiter: RateLimiter,
        link: Link,
        *,
        clock: Callable[[], float] = time.monotonic,
        sender: str | None = None,
        on_store_lost: Callable[[], None] | None = None,
    ) -> None:
        self.conn = conn
        self.on_store_lost = on_store_lost
        self.sender = sender or sender_name()  # signs this bot's claims on outbox rows
        self.last_renew = clock()
        self.last_recover: float | None = None  # the first turn recovers
        self.bot = bot
        self.limiter = limiter
        self.link = link
        self.clock = clock
        self.in_flight: dict[int, asyncio.Task[None]] = {}  # by chat
        self.claimed: dict[int, asyncio.Task[None]] = {}  # the same tasks, by outbox row
        self.sent = 0
        self.failed = 0
        self.last_tick = clock()
        self.wake = asyncio.Event()

    def alive(self, max_age_s: float) -> bool:
        return self.clock() - self.last_tick < max_age_s

    # -- the loop

    def recover(self) -> None:
        """Rows left SENDING by a sender that died: those of this host's gone processes
        at once (a restart), any other once its lease lapsed. A live sibling's are left."""
        dead = [s for s in outbox.senders_in_flight(self.conn) if gone_here(s)]
        sends, others = outbox.recover_in_flight(self.conn, utcnow(), dead=dead)
        self.last_recover = self.clock()
        if sends or others:
            log.warning(
                "outbox: %d send(s) and %d edit/answer(s) were in flight when a bot "
                "stopped; sending them again (at-least-once: a send may show twice)",
                sends,
                others,
            )

    def renew(self) -> None:
        """Keep this sender's claims alive; a row taken back meanwhile (this process
        was stalled past its lease) is left to the sibling that took it."""
        self.last_renew = self.clock()
        if not self.claimed:
            return
        held = outbox.renew(self.conn, self.sender, self.claimed, utcnow())
        for oid, task in list(self.claimed.items()):
            if oid not in held and not task.done():
                log.warning("outbox id=%d: its claim lapsed and a sibling took it back; "
                            "leaving it to them", oid)  # fmt: skip
                task.cancel()

    def _housekeeping(self) -> None:
        if self.clock() - self.last_renew >= outbox.RENEW_EVERY_S:
            self.renew()
        if self.last_recover is None or self.clock() - self.last_recover >= RECOVER_EVERY_S:
            self.recover()  # at start, then every RECOVER_EVERY_S

    async def run(self, stop: asyncio.Event) -> None:
        idle = IDLE_MIN_S
        while not stop.is_set():
            self.last_tick = self.clock()
            try:
                self._housekeeping()
                started, wait_s = self.step()
            except sqlite3.Error:
                if store_lost(self.conn) and self.on_store_lost is not None:
                    self.on_store_lost()  # the service stops; nothing more to try here
                else:
                    log.exception("outbox: database error; retrying")
                started, wait_s = 0, 1.0
            if started:
                idle = IDLE_MIN_S
            else:
                wait_s = min(wait_s, idle)
                idle = min(IDLE_MAX_S, idle * 2)
            self.wake.clear()
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wake.wait())]
            await asyncio.wait(waiters, timeout=max(0.0, wait_s), return_when=asyncio.FIRST_COMPLETED)
            for w in waiters:
                w.cancel()

    def step(self) -> tuple[int, float]:
        """Start what may go now; returns (started, seconds until something might)."""
        if len(self.in_flight) >= MAX_IN_FLIGHT:
            return 0, IDLE_MAX_S
        rows = outbox.ready(self.conn, utcnow(), limit=4 * MAX_IN_FLIGHT)
        started, wait_s = 0, IDLE_MAX_S
        for row in rows:
            if row.chat_id in self.in_flight:
                continue
            if len(self.in_flight) >= MAX_IN_FLIGHT:
                break
            delay = self.limiter.delay(None if row.kind == "callback_answer" else row.chat_id)
            if delay > 0:
                wait_s = min(wait_s, delay)
                continue
            if not outbox.mark_sending(self.conn, row.id, utcnow(), sender=self.sender):
                continue  # a sibling took it first (or it is no longer due)
            task = asyncio.create_task(self._deliver(row), name=f"outbox-{row.id}")
            self.in_flight[row.chat_id] = self.claimed[row.id] = task
            task.add_done_callback(lambda _t, c=row.chat_id, o=row.id: self._done(c, o))
            started += 1
        return started, wait_s

    def _done(self, chat_id: int, outbox_id: int) -> None:
        self.in_flight.pop(chat_id, None)
        self.claimed.pop(outbox_id, None)
        self.wake.set()

    async def drain(self, timeout_s: float) -> int:
        """On stop: let requests in flight finish (bounded); returns how many were cut off."""
        tasks = list(self.in_flight.values())
        if not tasks:
            return 0
        _done, pending = await asyncio.wait(tasks, timeout=timeout_s)
        for t in pending:
            t.cancel()
        if pending:
            await asyncio.wait(pending, timeout=1.0)
        return len(pending)

    # -- one row

    async def _deliver(self, row: OutboxRow) -> None:
        try:
            await self._deliver_row(row)
        except sqlite3.Error:
            # Recording the outcome failed; the row stays SENDING, no longer renewed, until
            # its lease lapses and recover_in_flight sends it again (at-least-once).
            log.exception("outbox id=%d: could not record the outcome", row.id)

    def _fail(self, row: OutboxRow, error: str) -> None:
        if outbox.mark_failed(self.conn, row.id, utcnow(), error,
                              notice=notice_for(self.conn, row, error), sender=self.sender):
            self.failed += 1
        else:
            log.warning("outbox id=%d: failed, but a sibling holds it now", row.id)

    def _retry(self, row: OutboxRow, error: str, *, unconfirmed: bool = False) -> str:
        """Counted retry with backoff; FAILED (and the notice) once the budget is spent."""
        wait = min(RETRY_MAX_S, RETRY_BASE_S * 2 ** max(0, row.attempts - 1))
        status = outbox.retry_later(
            self.conn, row.id, utcnow(), wait, error,
            unconfirmed=unconfirmed, notice=notice_for(self.conn, row, error), sender=self.sender,
        )  # fmt: skip
        if status == "FAILED":
            self.failed += 1
        return status

    async def _deliver_row(self, row: OutboxRow) -> None:
        if row.kind == "send" and outbox.past_resend_window(row, utcnow()):
            # Waited out an outage after an unknown outcome: too late to repeat it.
            self._fail(row, f"{outbox.UNKNOWN_PREFIX}: not confirmed, resend window over")
            return
        try:
            tg_id = await self._send(row)
        except RetryAfter as e:
            wait = retry_after_s(e)
            log.warning("outbox id=%d: 429 from Telegram, waiting %.0f s", row.id, wait)
            self.limiter.pause(wait)
            outbox.retry_later(self.conn, row.id, utcnow(), wait, str(e), count=False,
                               sender=self.sender)  # fmt: skip
        except Unsent as e:
            wait = self.link.failed("delivery", e.__cause__ or e)
            self.limiter.pause(wait)
            outbox.retry_later(self.conn, row.id, utcnow(), wait, str(e), count=False,
                               sender=self.sender)  # fmt: skip
        except Ambiguous as e:
            # Telegram may have acted. Sent again (at-least-once); an edit or an answer
            # repeated is harmless, a send repeated may show twice (docs/BOT.md).
            status = self._retry(row, f"{outbox.UNKNOWN_PREFIX}: {e}", unconfirmed=row.kind == "send")
            log.warning("outbox id=%d kind=%s: answer lost (%s); -> %s", row.id, row.kind, e, status)
        except Forbidden as e:
            log.warning("outbox id=%d: chat %d refused it (%s)", row.id, row.chat_id, e)
            self._fail(row, f"forbidden: {e}")
        except BadRequest as e:
            log.warning("outbox id=%d kind=%s: Telegram refused it: %s", row.id, row.kind, e)
            self._fail(row, f"bad request: {e}")
        except (TelegramError, httpx.HTTPError) as e:
            status = self._retry(row, f"{type(e).__name__}: {e}")
            log.warning("outbox id=%d: %s; -> %s", row.id, e, status)
        except asyncio.CancelledError:
            raise  # stopping: the row stays SENDING, recover_in_flight decides at start
        except Exception as e:  # a bug must not stop delivery
            log.exception("outbox id=%d: unexpected error", row.id)
            self._fail(row, f"{type(e).__name__}: {e}")
        else:
            self.link.ok("delivery")
            await self._record_sent(row, tg_id)

    async def _record_sent(self, row: OutboxRow, tg_id: int | None) -> None:
        """Telegram confirmed it: record SENT, trying again while the database is busy.

        A row left SENDING would hold its chat until the next start and then be sent
        again (a duplicate of a reply we know was delivered)."""
        for attempt in range(RECORD_TRIES):
            try:
                if not outbox.mark_sent(self.conn, row.id, utcnow(), tg_id, sender=self.sender):
                    log.warning("outbox id=%d: delivered, but a sibling took it back "
                                "meanwhile (it may show twice)", row.id)  # fmt: skip
                break
            except sqlite3.OperationalError as e:
                if attempt == RECORD_TRIES - 1:
                    raise
                log.warning("outbox id=%d: delivered, recording it failed (%s); again", row.id, e)
                await asyncio.sleep(RECORD_PAUSE_S)
        self.sent += 1

    async def _call(self, chat_id: int | None, coro_fn: Callable[[], Any]) -> Any:
        """One request inside a rate-limit slot, its network errors sorted out."""
        try:
            async with self.limiter.slot(chat_id):
                return await coro_fn()
        except NetworkError as e:
            if isinstance(e, (RetryAfter, BadRequest, Forbidden)):
                raise
            kind = classify(e)
            if kind is not None:
                raise kind(str(e)) from e
            raise

    async def _send(self, row: OutboxRow) -> int | None:
        if row.kind == "callback_answer":
            return await self._answer(row)
        if row.kind == "edit":
            target = row.target_message_id
            if target is None and row.target_outbox_id is not None:
                target = outbox.tg_message_id_of(self.conn, row.target_outbox_id)
            if target is not None:
                try:
                    return await self._edit(row, target)
                except BadRequest as e:
                    text = str(e).lower()
                    if "not modified" in text:
                        return target
                    if not ("not found" in text or "can't be edited" in text):
                        raise
                    log.info("outbox id=%d: message %d can't be edited (%s); sending anew", row.id, target, e)
            else:
                log.info("outbox id=%d: the message to edit was never sent; sending anew", row.id)
            if not row.text:
                return None  # a keyboard-only edit of a message that is gone: nothing to do
        return await self._send_parts(row)

    async def _send_parts(self, row: OutboxRow) -> int | None:
        parts = split_text(row.text or "")
        markup = _markup(row)
        last_id: int | None = row.tg_message_id
        for i, part in enumerate(parts):
            if i < row.parts_sent:
                continue  # Telegram has it already (a retried row)
            is_last = i == len(parts) - 1
            msg = await self._text_call(
                row.chat_id,
                lambda pm, p=part, last=is_last: self.bot.send_message(
                    chat_id=row.chat_id,
                    text=p,
                    parse_mode=pm,
                    reply_markup=markup if last else None,
                    link_preview_options=NO_PREVIEW,
                ),
                row.parse_mode,
            )
            last_id = msg.message_id
            if len(parts) > 1 and not is_last:
                outbox.mark_part(self.conn, row.id, i + 1, last_id, self.sender)
        return last_id

    async def _text_call(
        self, chat_id: int, fn: Callable[[str | None], Any], parse_mode: str | None
    ) -> Message:
        try:
            return await self._call(chat_id, lambda: fn(parse_mode))
        except BadRequest as e:
            if parse_mode and "parse entities" in str(e).lower():
                log.warning("text did not parse as %s (%s); sending it as plain text", parse_mode, e)
                return await self._call(chat_id, lambda: fn(None))
            raise

    async def _edit(self, row: OutboxRow, target: int) -> int:
        markup = _markup(row)
        if row.text:
            text = cut_text(row.text)
            await self._text_call(
                row.chat_id,
                lambda pm: self.bot.edit_message_text(
                    chat_id=row.chat_id,
                    message_id=target,
                    text=text,
                    parse_mode=pm,
                    reply_markup=markup,
                    link_preview_options=NO_PREVIEW,
                ),
                row.parse_mode,
            )
        else:
            await self._call(
                row.chat_id,
                lambda: self.bot.edit_message_reply_markup(
                    chat_id=row.chat_id, message_id=target, reply_markup=markup
                )
            )
        return target

    async def _answer(self, row: OutboxRow) -> None:
        if not row.callback_query_id:
            raise BadRequest("callback_answer row without callback_query_id")
        text = cut_text(row.text, MAX_CALLBACK_TEXT) if row.text else None
        await self._call(
            None,
            lambda: self.bot.answer_callback_query(callback_query_id=row.callback_query_id, text=text)
        )
        return None
