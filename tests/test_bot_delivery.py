"""At-least-once replies: `organizer bot` against the fake Bot API dropping, failing, refusing.

Issue 17: a dropped connection at send lost the reply for good (FAILED, no retry, no
word to the person), and a reply Telegram had delivered was recorded FAILED.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from conftest import ORGANIZER, wait_until
from fakes.telegram import FakeTelegram
from fixtures.bot import BotProc, outbox_row
from organizer.db import outbox, queue
from organizer.db.connect import BUSY_TIMEOUT_MS
from organizer.model import to_db, utcnow

StartBot = Callable[..., BotProc]


def _reply(conn: sqlite3.Connection, chat: int, asked: str, text: str, **kw: object) -> int:
    """A reply to a text message `asked` of `chat`, as the worker writes it."""
    inbox_id, _ = queue.enqueue(
        conn, message_key=f"tg:msg:{chat}:{asked}", chat_id=chat, kind="text",
        payload={"text": asked, "message_id": 1, "lang": "ru"}, now=utcnow(),
    )  # fmt: skip
    oid = outbox.enqueue(conn, chat_id=chat, text=text, now=utcnow(), inbox_id=inbox_id, **kw)  # type: ignore[arg-type]
    assert oid is not None
    return oid


def _status(conn: sqlite3.Connection, oid: int) -> str:
    return str(outbox_row(conn, oid)["status"])


def _settled(conn: sqlite3.Connection, *ids: int) -> bool:
    return all(_status(conn, i) in ("SENT", "FAILED") for i in ids)


def _texts(fake: FakeTelegram, chat: int) -> list[str]:
    return [m["text"] for m in fake.sent_to(chat)]


@pytest.mark.stores
def test_a_lost_answer_is_sent_again_and_a_delivered_reply_is_never_failed(
    fake_tg: FakeTelegram, start_bot: StartBot, dbc: sqlite3.Connection
) -> None:
    bot = start_bot()
    # dropped before Telegram acted: sent again, the person gets it once
    fake_tg.fail("sendMessage", drop=True, chat_id=701)
    before = _reply(dbc, 701, "купить хлеб", "Записал: купить хлеб")
    # dropped after Telegram delivered it: sent again; the documented duplicate
    fake_tg.fail("sendMessage", drop=True, after=True, chat_id=702)
    after = _reply(dbc, 702, "купить сыр", "Записал: купить сыр")
    # a 5xx once: retried, sent once
    fake_tg.fail("sendMessage", status=502, chat_id=703)
    flaky = _reply(dbc, 703, "купить чай", "Записал: купить чай")
    wait_until(lambda: _settled(dbc, before, after, flaky), timeout=20)

    assert _status(dbc, before) == "SENT" and _texts(fake_tg, 701) == ["Записал: купить хлеб"]
    assert _status(dbc, after) == "SENT"  # delivered: never FAILED
    assert _texts(fake_tg, 702) == ["Записал: купить сыр"] * 2
    assert outbox_row(dbc, after)["tg_message_id"] == fake_tg.sent_to(702)[-1]["message_id"]
    assert outbox_row(dbc, after)["unconfirmed_at"] is not None  # the operator can tell
    assert _status(dbc, flaky) == "SENT" and _texts(fake_tg, 703) == ["Записал: купить чай"]
    assert outbox_row(dbc, flaky)["unconfirmed_at"] is None  # a 5xx is an answer
    calls = [c for c in fake_tg.calls_of("sendMessage") if c.params.get("chat_id") == "701"]
    assert [c.status for c in calls] == [-1, 200]
    assert calls[1].at - calls[0].at >= 1.5  # the retry waited its backoff
    assert "Traceback" not in bot.log()


@pytest.mark.stores
def test_a_reply_that_finally_fails_tells_the_person_once(
    fake_tg: FakeTelegram, start_bot: StartBot, dbc: sqlite3.Connection, env: dict[str, str],
    store: str,
) -> None:
    start_bot()
    # a definite refusal of the message itself: FAILED at once, the person is told
    fake_tg.fail("sendMessage", status=400, description="Bad Request: message is too long", chat_id=801)
    refused = _reply(dbc, 801, "что у меня завтра?", "Завтра: …")
    # the chat is gone: FAILED at once, no retry, and no notice (it could not arrive)
    fake_tg.fail("sendMessage", status=400, description="Bad Request: chat not found", chat_id=802)
    gone = _reply(dbc, 802, "привет", "Привет!")
    # the retry budget spent on 5xx (five attempts already used)
    fake_tg.fail("sendMessage", status=502, chat_id=803)
    spent = _reply(dbc, 803, "погода", "Не знаю")
    dbc.execute("UPDATE outbox SET attempts = ? WHERE id = ?", (outbox.MAX_ATTEMPTS - 1, spent))
    # an unconfirmed send whose resend window has passed (an outage since): not repeated
    stale = _reply(dbc, 804, "напомни", "Хорошо")
    old = to_db(utcnow() - timedelta(seconds=outbox.RESEND_WINDOW_S + 60))
    dbc.execute("UPDATE outbox SET unconfirmed_at = ? WHERE id = ?", (old, stale))
    wait_until(lambda: _settled(dbc, refused, gone, spent, stale), timeout=20)
    assert [_status(dbc, i) for i in (refused, gone, spent, stale)] == ["FAILED"] * 4
    assert outbox_row(dbc, stale)["last_error"].startswith("delivery unknown")

    def told(chat: int) -> list[str]:
        return [t for t in _texts(fake_tg, chat) if t.startswith("Не смог доставить")]

    wait_until(lambda: all(told(c) for c in (801, 803, 804)), timeout=20)
    assert told(801) == ["Не смог доставить ответ на ваше сообщение «что у меня завтра?»; повторите, пожалуйста."]
    assert len(told(803)) == len(told(804)) == 1
    assert _texts(fake_tg, 802) == []
    assert "Хорошо" not in _texts(fake_tg, 804)  # never sent again
    assert len([c for c in fake_tg.calls_of("sendMessage") if c.params.get("chat_id") == "802"]) == 1

    def person_told() -> dict[int, str]:
        return {r.id: r.person_told for r in outbox.undelivered(dbc)}

    # the notice reached "Telegram"; its SENT commit follows within milliseconds
    wait_until(lambda: person_told()[refused] == "SENT", timeout=10)
    assert person_told()[gone] == "no"
    if store != "sqlite":
        return  # `organizer diag` is ported to PostgreSQL by another lane (pgd)
    p = subprocess.run([ORGANIZER, "diag", "outbox", "--json"], env=env, capture_output=True,
                       text=True, timeout=30)  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert "chat not found" in p.stdout.lower()
    rows = {r["id"]: r for r in json.loads(p.stdout)}
    assert rows[refused]["person_told"] == "SENT" and rows[gone]["person_told"] == "no"


@pytest.mark.slow
def test_a_confirmed_send_is_recorded_sent_after_the_database_was_busy(
    fake_tg: FakeTelegram, start_bot: StartBot, dbc: sqlite3.Connection, db_path: Path
) -> None:
    """Before: the SENT commit failed on a locked database, the row stayed SENDING (its
    chat held) and was recorded FAILED or sent again at the next start."""
    bot = start_bot()
    fake_tg.fail("sendMessage", status=200, delay_s=1.5, chat_id=901)  # a slow answer
    oid = _reply(dbc, 901, "купить кофе", "Записал: купить кофе")
    wait_until(lambda: _status(dbc, oid) == "SENDING", timeout=10)
    holder = sqlite3.connect(db_path, isolation_level=None, timeout=1)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock past busy_timeout
    time.sleep(BUSY_TIMEOUT_MS / 1000 + 2)
    holder.execute("ROLLBACK")
    holder.close()
    wait_until(lambda: _status(dbc, oid) == "SENT", timeout=15)
    assert _texts(fake_tg, 901) == ["Записал: купить кофе"]
    assert outbox_row(dbc, oid)["tg_message_id"] == fake_tg.sent_to(901)[0]["message_id"]
    assert "recording it failed" in bot.log()


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_a_bot_that_lost_its_postgresql_connection_exits_for_a_restart(
    fake_tg: FakeTelegram, start_bot: StartBot, dbc: sqlite3.Connection
) -> None:
    """Before: every statement failed from then on, yet both loops kept turning and the
    watchdog kept being pinged, so the bot stayed up and did nothing, for ever."""
    bot = start_bot()
    dbc.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    assert bot.proc is not None
    assert bot.proc.wait(timeout=20) == 1  # systemd's Restart=always brings it back
    log = bot.log()
    assert "lost the connection to PostgreSQL" in log and "Traceback" not in log
