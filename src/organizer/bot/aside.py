"""Updates set aside: voice notes are downloaded, and retried, off the poll loop.

Before, a failed download held the getUpdates offset, so every later update of every
chat waited out its retries (~35 s). Now the update is stored here (bot_state rows
`aside:<chat>:<update id>`, committed before the offset moves past it, so a crash loses
nothing) and the poller goes on. Every voice note of an allowed person takes this way
(a download may hang for its timeout), and a failed one stays here for another try. Later updates
of the same chat are set aside behind it, so one person's messages still reach the
inbox in the order they were sent; other chats are not held at all. `Retrier` handles
each chat's first update, again after a growing pause when its download failed; after
MAX_TRIES the person is told the voice note could not be fetched.

Several bots on one database (webhook mode, PostgreSQL) share these rows: a chat's
set-aside updates are worked by one bot at a time, the one holding the chat's claim
(bot_state row `claim:aside:<chat>`: value the bot's name, updated_at the lease's end,
renewed while it works; a dead bot's lapses, or is dropped at once by a restart on its
host). So one voice note is not downloaded by two bots, nor given up by one while the
other fetched it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, Update

from organizer.bot.incoming import DownloadError, Incoming
from organizer.bot.sender import gone_here, sender_name
from organizer.db.connect import transaction
from organizer.model import from_db, to_db, utcnow

log = logging.getLogger(__name__)

PREFIX = "aside:"
MAX_TRIES = 5  # a voice note that can't be downloaded is given up after this
PAUSE_S = 2.0  # the n-th retry waits n·PAUSE_S
TURN_EVERY_S = 0.5
MAX_PARALLEL = 4  # chats whose downloads run at once
CLAIM_PREFIX = "claim:aside:"  # outside PREFIX's keys: heads() never reads a claim
CLAIM_LEASE_S, CLAIM_RENEW_S = 120.0, 20.0


@dataclass(frozen=True)
class Entry:
    key: str
    chat_id: int
    update_id: int
    update: dict[str, Any]
    tries: int
    next_at: datetime


def _key(chat_id: int, update_id: int) -> str:
    return f"{PREFIX}{chat_id}:{update_id:015d}"  # zero-padded: keys sort by update id


def put(conn: sqlite3.Connection, chat_id: int, update_id: int, update: dict[str, Any],
        now: datetime, *, tries: int = 0) -> None:
    """Keep `update` for a retry (behind the chat's earlier ones); idempotent."""
    next_at = now + timedelta(seconds=tries * PAUSE_S)
    value = json.dumps({"update": update, "tries": tries, "next_at": to_db(next_at)})
    with transaction(conn):
        conn.execute(
            "INSERT INTO bot_state (key, value, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (key) DO NOTHING",
            (_key(chat_id, update_id), value, to_db(now)),
        )


# A prefix match that means the same under any collation: a key range (`key >= 'aside:1:'
# AND key < 'aside:1;'`) does not on a PostgreSQL database with a linguistic collation
# (en_US.UTF-8 orders punctuation differently). A chat's keys still sort by update id
# under any collation: same prefix, then zero-padded digits.
_STARTS_WITH = "SELECT key, value FROM bot_state WHERE substr(key, 1, ?) = ?"


def holds(conn: sqlite3.Connection, chat_id: int) -> bool:
    """True while an update of this chat waits here (later ones must queue behind it)."""
    prefix = f"{PREFIX}{chat_id}:"
    r = conn.execute(_STARTS_WITH + " LIMIT 1", (len(prefix), prefix)).fetchone()
    return r is not None


def heads(conn: sqlite3.Connection) -> list[Entry]:
    """The first waiting update of each chat."""
    rows = conn.execute(_STARTS_WITH + " ORDER BY key", (len(PREFIX), PREFIX)).fetchall()
    first: dict[int, Entry] = {}
    for key, value in rows:
        entry = _entry(str(key), str(value))
        if entry is not None and entry.chat_id not in first:
            first[entry.chat_id] = entry
    return list(first.values())


def _entry(key: str, value: str) -> Entry | None:
    try:
        chat, uid = key[len(PREFIX):].split(":")
        body = json.loads(value)
        next_at = from_db(body["next_at"]) or utcnow()
        return Entry(key, int(chat), int(uid), body["update"], int(body["tries"]), next_at)
    except (ValueError, KeyError, TypeError):
        log.warning("unreadable set-aside update %s; dropped", key)
        return None


def reschedule(conn: sqlite3.Connection, entry: Entry, tries: int, now: datetime) -> None:
    next_at = now + timedelta(seconds=tries * PAUSE_S)
    value = json.dumps({"update": entry.update, "tries": tries, "next_at": to_db(next_at)})
    with transaction(conn):
        conn.execute("UPDATE bot_state SET value = ?, updated_at = ? WHERE key = ?",
                     (value, to_db(now), entry.key))


def drop(conn: sqlite3.Connection, key: str) -> None:
    with transaction(conn):
        conn.execute("DELETE FROM bot_state WHERE key = ?", (key,))


def claim(conn: sqlite3.Connection, chat_id: int, sender: str, now: datetime) -> bool:
    """Take (or renew) the chat's claim for `sender`: True when it holds it now.

    One statement, so of two bots only one gets it: it inserts the claim, or takes it
    over when it is the sender's own or its lease has lapsed. A claim held by a process
    of this host that is gone is dropped first (a restart need not wait for the lease)."""
    key = f"{CLAIM_PREFIX}{chat_id}"
    r = conn.execute("SELECT value FROM bot_state WHERE key = ?", (key,)).fetchone()
    with transaction(conn):
        if r is not None and gone_here(str(r[0])):
            conn.execute("DELETE FROM bot_state WHERE key = ? AND value = ?", (key, r[0]))
        cur = conn.execute(
            "INSERT INTO bot_state (key, value, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
            " updated_at = excluded.updated_at"
            " WHERE bot_state.value = excluded.value OR bot_state.updated_at < ?",
            (key, sender, to_db(now + timedelta(seconds=CLAIM_LEASE_S)), to_db(now)),
        )
        return cur.rowcount == 1


def release(conn: sqlite3.Connection, chat_id: int, sender: str) -> None:
    with transaction(conn):
        conn.execute("DELETE FROM bot_state WHERE key = ? AND value = ?",
                     (f"{CLAIM_PREFIX}{chat_id}", sender))  # fmt: skip


class Retrier:
    """The background task that fetches set-aside updates, chat by chat, in order.

    Each chat with a due update gets a task of its own (at most MAX_PARALLEL at once),
    so one hanging download holds only its own chat.
    """

    def __init__(
        self, conn: sqlite3.Connection, bot: Bot, incoming: Incoming, sender: str | None = None
    ) -> None:
        self.conn, self.bot, self.incoming = conn, bot, incoming
        self.sender = sender or sender_name()
        self.running: dict[int, asyncio.Task[None]] = {}
        self.renewed_at: datetime | None = None
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Something was set aside: look now, not at the next turn."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    self.turn(utcnow())
                except sqlite3.Error as e:  # a broken database must not end the retries
                    log.warning("could not read the set-aside updates: %s", e)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=TURN_EVERY_S)
                self._wake.clear()
        finally:
            for task in self.running.values():  # a cut download stays aside for next time
                task.cancel()

    def turn(self, now: datetime) -> None:
        self._renew(now)
        for entry in heads(self.conn):
            if len(self.running) >= MAX_PARALLEL:
                return
            if entry.next_at <= now and entry.chat_id not in self.running:
                if not claim(self.conn, entry.chat_id, self.sender, now):
                    continue  # a sibling bot works this chat
                task = asyncio.create_task(self._chat(entry), name=f"aside-{entry.chat_id}")
                self.running[entry.chat_id] = task
                task.add_done_callback(lambda _t, c=entry.chat_id: self._done(c))

    def _renew(self, now: datetime) -> None:
        if self.renewed_at is not None and (now - self.renewed_at).total_seconds() < CLAIM_RENEW_S:
            return
        self.renewed_at = now
        for chat_id in list(self.running):
            claim(self.conn, chat_id, self.sender, now)

    def _done(self, chat_id: int) -> None:
        self.running.pop(chat_id, None)
        try:
            release(self.conn, chat_id, self.sender)
        except sqlite3.Error as e:  # the claim lapses on its own
            log.warning("could not release the set-aside claim of a chat: %s", e)

    async def _chat(self, first: Entry) -> None:
        """The chat's waiting updates in order, until one must wait again."""
        entry: Entry | None = first
        try:
            while entry is not None and entry.next_at <= utcnow():
                if not await self._one(entry, utcnow()):
                    return
                drop(self.conn, entry.key)
                entry = next((e for e in heads(self.conn) if e.chat_id == first.chat_id), None)
        except Exception:  # a bug or the database: the entry stays, the next turn retries
            log.exception("set-aside updates of a chat could not be handled")

    async def _one(self, entry: Entry, now: datetime) -> bool:
        """True when the update is done with (committed, or given up and the person told)."""
        try:
            update = Update.de_json(entry.update, self.bot)
        except Exception as e:
            log.warning("set-aside update %d is malformed; dropped: %s", entry.update_id, e)
            return True
        try:
            await self.incoming.handle(update, now)
        except DownloadError as e:
            return self._failed(entry, update, now, e)
        except sqlite3.Error as e:  # not the update's fault: again later, no try counted
            log.warning("update %d: database error, retried later: %s", entry.update_id, e)
            reschedule(self.conn, entry, max(1, entry.tries), now)
            return False
        except Exception as e:  # a bug in handling this one update
            log.exception("set-aside update %d could not be handled", entry.update_id)
            return self._failed(entry, update, now, e)
        if entry.tries:
            log.info("update %d: done after %d failed download(s)", entry.update_id, entry.tries)
        return True

    def _failed(self, entry: Entry, update: Update, now: datetime, e: Exception) -> bool:
        tries = entry.tries + 1
        if tries >= MAX_TRIES:
            self.incoming.give_up(update, now, str(e))
            return True
        log.warning("update %d: voice download failed (try %d of %d), retried aside in %g s: %s",
                    entry.update_id, tries, MAX_TRIES, tries * PAUSE_S, e)
        reschedule(self.conn, entry, tries, now)
        return False
