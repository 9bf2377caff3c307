"""The `organizer bot` process: connect, poll, deliver, beat; stop cleanly on SIGTERM.

Why not PTB's Updater/run_polling: the Updater moves the getUpdates offset (which
acknowledges updates to Telegram) as soon as a batch is queued, before any handler
ran, and it parses a whole batch at once, so one malformed update fails them all.
We keep PTB's Application for the bot object, its HTTP clients and its lifecycle,
and run getUpdates ourselves: an update's offset is passed only after its inbox row
is committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sqlite3
import time
import warnings
from datetime import datetime
from typing import Any

from telegram import BotCommand, Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder

from organizer.bot import aside
from organizer.bot.delivery import MAX_IN_FLIGHT, Deliverer, Link, retry_after_s
from organizer.bot.incoming import Incoming, Refusal
from organizer.bot.limits import RateLimiter
from organizer.bot.texts import COMMANDS, command_description
from organizer.config import Settings
from organizer.db import botstate
from organizer.db.store import store_lost
from organizer.model import utcnow
from organizer.runtime import Heart
from organizer.systemd import Notifier, watchdog_period_s

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
READY_GRACE_S = 20.0  # READY=1 even without Telegram after this, so systemd doesn't restart-loop
BEAT_EVERY_S = 5.0
DELIVERY_STALL_S = 30.0
STOP_DRAIN_S = 3.0


def build_application(settings: Settings) -> Application[Any, Any, Any, Any, Any, Any]:
    read_s = settings.tg_http_read_timeout
    return (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.file_base_url)
        .read_timeout(read_s)
        .write_timeout(30.0)
        .connect_timeout(10.0)
        .pool_timeout(10.0)
        .connection_pool_size(MAX_IN_FLIGHT + 8)
        .get_updates_read_timeout(read_s)
        .get_updates_connect_timeout(10.0)
        .get_updates_pool_timeout(10.0)
        .updater(None)  # we poll ourselves, see the module docstring
        .job_queue(None)
        .build()
    )


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=max(0.0, seconds))


class Poller:
    """getUpdates → Incoming.handle → offset, one update at a time, in order."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        app: Application[Any, Any, Any, Any, Any, Any],
        incoming: Incoming,
        link: Link,
        settings: Settings,
    ) -> None:
        self.conn, self.app, self.incoming, self.link = conn, app, incoming, link
        self.retrier = aside.Retrier(conn, app.bot, incoming)
        self.bot_id = int(settings.telegram_bot_token.split(":", 1)[0])
        self.longpoll_s = settings.tg_longpoll_sec
        self.read_s = settings.tg_http_read_timeout
        self.last_tick = time.monotonic()
        self.last_update_at: datetime | None = None
        self.received = 0
        self.tries: dict[int, int] = {}
        self.offset: int | None = None
        self._trouble: str | None = None

    def alive(self) -> bool:
        """A long poll may legitimately hold the loop for the read timeout, not longer."""
        return time.monotonic() - self.last_tick < self.read_s + 15

    def _state(self, trouble: str | None, line: str = "", *args: object) -> None:
        if trouble != self._trouble:
            if trouble:
                log.error(line, *args)
            else:
                log.info("getUpdates works again (was: %s)", self._trouble)
            self._trouble = trouble

    async def run(self, stop: asyncio.Event) -> None:
        self.offset = botstate.get_offset(self.conn, self.bot_id)
        while not stop.is_set():
            self.last_tick = time.monotonic()
            try:
                await self.turn(stop)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug or a broken database must not end polling
                log.exception("polling turn failed; retrying in 2 s")
                await self._pause(stop, 2.0)

    async def turn(self, stop: asyncio.Event) -> None:
        """One getUpdates and the handling of what it brought."""
        offset = self.offset
        try:
            raw = await self.app.bot.do_api_request(
                "getUpdates",
                api_kwargs={
                    "offset": offset,
                    "timeout": self.longpoll_s,
                    "allowed_updates": ALLOWED_UPDATES,
                },
                read_timeout=self.read_s,
            )
        except RetryAfter as e:
            await self._pause(stop, retry_after_s(e))
            return
        except Conflict as e:
            self._state(
                "conflict",
                "getUpdates conflict (%s): another process polls with this token or a "
                "webhook is set; retrying every 10 s",
                e,
            )
            await self._pause(stop, 10.0)
            return
        except InvalidToken as e:
            self._state("token", "Telegram rejected the bot token (%s); retrying every 60 s", e)
            await self._pause(stop, 60.0)
            return
        except (NetworkError, TelegramError) as e:
            await self._outage(stop, e)
            return
        self._state(None)
        self.link.ok("polling")
        if not isinstance(raw, list):
            log.warning("getUpdates returned %s, not a list; ignored", type(raw).__name__)
            return
        if raw:
            self.offset = await self.process(raw, offset, stop)

    async def _outage(self, stop: asyncio.Event, e: BaseException) -> None:
        await self._pause(stop, self.link.failed("polling", e))

    async def _pause(self, stop: asyncio.Event, seconds: float) -> None:
        """Wait without looking stuck: the watchdog sees the loop tick every 5 s."""
        end = time.monotonic() + seconds
        while not stop.is_set() and time.monotonic() < end:
            self.last_tick = time.monotonic()
            await _sleep(stop, min(5.0, end - time.monotonic()))

    async def process(self, raw: list[Any], offset: int | None, stop: asyncio.Event) -> int | None:
        """Handle a batch in order; returns the next offset (past every committed update)."""
        next_offset = offset
        try:
            for item in raw:
                uid = item.get("update_id") if isinstance(item, dict) else None
                if not isinstance(uid, int):
                    log.warning("skipped an update without an update_id")
                    continue
                if next_offset is not None and uid < next_offset:
                    continue
                if not await self._one(uid, item):
                    await self._pause(stop, 2.0 * self.tries.get(uid, 1))
                    break
                next_offset = uid + 1
        finally:
            if next_offset is not None and next_offset != offset:
                botstate.set_offset(self.conn, next_offset, utcnow(), self.bot_id)
        return next_offset

    async def _one(self, uid: int, item: dict[str, Any]) -> bool:
        """True when the update is done with (committed, answered or skipped for good)."""
        try:
            update = Update.de_json(item, self.app.bot)
        except Exception as e:
            log.warning("malformed update %d skipped: %s: %s", uid, type(e).__name__, e)
            return True
        now = utcnow()
        chat = update.effective_chat.id if update.effective_chat else None
        try:
            if chat is not None and (
                self.incoming.fetches_a_file(update) or aside.holds(self.conn, chat)
            ):
                # A download (slow, may fail) runs off the poll loop, so no other chat
                # waits for it; this chat's later updates queue behind it, in order.
                aside.put(self.conn, chat, uid, item, now)
                self.retrier.wake()
                label = "aside"
            else:
                label = await self.incoming.handle(update, now)
        except sqlite3.Error:
            log.exception("update %d: database error; it will be fetched again", uid)
            self.tries[uid] = self.tries.get(uid, 0) + 1
            return False
        except Exception:
            n = self.tries[uid] = self.tries.get(uid, 0) + 1
            if n < 3:
                log.exception("update %d could not be handled (try %d)", uid, n)
                return False
            log.exception("update %d could not be handled; skipped after %d tries", uid, n)
        else:
            log.debug("update %d: %s", uid, label)
        self.tries.pop(uid, None)
        self.received += 1
        self.last_update_at = now
        return True


