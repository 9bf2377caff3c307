"""Updates → inbox rows (or a short answer through the outbox).

Everything here is committed to SQLite before `handle` returns; the poller only
moves the getUpdates offset past an update after that, so a crash re-delivers it
and the unique message_key makes the second delivery a no-op.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from telegram import Bot, CallbackQuery, Message, Update, User
from telegram.error import BadRequest, TelegramError

from organizer.bot.download import (
    MAX_DOWNLOAD_BYTES,
    BadStatus,
    TooBig,
    UnsafeFilePath,
    fetch,
    file_url,
)
from organizer.bot.texts import say
from organizer.db import botstate, outbox, queue

log = logging.getLogger(__name__)

MAX_INBOX_TEXT = 16_000  # Telegram sends ≤ 4,096; anything longer is not from Telegram
UNSUPPORTED = (
    "sticker",
    "photo",
    "document",
    "animation",
    "video",
    "contact",
    "poll",
    "dice",
    "venue",
    "game",
    "story",
    "paid_media",
)


class DownloadError(Exception):
    """The voice file could not be fetched now; the update is tried again later."""


@dataclass
class Refusal:
    """A polite refusal the service sends straight away (strangers never reach the outbox)."""

    chat_id: int
    text: str
    callback_query_id: str | None = None


class Incoming:
    def __init__(
        self,
        conn: sqlite3.Connection,
        bot: Bot,
        *,
        allowed: frozenset[int],
        spool: Path,
        instance_id: str,
        refuse: Callable[[Refusal], Awaitable[None]],
    ) -> None:
        self.conn = conn
        self.bot = bot
        self.allowed = allowed
        self.spool = spool
        self.instance_id = instance_id
        self.refuse = refuse
        self.stats: dict[str, int] = {}

    def _count(self, what: str) -> str:
        self.stats[what] = self.stats.get(what, 0) + 1
        return what

    async def handle(self, update: Update, now: datetime) -> str:
        """Commit what this update means; returns a short label of what was done."""
        if update.callback_query is not None:
            return await self._callback(update.callback_query, now)
        if update.message is not None:
            return await self._message(update.message, now)
        if update.edited_message is not None:
            return self._edited(update.edited_message, now)
        return self._count("ignored:type")

    # -- who may talk to us

    def _private(self, msg: Message) -> bool:
        return msg.chat.type == "private" and msg.from_user is not None

    def fetches_a_file(self, update: Update) -> bool:
        """True when handling `update` means downloading (an allowed person's audio):
        the service does that off the poll loop (bot/aside.py)."""
        msg = update.message
        return (
            msg is not None
            and self._private(msg)
            and msg.from_user is not None
            and msg.from_user.id in self.allowed
            and _audio_of(msg) is not None
        )

    async def _stranger(
        self, user: User, chat_id: int, now: datetime, callback_query_id: str | None = None
    ) -> str:
        who = botstate.stranger_key(self.instance_id, user.id)
        if not botstate.note_refusal(self.conn, who, now):
            return self._count("stranger:quiet")
        n = botstate.refusals_today(self.conn, now)
        log.info("refused a user who is not on the allow-list (%d refused today)", n)
        key = "refuse_short" if callback_query_id else "refuse"
        await self.refuse(
            Refusal(chat_id, say(key, user.language_code, user_id=user.id), callback_query_id)
        )
        return self._count("stranger:refused")

    # -- messages

    async def _message(self, msg: Message, now: datetime) -> str:
        if not self._private(msg):
            return self._count("ignored:group")
        user = msg.from_user
        assert user is not None
        chat_id = msg.chat.id
        if user.id not in self.allowed:
            return await self._stranger(user, chat_id, now)
        key = f"tg:msg:{chat_id}:{msg.message_id}"
        lang = user.language_code
        if msg.text is not None:
            command = _command(msg)
            if command is not None:
                name, args = command
                return self._enqueue(
                    key,
                    msg,
                    "command",
                    {"command": name, "args": args, "message_id": msg.message_id, "lang": lang},
                    now,
                )
            return self._enqueue(
                key,
                msg,
                "text",
                {"text": msg.text[:MAX_INBOX_TEXT], "message_id": msg.message_id, "lang": lang},
                now,
            )
        if msg.location is not None:
            loc = msg.location
            return self._enqueue(
                key,
                msg,
                "command",
                {
                    "command": "location",
                    "args": f"{loc.latitude},{loc.longitude}",
                    "message_id": msg.message_id,
                    "lang": lang,
                },
                now,
            )
        media = _audio_of(msg)
        if media is not None:
            return await self._voice(key, msg, media, now)
        if any(getattr(msg, attr, None) for attr in UNSUPPORTED):
            self._reply(chat_id, f"about:{chat_id}:{msg.message_id}", say("unsupported", lang), now)
            return self._count("answered:unsupported")
        return self._count("ignored:service")  # pinned, chat photo changed, …

    def _edited(self, msg: Message, now: datetime) -> str:
        if not self._private(msg):
            return self._count("ignored:group")
        user = msg.from_user
        assert user is not None
        if user.id not in self.allowed:
            return self._count("stranger:quiet")
        chat_id = msg.chat.id
        # Once per edited message, however often it is edited.
        self._reply(
            chat_id, f"edited:{chat_id}:{msg.message_id}", say("edited", user.language_code), now
        )
        return self._count("answered:edited")

    def _enqueue(self, key: str, msg: Message, kind: str, payload: dict[str, Any], now: datetime) -> str:
        user = msg.from_user
        _, new = queue.enqueue(
            self.conn,
            message_key=key,
            chat_id=msg.chat.id,
            user_id=user.id if user else None,
            kind=kind,
            payload=payload,
            now=now,
        )
        return self._count(f"inbox:{kind}" if new else "duplicate")

    def _reply(self, chat_id: int, dedup_key: str, text: str, now: datetime) -> None:
        outbox.enqueue(self.conn, chat_id=chat_id, text=text, now=now, dedup_key=dedup_key)

    # -- voice notes, audio files, round video notes

    async def _voice(self, key: str, msg: Message, media: _Media, now: datetime) -> str:
        chat_id = msg.chat.id
        lang = msg.from_user.language_code if msg.from_user else None
        if botstate.inbox_has(self.conn, key):
            return self._count("duplicate")  # the file may be gone already: don't fetch again
        if media.size and media.size > MAX_DOWNLOAD_BYTES:
            return self._too_big(chat_id, msg.message_id, media.size, lang, now)
        path = self.spool / f"tg-{chat_id}-{msg.message_id}{media.ext}"
        # one .part per process: two bots on one spool never write into the same file
        tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
        try:
            await self._download(media.file_id, tmp)
            os.replace(tmp, path)
        except TooBig as e:
            tmp.unlink(missing_ok=True)
            return self._too_big(chat_id, msg.message_id, max(e.size, media.size or 0), lang, now)
        except UnsafeFilePath as e:
            log.warning("refused a voice file: %s", e)
            self._reply(chat_id, f"dlfail:{chat_id}:{msg.message_id}", say("download_failed", lang), now)
            return self._count("refused:file_path")
        except BadRequest as e:
            tmp.unlink(missing_ok=True)
            if "too big" in str(e).lower():
                return self._too_big(chat_id, msg.message_id, media.size or 0, lang, now)
            raise DownloadError(f"getFile refused: {e}") from e
        except (TelegramError, OSError, httpx.HTTPError, BadStatus) as e:
            tmp.unlink(missing_ok=True)
            raise DownloadError(f"{type(e).__name__}: {e}") from e
        label = self._enqueue(
            key,
            msg,
            "voice",
            {
                "file_path": str(path.absolute()),
                "duration": media.duration,
                "mime": media.mime,
                "message_id": msg.message_id,
                "lang": lang,
            },
            now,
        )
        return label

    async def _download(self, file_id: str, tmp: Path) -> None:
        """getFile, then stream the file from the file route (never a local file)."""
        file = await self.bot.get_file(file_id)
        if file.file_size and file.file_size > MAX_DOWNLOAD_BYTES:
            raise TooBig(file.file_size)
        url = file_url(self.bot.base_file_url, file.file_path)
        self.spool.mkdir(parents=True, exist_ok=True)
        await fetch(url, tmp, limit=MAX_DOWNLOAD_BYTES)

    def _too_big(self, chat_id: int, message_id: int, size: int, lang: str | None, now: datetime) -> str:
        self._reply(
            chat_id,
            f"toobig:{chat_id}:{message_id}",
            say("too_big", lang, size_mb=size / 1024 / 1024),
            now,
        )
        return self._count("answered:too_big")

    def give_up(self, update: Update, now: datetime, error: str) -> None:
        """A voice note that could not be downloaded after several tries: say so."""
        msg = update.message
        if msg is None or msg.from_user is None:
            return
        log.error("gave up on update %d: %s", update.update_id, error)
        self._reply(
            msg.chat.id,
            f"dlfail:{msg.chat.id}:{msg.message_id}",
            say("download_failed", msg.from_user.language_code),
            now,
        )

    # -- button presses

    async def _callback(self, q: CallbackQuery, now: datetime) -> str:
        msg = q.message
        chat_id = msg.chat.id if msg is not None else q.from_user.id
        if msg is not None and msg.chat.type != "private":
            return self._count("ignored:group")
        if q.from_user.id not in self.allowed:
            return await self._stranger(q.from_user, chat_id, now, callback_query_id=q.id)
        _, new = queue.enqueue(
            self.conn,
            message_key=f"tg:cb:{q.id}",
            chat_id=chat_id,
            user_id=q.from_user.id,
            kind="callback",
            payload={
                "data": q.data,
                "message_id": msg.message_id if msg is not None else None,
                "callback_query_id": q.id,
            },
            now=now,
        )
        return self._count("inbox:callback" if new else "duplicate")


@dataclass(frozen=True)
class _Media:
    file_id: str
    size: int | None
    duration: float | None
    mime: str
    ext: str


_EXT = {
    "audio/ogg": ".ogg",
    "audio/opus": ".opus",
    "audio/mpeg": ".mp3",
    "audio/mp3": ".mp3",
    "audio/mp4": ".m4a",
    "audio/x-m4a": ".m4a",
    "audio/aac": ".aac",
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/flac": ".flac",
    "audio/webm": ".webm",
    "video/mp4": ".mp4",
}


def _seconds(value: Any) -> float | None:
    if value is None:
        return None
    if hasattr(value, "total_seconds"):
        return float(value.total_seconds())
    return float(value)


def _ext(mime: str, file_name: str | None) -> str:
    if file_name and "." in file_name:
        ext = "." + file_name.rsplit(".", 1)[1].lower()
        if ext.isascii() and 2 <= len(ext) <= 6 and ext[1:].isalnum():
            return ext
    return _EXT.get(mime.lower(), ".bin")


def _audio_of(msg: Message) -> _Media | None:
    """Voice note, audio file, round video note (its audio), or an audio document."""
    import warnings

    with warnings.catch_warnings():  # PTB 22 warns about int durations; we read both
        warnings.simplefilter("ignore")
        if msg.voice is not None:
            v = msg.voice
            mime = v.mime_type or "audio/ogg"
            return _Media(v.file_id, v.file_size, _seconds(v.duration), mime, _ext(mime, None))
        if msg.audio is not None:
            a = msg.audio
            mime = a.mime_type or "audio/mpeg"
            return _Media(a.file_id, a.file_size, _seconds(a.duration), mime, _ext(mime, a.file_name))
        if msg.video_note is not None:
            n = msg.video_note
            return _Media(n.file_id, n.file_size, _seconds(n.duration), "video/mp4", ".mp4")
        d = msg.document
        if d is not None and (d.mime_type or "").startswith("audio/"):
            mime = d.mime_type or "audio/ogg"
            return _Media(d.file_id, d.file_size, None, mime, _ext(mime, d.file_name))
    return None


def _command(msg: Message) -> tuple[str, str] | None:
    """('today', 'args…') when the text starts with a bot command, else None."""
    text = msg.text or ""
    for e in msg.entities or ():
        if e.type == "bot_command" and e.offset == 0:
            word = text[1 : e.length]
            name = word.split("@", 1)[0].lower()
            return name, text[e.length :].strip()
    if text.startswith("/") and len(text) > 1 and text[1].isalpha():
        word, _, args = text[1:].partition(" ")
        return word.split("@", 1)[0].lower(), args.strip()
    return None
