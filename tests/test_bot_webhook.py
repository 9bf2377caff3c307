"""`organizer bot --webhook` (issue 19): Telegram posts updates; the bot answers 200 only
after the update's inbox row is committed, checks the secret, and several bots may take
updates for one database. Real bot processes against the fake Bot API server."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from conftest import ORGANIZER, free_port, wait_until
from fakes.telegram import FakeTelegram
from fixtures.bot import OWNER, BotProc, inbox_rows
from organizer.db import outbox
from organizer.model import utcnow

SECRET = "s3cret_token-for-tests"
# Every test here runs on SQLite and on PostgreSQL (several bots on one database).
pytestmark = pytest.mark.stores


def _webhook_env(bot_env: dict[str, str], port: int) -> dict[str, str]:
    return {
        **bot_env,
        "TELEGRAM_WEBHOOK_URL": f"https://bot.example.test/tg/{port}",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
        "TELEGRAM_WEBHOOK_PORT": str(port),
    }


@pytest.fixture
def webhook_bot(bot_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[[], tuple[BotProc, str]]]:
    """webhook_bot() → (a running `organizer bot --webhook`, the URL to post updates to)."""
    procs: list[BotProc] = []

    def start() -> tuple[BotProc, str]:
        port = free_port()
        bp = BotProc(_webhook_env(bot_env, port), tmp_path / f"bot{port}.log", args=("--webhook",))
        procs.append(bp.start())
        wait_until(lambda: "webhook: listening" in bp.log() or not bp.alive(), timeout=20)
        assert bp.alive(), bp.log()
        return bp, f"http://127.0.0.1:{port}/tg/{port}"

    yield start
    for bp in procs:
        if bp.alive():
            bp.kill()


def _post(url: str, update: dict[str, object], secret: str | None = SECRET) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return httpx.post(url, content=json.dumps(update), headers=headers, timeout=10).status_code


def test_updates_posted_to_the_webhook_are_stored_once(
    fake_tg: FakeTelegram, webhook_bot: Callable[[], tuple[BotProc, str]], dbc: sqlite3.Connection
) -> None:
    bot, url = webhook_bot()
    hook = fake_tg.webhook
    assert hook is not None and hook["url"].startswith("https://bot.example.test/tg/")
    assert hook["secret_token"] == SECRET and "callback_query" in hook["allowed_updates"]
    assert not fake_tg.calls_of("getUpdates") and not fake_tg.calls_of("deleteWebhook")

    update = {"update_id": 501, **fake_tg.message(OWNER, "завтра в 15 встреча с Петей")}
    assert _post(url, update) == 200
    assert len(inbox_rows(dbc)) == 1  # committed before the 200
    assert _post(url, update) == 200  # Telegram's retry of the same update: a no-op
    assert len(inbox_rows(dbc)) == 1

    # a client without the secret, a wrong one, junk, a giant body: refused, nothing kept
    other = {"update_id": 502, **fake_tg.message(OWNER, "купить молоко")}
    assert _post(url, other, secret=None) == 403
    assert _post(url, other, secret="guess") == 403
    bad = httpx.post(url, content=b"{not json", timeout=10,
                     headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})  # fmt: skip
    assert bad.status_code == 400
    huge = httpx.post(url, content=b"x" * (2 << 20), timeout=10,
                      headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})  # fmt: skip
    assert huge.status_code == 413
    assert httpx.get(url, timeout=10).status_code == 405
    assert len(inbox_rows(dbc)) == 1
    assert bot.alive()

    assert bot.stop() == 0
    assert fake_tg.webhook is not None  # a stopping bot leaves the webhook to its siblings


def test_two_bots_take_updates_for_one_database(
    fake_tg: FakeTelegram, webhook_bot: Callable[[], tuple[BotProc, str]], dbc: sqlite3.Connection
) -> None:
    (_, url_a), (_, url_b) = webhook_bot(), webhook_bot()
    updates = [
        {"update_id": 600 + i, **fake_tg.message(OWNER, f"заметка номер {i}")} for i in range(10)
    ]
    for i, u in enumerate(updates):
        assert _post(url_a if i % 2 else url_b, u) == 200
    for u in updates[:4]:  # the proxy retried some through the other bot
        assert _post(url_a, u) == 200 and _post(url_b, u) == 200
    texts = [json.loads(r["payload"])["text"] for r in inbox_rows(dbc)]
    assert texts == [f"заметка номер {i}" for i in range(10)]


def test_webhook_mode_without_its_settings_is_one_line(bot_env: dict[str, str]) -> None:
    env = {**bot_env, "TELEGRAM_WEBHOOK_URL": ""}
    r = subprocess.run([ORGANIZER, "bot", "--webhook"], env=env, capture_output=True,
                       text=True, timeout=30)  # fmt: skip
    assert r.returncode != 0 and "TELEGRAM_WEBHOOK_URL" in r.stderr
    assert "Traceback" not in r.stderr
    env = {**_webhook_env(bot_env, free_port()), "TELEGRAM_WEBHOOK_SECRET": "has space"}
    r = subprocess.run([ORGANIZER, "bot", "--webhook"], env=env, capture_output=True,
                       text=True, timeout=30)  # fmt: skip
    assert r.returncode != 0 and "TELEGRAM_WEBHOOK_SECRET" in r.stderr
    assert "Traceback" not in r.stderr


HANG_S = 6.0  # longer than a bot's restart: one taking a live sibling's row would show


def _in_flight(conn: sqlite3.Connection) -> dict[int, str]:
    rows = conn.execute("SELECT id, claimed_by FROM outbox WHERE status = 'SENDING'").fetchall()
    return {int(r[0]): str(r[1]) for r in rows}


def test_two_bots_deliver_one_outbox_and_a_killed_ones_sends_go_out_once(
    fake_tg: FakeTelegram, webhook_bot: Callable[[], tuple[BotProc, str]], dbc: sqlite3.Connection
) -> None:
    """Issue 19: two bots deliver one outbox at once; one is SIGKILLed with requests in
    flight and restarted. Each send is taken by one bot (never both), the dead one's are
    taken back, the live one's are left to it, and each chat gets each reply once, in order.

    Every chat's first send hangs HANG_S and is then dropped unanswered (Telegram never
    acted), so what was in flight at the kill can be sent again without a duplicate."""
    (bot_a, _), (bot_b, _) = webhook_bot(), webhook_bot()
    assert bot_a.proc is not None and bot_b.proc is not None
    a_pid, b_pid = bot_a.proc.pid, bot_b.proc.pid
    chats = list(range(3001, 3013))
    fake_tg.enforce_limits = True  # 1 msg/s per chat holds across the two bots as well
    for chat in chats:
        fake_tg.fail("sendMessage", drop=True, delay_s=HANG_S, chat_id=chat)
    now = utcnow()
    for n in range(3):
        for chat in chats:
            assert outbox.enqueue(dbc, chat_id=chat, text=f"{chat}: ответ {n}", now=now)

    def held_by_both() -> bool:
        owners = {c.rpartition("/")[2] for c in _in_flight(dbc).values()}
        return {str(a_pid), str(b_pid)} <= owners

    wait_until(held_by_both, timeout=15)
    bot_a.kill()  # SIGKILL: its requests in flight hang unanswered at "Telegram"
    at_kill = _in_flight(dbc)
    b_rows = {i for i, c in at_kill.items() if c.endswith(f"/{b_pid}")}
    a_rows = set(at_kill) - b_rows
    assert a_rows and b_rows
    bot_a.start()  # restarted on this host: the dead process's rows are taken back at once

    def all_sent() -> bool:
        return dbc.execute("SELECT COUNT(*) FROM outbox WHERE status <> 'SENT'").fetchone()[0] == 0

    wait_until(all_sent, timeout=40, interval=0.2)
    for chat in chats:
        assert [m["text"] for m in fake_tg.sent_to(chat)] == [f"{chat}: ответ {n}" for n in range(3)]
    # the live sibling's sends were never taken from it: its chat's next call came only
    # after its hanging request ended (HANG_S; a taking-back at A's restart comes sooner)
    for oid in b_rows:
        row = outbox.get(dbc, oid)
        assert row is not None
        calls = [c.at for c in fake_tg.calls_of("sendMessage") if c.params.get("chat_id") == str(row.chat_id)]
        assert calls[1] - calls[0] >= HANG_S, (oid, calls)
    for oid in a_rows:  # the dead one's were sent again by its successor or the sibling
        row = outbox.get(dbc, oid)
        assert row is not None and row.unconfirmed_at is not None
        assert not str(row.claimed_by).endswith(f"/{a_pid}")
    assert fake_tg.violations == []
    assert "Traceback" not in bot_a.log() + bot_b.log()