class Service:
    def __init__(
        self, settings: Settings, conn: sqlite3.Connection, instance_id: str, *, webhook: bool = False
    ) -> None:
        self.settings = settings
        self.conn = conn
        self.notifier = Notifier()
        self.heart = Heart(conn, "bot", self.notifier)
        self.app = build_application(settings)
        self.link = Link()
        self.limiter = RateLimiter()
        self.stop = asyncio.Event()
        self.background: set[asyncio.Task[Any]] = set()
        self.incoming = Incoming(
            conn,
            self.app.bot,
            allowed=settings.allowed_user_ids,
            spool=settings.spool,
            instance_id=instance_id,
            refuse=self._refuse,
        )
        self.poller = Poller(conn, self.app, self.incoming, self.link, settings)
        self.webhook = None
        if webhook:
            from organizer.bot.webhook import Webhook

            self.webhook = Webhook(settings, self.poller)
        self.deliverer = Deliverer(
            conn, self.app.bot, self.limiter, self.link, on_store_lost=self._store_lost
        )
        self.ready = False
        self.username = "?"
        self.exit_code = 0

    # -- lifecycle

    async def main(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop.set)
        with contextlib.suppress(AttributeError, ValueError):
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
        tasks: list[asyncio.Task[Any]] = []
        try:
            if await self._connect():
                updates = self.webhook.serve(self.stop) if self.webhook else self.poller.run(self.stop)
                tasks = [
                    asyncio.create_task(updates, name="webhook" if self.webhook else "poller"),
                    asyncio.create_task(self.deliverer.run(self.stop), name="delivery"),
                    asyncio.create_task(self.poller.retrier.run(self.stop), name="aside"),
                    asyncio.create_task(self._supervise(), name="supervisor"),
                ]
                await self._until_stop_or_failed(tasks[0])
        finally:
            await self._shutdown(tasks)
        return self.exit_code

    async def _until_stop_or_failed(self, updates: asyncio.Task[Any]) -> None:
        """Wait for SIGTERM; a webhook server that cannot start ends the process."""
        stop = asyncio.create_task(self.stop.wait())
        await asyncio.wait([stop, updates], return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if updates.done() and not updates.cancelled() and updates.exception() is not None:
            raise updates.exception()  # type: ignore[misc]

    async def _take_updates_from_telegram(self) -> None:
        """Long polling: no webhook may be set. Webhook mode: set ours (every instance
        sets the same; none deletes it on stop, the others still serve)."""
        if self.webhook is None:
            await self.app.bot.delete_webhook(drop_pending_updates=False)
            return
        s = self.settings
        await self.app.bot.set_webhook(
            s.telegram_webhook_url,
            secret_token=s.telegram_webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
            max_connections=s.telegram_webhook_max_connections,
            drop_pending_updates=False,
        )

    async def _connect(self) -> bool:
        """getMe (Application.initialize) and deleteWebhook (setWebhook in webhook mode),
        retried until they work."""
        started = time.monotonic()
        token_logged = False
        while not self.stop.is_set():
            try:
                await self.app.initialize()
                await self._take_updates_from_telegram()
            except InvalidToken as e:
                if not token_logged:
                    log.error(
                        "Telegram rejected TELEGRAM_BOT_TOKEN (%s); check it with BotFather. "
                        "Retrying every 60 s",
                        e,
                    )
                    token_logged = True
                wait = 60.0
                self.link.up = False
            except RetryAfter as e:
                wait = retry_after_s(e)
            except TelegramError as e:
                wait = self.link.failed("start", e)
            else:
                self.link.ok("start")
                self.username = self.app.bot.username
                await self._set_commands()
                self._ready(f"connected as @{self.username}")
                log.info(
                    "bot @%s ready: %s, %d allowed user(s), spool %s",
                    self.username,
                    f"webhook {self.settings.telegram_webhook_url}"
                    if self.webhook
                    else f"polling every {self.settings.tg_longpoll_sec} s",
                    len(self.settings.allowed_user_ids),
                    self.settings.spool,
                )
                if not self.settings.allowed_user_ids:
                    log.warning(
                        "TELEGRAM_ALLOWED_USER_IDS is empty: everyone is refused "
                        "(a stranger's /start tells them their id)"
                    )
                return True
            end = time.monotonic() + wait
            while not self.stop.is_set() and time.monotonic() < end:
                if not self.ready and time.monotonic() - started >= READY_GRACE_S:
                    self._ready("Telegram unreachable, retrying")
                self.heart.beat(utcnow(), "connecting to Telegram (getMe failed, retrying)")
                await _sleep(self.stop, min(BEAT_EVERY_S, end - time.monotonic()))
        return False

    def _ready(self, why: str) -> None:
        if not self.ready:
            self.ready = True
            self.notifier.ready()
            self.heart.beat(utcnow(), why)

    async def _set_commands(self) -> None:
        for lang in (None, "ru", "en"):
            commands = [BotCommand(c, command_description(c, lang or "ru")) for c in COMMANDS]
            try:
                await self.app.bot.set_my_commands(commands, language_code=lang)
            except TelegramError as e:
                log.warning("setMyCommands (%s) failed: %s; the menu may be stale", lang or "default", e)
                return

    async def _shutdown(self, tasks: list[asyncio.Task[Any]]) -> None:
        self.notifier.stopping()
        self.stop.set()
        log.info("bot stopping")
        poller = [t for t in tasks if t.get_name() == "poller"]
        for t in poller:  # a long poll in flight: nothing of it was committed, drop it
            t.cancel()
        cut = await self.deliverer.drain(STOP_DRAIN_S)
        if cut:
            log.warning("%d delivery(ies) cut off by the stop; see recover_in_flight at start", cut)
        for t in [*tasks, *self.background]:
            t.cancel()
        if tasks or self.background:
            await asyncio.wait([*tasks, *self.background], timeout=2.0)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.app.shutdown(), timeout=2.0)
        log.info(
            "bot stopped: %d update(s) received, %d message(s) sent, %d failed",
            self.poller.received,
            self.deliverer.sent,
            self.deliverer.failed,
        )
        self.heart.stopped()

    # -- health

    def status_line(self) -> str:
        link = "telegram ok" if self.link.up else f"telegram unreachable since {self.link.down_since_wall}"
        last = self.poller.last_update_at.strftime("%H:%M:%SZ") if self.poller.last_update_at else "never"
        pending = self.conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'PENDING'").fetchone()[0]
        return (
            f"{link}; last update {last}; received={self.poller.received} "
            f"sent={self.deliverer.sent} failed={self.deliverer.failed} pending={pending}"
        )

    async def _supervise(self) -> None:
        """Heartbeat + WATCHDOG=1 only while both loops keep turning."""
        every = min(BEAT_EVERY_S, watchdog_period_s() or BEAT_EVERY_S)
        stalled = False
        while not self.stop.is_set():
            if store_lost(self.conn):
                self._store_lost()
                return
            taking = self.webhook.alive() if self.webhook else self.poller.alive()
            ok = taking and self.deliverer.alive(DELIVERY_STALL_S)
            if ok:
                if stalled:
                    log.info("polling and delivery loops are turning again")
                    stalled = False
                try:
                    self.heart.beat(utcnow(), self.status_line())
                except sqlite3.Error as e:
                    log.warning("heartbeat not recorded: %s", e)
            elif not stalled:
                log.error("a loop is stuck (polling alive=%s); not pinging the watchdog", self.poller.alive())
                stalled = True
            await _sleep(self.stop, every)

    def _store_lost(self) -> None:
        """Nothing can be stored or delivered any more: exit 1, and systemd (Restart=always)
        starts the bot again with a new connection once the server is back."""
        if self.exit_code == 0:
            log.error("lost the connection to PostgreSQL; exiting so that the service "
                      "manager starts the bot again")  # fmt: skip
        self.exit_code = 1
        self.stop.set()

    # -- strangers

    async def _refuse(self, r: Refusal) -> None:
        """Sent right away, off the poll loop; best effort (the person can write again tomorrow)."""
        task = asyncio.create_task(self._send_refusal(r))
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def _send_refusal(self, r: Refusal) -> None:
        chat = None if r.callback_query_id else r.chat_id
        try:
            async with self.limiter.slot(chat):
                if r.callback_query_id:
                    await self.app.bot.answer_callback_query(
                        r.callback_query_id, text=r.text, show_alert=True
                    )
                else:
                    await self.app.bot.send_message(r.chat_id, r.text)
        except Exception as e:  # best effort: they can write again tomorrow
            log.warning("could not send a refusal: %s", e)


def run_service(
    settings: Settings, conn: sqlite3.Connection, instance_id: str, *, webhook: bool = False
) -> int:
    warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'")
    return asyncio.run(Service(settings, conn, instance_id, webhook=webhook).main())
