"""A voice note whose download fails is retried aside: the real `organizer bot` goes on.

Before, the failed update held the getUpdates offset and every later update of every
chat waited out its retries (2 + 4 + … s). Now the update is kept in bot_state and
retried by a background task; other chats are enqueued at once, and the same chat's
later messages queue behind the voice note, in order.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable

from conftest import wait_until
from fakes.telegram import FakeTelegram
from fixtures.bot import FRIEND, OWNER, BotProc, inbox_rows
from organizer.bot.texts import say
from organizer.model import to_db, utcnow

StartBot = Callable[..., BotProc]
VOICE = b"OggS" + bytes(2000)


def rows_of(conn: sqlite3.Connection, chat_id: int) -> list[sqlite3.Row]:
    return [r for r in inbox_rows(conn) if r["chat_id"] == chat_id]


def aside_rows(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM bot_state WHERE key LIKE 'aside:%'").fetchall()


def test_a_failing_voice_download_holds_no_other_chat(
    fake_tg: FakeTelegram, start_bot: StartBot, dbc: sqlite3.Connection
) -> None:
    bot = start_bot()
    note = fake_tg.voice(OWNER, VOICE)
    fake_tg.fail_file(note["message"]["voice"]["file_id"], times=2)
    fake_tg.push(note)
    fake_tg.push(fake_tg.message(OWNER, "купить хлеб"))  # after the voice, same chat
    pushed = time.monotonic()
    fake_tg.push(fake_tg.message(FRIEND, "позвонить маме"))
    wait_until(lambda: rows_of(dbc, FRIEND), timeout=10)
    assert time.monotonic() - pushed < 2.0  # the old poller waited 2 s + 4 s first
    assert rows_of(dbc, OWNER) == []  # the voice is still being fetched; its chat waits
    wait_until(lambda: len(rows_of(dbc, OWNER)) == 2, timeout=20)
    voice, text = rows_of(dbc, OWNER)
    assert voice["kind"] == "voice" and text["kind"] == "text"  # in the order they were sent
    assert voice["id"] < text["id"]
    with open(json.loads(voice["payload"])["file_path"], "rb") as f:
        assert f.read() == VOICE
    # the entry is dropped right after its inbox row commits: a moment later
    wait_until(lambda: aside_rows(dbc) == [], timeout=5)
    assert "retried aside" in bot.log() and "Traceback" not in bot.log()


def test_a_slow_download_holds_only_its_own_chat(
    fake_tg: FakeTelegram, start_bot: StartBot, dbc: sqlite3.Connection
) -> None:
    start_bot()
    slow = fake_tg.voice(OWNER, VOICE)
    fake_tg.delay_file(slow["message"]["voice"]["file_id"], 4.0)
    fake_tg.push(slow)
    time.sleep(0.3)  # the slow download has started
    pushed = time.monotonic()
    fake_tg.push(fake_tg.voice(FRIEND, b"OggS friend"))
    wait_until(lambda: rows_of(dbc, FRIEND), timeout=10)
    assert time.monotonic() - pushed < 2.5  # not behind the other chat's 4 s download
    assert rows_of(dbc, OWNER) == []
    wait_until(lambda: rows_of(dbc, OWNER), timeout=10)
    assert [r["kind"] for r in inbox_rows(dbc)] == ["voice", "voice"]


def test_a_voice_that_never_downloads_is_given_up_after_a_restart(
    fake_tg: FakeTelegram, start_bot: StartBot, dbc: sqlite3.Connection
) -> None:
    """An update set aside by an earlier bot process (4 tries spent) is taken up again;
    its last try fails and the person is told."""
    note = {"update_id": 500, **fake_tg.voice(OWNER, VOICE)}
    fake_tg.fail_file(note["message"]["voice"]["file_id"], times=100)
    value = {"update": note, "tries": 4, "next_at": to_db(utcnow())}
    dbc.execute("INSERT INTO bot_state (key, value, updated_at) VALUES (?, ?, ?)",
                (f"aside:{OWNER}:{500:015d}", json.dumps(value), to_db(utcnow())))
    start_bot()
    fake_tg.push(fake_tg.message(OWNER, "купить хлеб"))  # queues behind the held voice
    wait_until(lambda: fake_tg.sent_to(OWNER), timeout=15)
    assert fake_tg.sent_to(OWNER)[0]["text"] == say("download_failed", "ru")
    wait_until(lambda: rows_of(dbc, OWNER), timeout=10)
    assert [r["kind"] for r in rows_of(dbc, OWNER)] == ["text"]
    # the entry is dropped right after its inbox row commits: a moment later
    wait_until(lambda: aside_rows(dbc) == [], timeout=5)
