"""`organizer bot` as a real process against a fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import itertools
import json
import os
import socket
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import wait_until
from fakes.telegram import FakeTelegram
from fixtures.bot import FRIEND, OWNER, STRANGER, BotProc, inbox_rows, outbox_row
from organizer.db import outbox, queue
from organizer.model import utcnow

AUDIO = Path(__file__).parent / "data" / "audio"
StartBot = Callable[..., BotProc]


def _send(conn: sqlite3.Connection, chat: int, text: str | None, **kw: object) -> int:
    oid = outbox.enqueue(conn, chat_id=chat, text=text, now=utcnow(), **kw)  # type: ignore[arg-type]
    assert oid is not None
    return oid


def _status(conn: sqlite3.Connection, oid: int) -> str:
    return str(outbox_row(conn, oid)["status"])


def _done(conn: sqlite3.Connection, *ids: int) -> bool:
    return all(_status(conn, i) in ("SENT", "FAILED") for i in ids)


def _payload(row: sqlite3.Row) -> dict[str, object]:
    return json.loads(row["payload"])


def test_updates_become_inbox_rows_and_odd_ones_never_crash(
    fake_tg: FakeTelegram, start_bot: StartBot, dbc: sqlite3.Connection
) -> None:
    sock_dir = tempfile.mkdtemp(prefix="nfy", dir="/tmp")
    sock_path = os.path.join(sock_dir, "n.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(sock_path)
    notify.settimeout(10)
    try:
        bot = start_bot(NOTIFY_SOCKET=sock_path)
        got: list[str] = []
        deadline = time.monotonic() + 10
        while not any("READY=1" in g for g in got) or not any("WATCHDOG=1" in g for g in got):
            assert time.monotonic() < deadline, got
            got.append(notify.recv(4096).decode())

        # start-up calls: getMe, deleteWebhook, commands in ru and en, callback_query allowed
        assert fake_tg.calls_of("getMe") and fake_tg.calls_of("deleteWebhook")
        assert {"ru", "en"} <= set(fake_tg.commands)
        names = [c["command"] for c in fake_tg.commands["en"]]
        assert {"start", "help", "today", "tomorrow", "week", "tasks", "cancel"} <= set(names)
        wait_until(lambda: fake_tg.calls_of("getUpdates"), timeout=10)
        assert "callback_query" in fake_tg.calls_of("getUpdates")[0].params["allowed_updates"]

        fake_tg.push(fake_tg.message(OWNER, "завтра в 15 встреча с Петей"))
        fake_tg.push(fake_tg.message(FRIEND, "/today@fake_organizer_bot", lang="en"))
        fake_tg.push(fake_tg.message(OWNER, "/tz Europe/Berlin"))
        fake_tg.push(fake_tg.message(OWNER, None, location={"latitude": 55.75, "longitude": 37.62}))
        # odd ones
        fake_tg.push({"update_id": 9000, "message": "not an object"})  # malformed
        fake_tg.push({"update_id": 9001, "poll": {"id": "p"}})  # a type we did not ask for
        fake_tg.push({"no_update_id": True})
        fake_tg.push({"update_id": 9002, "message": {"message_id": 1}})  # fields missing
        fake_tg.push({"update_id": 9003, "callback_query": {"id": "x", "data": "done:1"}})
        fake_tg.push({"update_id": 9004, "message": {"message_id": 7, "date": 0, "chat": {"id": OWNER, "type": "private"}}})  # no sender
        fake_tg.push(fake_tg.message(OWNER, "в группе", chat_id=-100123, chat_type="supergroup"))
        fake_tg.push(fake_tg.message(OWNER, None, sticker={"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1, "height": 1, "is_animated": False, "is_video": False}))
        edited = fake_tg.message(OWNER, "исправленный текст", edited=True)
        fake_tg.push(edited)
        fake_tg.push(edited)  # edited twice: answered once
        fake_tg.push(fake_tg.message(OWNER, "x" * 20_000))  # longer than Telegram allows
        fake_tg.push(fake_tg.message(OWNER, "после всего"))

        wait_until(lambda: len(inbox_rows(dbc)) >= 6, timeout=15)
        wait_until(lambda: len(fake_tg.sent_to(OWNER)) >= 2, timeout=15)
        rows = inbox_rows(dbc)
        kinds = [(r["kind"], r["chat_id"]) for r in rows]
        assert kinds == [
            ("text", OWNER),
            ("command", FRIEND),
            ("command", OWNER),
            ("command", OWNER),
            ("text", OWNER),
            ("text", OWNER),
        ]
        p = [_payload(r) for r in rows]
        assert p[0] == {"text": "завтра в 15 встреча с Петей", "message_id": 1, "lang": "ru"}
        assert rows[0]["message_key"] == f"tg:msg:{OWNER}:1"
        assert p[1] == {"command": "today", "args": "", "message_id": 2, "lang": "en"}
        assert p[2]["command"] == "tz" and p[2]["args"] == "Europe/Berlin"
        assert p[3]["command"] == "location" and p[3]["args"] == "55.75,37.62"
        assert len(str(p[4]["text"])) <= 16_000
        assert p[5]["text"] == "после всего"
        texts = [m["text"] for m in fake_tg.sent_to(OWNER)]
        assert len(texts) == 2  # one "what I can do" for the sticker, one "edits aren't applied"
        assert any("/help" in t for t in texts)
        assert all(m["chat"]["id"] != -100123 for m in fake_tg.sent)

        # STATUS carries the last update time; a heartbeat row exists for diag health
        deadline = time.monotonic() + 12
        while not any("last update" in g and "never" not in g for g in got):
            assert time.monotonic() < deadline, got
            got.append(notify.recv(4096).decode())
        hb = dbc.execute("SELECT * FROM heartbeats WHERE service = 'bot'").fetchone()
        assert hb is not None and hb["stopped_at"] is None

        # SIGTERM during a long poll: a clean, quick stop
        t0 = time.monotonic()
        assert bot.stop(timeout=10) == 0
        assert time.monotonic() - t0 < 5
        hb = dbc.execute("SELECT * FROM heartbeats WHERE service = 'bot'").fetchone()
        assert hb["stopped_at"] is not None
        log = bot.log()
        assert "Traceback" not in log
        assert "ABCdefGHIjkl" not in log  # the token never appears
        assert "malformed update 9000" in log
    finally:
        notify.close()
        os.unlink(sock_path)


def test_outbox_send_edit_answer_and_the_odd_cases(
    fake_tg: FakeTelegram, start_bot: StartBot, dbc: sqlite3.Connection
) -> None:
    start_bot()
    card = _send(
        dbc,
        OWNER,
        "Встреча с Петей, завтра 15:00",
        dedup_key="reply:1",
        keyboard=[[{"text": "Готово", "callback_data": "done:7"}, {"text": "Отменить", "callback_data": "cancel:7"}]],
    )
    wait_until(lambda: _status(dbc, card) == "SENT", timeout=10)
    tg_id = outbox_row(dbc, card)["tg_message_id"]
    sent = fake_tg.sent_to(OWNER)[-1]
    assert sent["message_id"] == tg_id
    assert sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "done:7"

    # the person presses "Готово": a callback row, then the worker's edit and answer go out
    fake_tg.push(fake_tg.callback(OWNER, "done:7", tg_id))
    wait_until(lambda: any(r["kind"] == "callback" for r in inbox_rows(dbc)), timeout=10)
    cb = next(r for r in inbox_rows(dbc) if r["kind"] == "callback")
    assert cb["message_key"].startswith("tg:cb:")
    assert _payload(cb) == {"data": "done:7", "message_id": tg_id, "callback_query_id": "cbq1"}
    edit = _send(dbc, OWNER, "✅ Встреча с Петей, завтра 15:00", kind="edit", target_outbox_id=card, dedup_key="edit:2")
    answer = _send(dbc, OWNER, "Готово", kind="callback_answer", callback_query_id="cbq1", dedup_key="cbans:2")
    same = _send(dbc, OWNER, "✅ Встреча с Петей, завтра 15:00", kind="edit", target_outbox_id=card, dedup_key="edit:3")
    wait_until(lambda: _done(dbc, edit, answer, same), timeout=15)
    assert [_status(dbc, i) for i in (edit, answer, same)] == ["SENT"] * 3  # "not modified" = success
    assert fake_tg.edits == [
        {"message_id": tg_id, "chat_id": OWNER, "text": "✅ Встреча с Петей, завтра 15:00", "reply_markup": None}
    ]
    assert fake_tg.answers[0]["callback_query_id"] == "cbq1"
    assert fake_tg.messages[tg_id]["text"].startswith("✅")

    # independent chats, so the per-chat second doesn't serialise the rest
    lost = _send(dbc, 501, "новый текст", kind="edit", target_message_id=424242)  # gone: sent anew
    huge = _send(dbc, 502, ("строка текста\n" * 800))  # ~11,000 characters
    long_data = _send(dbc, 503, "кнопки", keyboard=[[{"text": "ok", "callback_data": "done:1"}, {"text": "bad", "callback_data": "y" * 70}]])
    html = _send(dbc, 504, "<b>unclosed", parse_mode="HTML")
    fake_tg.fail("sendMessage", status=403, description="Forbidden: bot was blocked by the user", chat_id=505)
    blocked = _send(dbc, 505, "до заблокировавшего")
    wait_until(lambda: _done(dbc, lost, huge, long_data, html, blocked), timeout=20)
    assert _status(dbc, lost) == "SENT" and fake_tg.sent_to(501)[0]["text"] == "новый текст"
    parts = fake_tg.sent_to(502)
    assert _status(dbc, huge) == "SENT" and len(parts) == 3
    assert all(len(m["text"]) <= 4096 for m in parts)
    assert outbox_row(dbc, huge)["tg_message_id"] == parts[-1]["message_id"]
    kb = fake_tg.sent_to(503)[0]["reply_markup"]["inline_keyboard"]
    assert kb == [[{"text": "ok", "callback_data": "done:1"}]]
    assert _status(dbc, html) == "SENT" and fake_tg.sent_to(504)[0]["parse_mode"] is None
    assert _status(dbc, blocked) == "FAILED"
    assert "blocked" in outbox_row(dbc, blocked)["last_error"]


def test_a_stranger_is_refused_once_and_nothing_of_theirs_is_kept(
    fake_tg: FakeTelegram, start_bot: StartBot, dbc: sqlite3.Connection
) -> None:
    bot = start_bot()
    fake_tg.push(fake_tg.message(STRANGER, "/start", lang="en"))
    fake_tg.push(fake_tg.message(STRANGER, "hello?"))
    fake_tg.push(fake_tg.message(STRANGER, "anyone?"))
    fake_tg.push(fake_tg.callback(STRANGER, "done:1", 5))
    fake_tg.push(fake_tg.message(OWNER, "а я свой"))
    wait_until(lambda: len(inbox_rows(dbc)) == 1, timeout=10)
    time.sleep(0.5)
    to_stranger = fake_tg.sent_to(STRANGER)
    assert len(to_stranger) == 1
    assert str(STRANGER) in to_stranger[0]["text"] and "user id" in to_stranger[0]["text"]
    assert fake_tg.answers == []  # the button press got no second refusal
    assert inbox_rows(dbc)[0]["chat_id"] == OWNER
    assert dbc.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0
    (who,) = dbc.execute("SELECT who FROM bot_refusals").fetchone()
    assert who != str(STRANGER) and len(who) == 32
    assert "(1 refused today)" in bot.log()


def test_429_and_5xx_are_retried_and_sent_once(
    fake_tg: FakeTelegram, start_bot: StartBot, dbc: sqlite3.Connection
) -> None:
    start_bot()
    fake_tg.fail("sendMessage", status=429, retry_after=2)
    first = _send(dbc, 601, "после 429")
    wait_until(lambda: _done(dbc, first), timeout=15)
    calls = [c for c in fake_tg.calls_of("sendMessage") if c.params.get("chat_id") == "601"]
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 1.9  # retry_after honoured
    assert _status(dbc, first) == "SENT"

    fake_tg.fail("sendMessage", status=502)
    second = _send(dbc, 602, "после 502")
    wait_until(lambda: _done(dbc, second), timeout=15)
    assert _status(dbc, second) == "SENT"
    assert [m["text"] for m in fake_tg.sent_to(602)] == ["после 502"]

    # a slow answer (within the read timeout) is just waited for
    fake_tg.fail("sendMessage", status=200, delay_s=2.0, chat_id=603)
    slow = _send(dbc, 603, "медленно")
    # an answer lost after the request arrived: a send goes again (at-least-once) …
    fake_tg.fail("sendMessage", drop=True, chat_id=604)
    lost = _send(dbc, 604, "ответ потерян")
    # … and so does an edit (idempotent)
    fake_tg.fail("editMessageText", drop=True, chat_id=603)
    wait_until(lambda: _done(dbc, slow, lost), timeout=15)
    edit = _send(dbc, 603, "медленно, но исправлено", kind="edit", target_outbox_id=slow)
    wait_until(lambda: _done(dbc, edit), timeout=15)
    assert _status(dbc, slow) == "SENT" and len(fake_tg.sent_to(603)) == 1
    assert _status(dbc, lost) == "SENT" and outbox_row(dbc, lost)["unconfirmed_at"]
    assert [m["text"] for m in fake_tg.sent_to(604)] == ["ответ потерян"]  # dropped before it took effect
    assert _status(dbc, edit) == "SENT"
    assert [c.status for c in fake_tg.calls_of("editMessageText")] == [-1, 200]


def test_telegram_down_for_a_while_and_back(
    fake_tg: FakeTelegram, start_bot: StartBot, dbc: sqlite3.Connection
) -> None:
    bot = start_bot()
    fake_tg.stop()
    queued = _send(dbc, OWNER, "пока сервер лежал")
    time.sleep(4)
    assert bot.alive() and _status(dbc, queued) == "PENDING"
    fake_tg.start()  # same port
    fake_tg.push(fake_tg.message(OWNER, "сервер вернулся"))
    wait_until(lambda: _status(dbc, queued) == "SENT", timeout=30)
    wait_until(lambda: len(inbox_rows(dbc)) == 1, timeout=30)
    assert outbox_row(dbc, queued)["attempts"] <= 1  # waiting out an outage costs no attempts
    log = bot.log()
    assert log.count("Telegram unreachable") == 1, log  # one line per change of state
    assert "reachable again" in log
    assert "Traceback" not in log


def test_voice_notes_audio_and_round_videos_are_downloaded(
    fake_tg: FakeTelegram, start_bot: StartBot, dbc: sqlite3.Connection
) -> None:
    start_bot()
    clip = (AUDIO / "ru_milk.ogg").read_bytes() if (AUDIO / "ru_milk.ogg").exists() else b"OggS" + bytes(4000)
    broken = (AUDIO / "truncated.ogg").read_bytes() if (AUDIO / "truncated.ogg").exists() else b"OggS\x00"
    fake_tg.fail("getFile", status=500)  # one hiccup: the update is tried again
    fake_tg.push(fake_tg.voice(OWNER, clip, duration=3))
    fake_tg.push(fake_tg.voice(OWNER, b"ID3 mp3 bytes", kind="audio"))
    fake_tg.push(fake_tg.voice(OWNER, b"\x00\x00\x00\x18ftypmp42", kind="video_note"))
    fake_tg.push(fake_tg.voice(OWNER, broken))  # broken audio is the pipeline's to judge
    fake_tg.push(fake_tg.voice(OWNER, b"big", size=25 * 1024 * 1024))
    wait_until(lambda: len(inbox_rows(dbc)) == 4, timeout=20)
    wait_until(lambda: len(fake_tg.sent_to(OWNER)) == 1, timeout=10)
    rows = inbox_rows(dbc)
    assert {r["kind"] for r in rows} == {"voice"}
    payloads = [_payload(r) for r in rows]
    assert [p["mime"] for p in payloads] == ["audio/ogg", "audio/mpeg", "video/mp4", "audio/ogg"]
    assert payloads[0]["duration"] == 3
    for p, data in zip(payloads, [clip, b"ID3 mp3 bytes", b"\x00\x00\x00\x18ftypmp42", broken], strict=True):
        path = Path(str(p["file_path"]))
        assert path.is_absolute() and path.read_bytes() == data
    assert str(payloads[0]["file_path"]).endswith(".ogg") and str(payloads[2]["file_path"]).endswith(".mp4")
    assert "20" in fake_tg.sent_to(OWNER)[0]["text"]  # "too large … up to 20 MB"
    spool = Path(str(payloads[0]["file_path"])).parent
    assert not list(spool.glob("*.part"))


@pytest.mark.slow
def test_rate_limits_hold_under_load(
    fake_tg: FakeTelegram, start_bot: StartBot, dbc: sqlite3.Connection
) -> None:
    fake_tg.enforce_limits = True
    start_bot()
    ids = [_send(dbc, 10_000 + i, f"m{i}") for i in range(60)]
    ids += [_send(dbc, 777, f"same chat {i}") for i in range(4)]
    t0 = time.monotonic()
    wait_until(lambda: _done(dbc, *ids), timeout=30)
    took = time.monotonic() - t0
    assert fake_tg.violations == []
    assert all(_status(dbc, i) == "SENT" for i in ids)
    times = sorted(c.at for c in fake_tg.calls_of("sendMessage"))
    assert max(sum(1 for t in times if s <= t < s + 1.0) for s in times) <= 30
    same = [c.at for c in fake_tg.calls_of("sendMessage") if c.params.get("chat_id") == "777"]
    assert all(b - a >= 0.9 for a, b in itertools.pairwise(same))
    assert took < 6  # 60 chats at ~30/s is about 2 s, plus the polling granularity


@pytest.mark.slow
def test_killed_mid_stream_nothing_lost_nothing_doubled(
    fake_tg: FakeTelegram, start_bot: StartBot, dbc: sqlite3.Connection, db_path: Path
) -> None:
    bot = start_bot()
    n = 40
    stop_feeding = threading.Event()

    def feed() -> None:
        for i in range(n):
            fake_tg.push(fake_tg.message(OWNER if i % 2 else FRIEND, f"сообщение {i}"))
            if stop_feeding.wait(0.04):
                return

    feeder = threading.Thread(target=feed)
    feeder.start()
    ids = []
    for i in range(n):
        ids.append(_send(dbc, 20_000 + i, f"ответ {i}"))
        time.sleep(0.02)
        if i == n // 2:
            bot.kill()  # SIGKILL mid-stream
            bot = start_bot()
    feeder.join(timeout=10)
    wait_until(lambda: len(inbox_rows(dbc)) == n, timeout=30)
    wait_until(lambda: _done(dbc, *ids), timeout=30)
    time.sleep(1.0)  # anything doubled would show up now
    keys = [r["message_key"] for r in inbox_rows(dbc)]
    assert len(keys) == len(set(keys)) == n
    texts = sorted(_payload(r)["text"] for r in inbox_rows(dbc))  # type: ignore[type-var]
    assert texts == sorted(f"сообщение {i}" for i in range(n))
    sent_texts = [m["text"] for m in fake_tg.sent]
    for i, oid in enumerate(ids):
        row = outbox_row(dbc, oid)
        assert row["status"] == "SENT"  # at-least-once: nothing lost
        # Only a send that was in flight at the kill may show twice (docs/BOT.md).
        n = sent_texts.count(f"ответ {i}")
        assert n == 1 or (n == 2 and row["unconfirmed_at"] is not None), (i, n)
    assert sum(1 for oid in ids if outbox_row(dbc, oid)["unconfirmed_at"]) <= 8
    assert bot.stop() == 0


def _worker_handles_text(settings_conn: sqlite3.Connection, db_path: Path) -> bool:
    """Has the pipeline landed its handlers? (Then the round trip uses the real worker.)"""
    try:
        from organizer.config import load_settings
        from organizer.handlers import build_plugins

        handlers = build_plugins(load_settings({"DB_PATH": str(db_path)}), settings_conn).handlers
        return {"text", "voice"} <= set(handlers)
    except Exception:
        return False


class _StandInAsr:
    """POST /asr → a fixed transcript: the ASR service's contract without the model."""

    def __init__(self, text: str) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        body = json.dumps(
            {"text": text, "language": "ru", "duration_s": 1.5, "processing_s": 0.1, "segments": []}
        ).encode()
        seen = self.seen = []  # type: ignore[var-annotated]

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a: object) -> None:
                pass

            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                seen.append(self.rfile.read(n))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_text_and_voice_round_trip_through_the_worker(
    fake_tg: FakeTelegram,
    start_bot: StartBot,
    dbc: sqlite3.Connection,
    db_path: Path,
    bot_env: dict[str, str],
) -> None:
    """Telegram → bot → inbox → worker → outbox → bot → Telegram, for text and for voice.

    With the pipeline installed the real `organizer worker` answers (voice through a
    stand-in ASR service); without it the test does the worker's part by hand.
    """
    import subprocess

    from conftest import ORGANIZER

    asr = _StandInAsr("купить молоко")
    start_bot()
    fake_tg.push(fake_tg.message(OWNER, "купить хлеб"))
    clip = (AUDIO / "ru_milk.ogg").read_bytes() if (AUDIO / "ru_milk.ogg").exists() else b"OggS" + bytes(100)
    fake_tg.push(fake_tg.voice(OWNER, clip))
    wait_until(lambda: len(inbox_rows(dbc)) == 2, timeout=10)
    voice_file = Path(str(_payload(inbox_rows(dbc)[1])["file_path"]))
    assert voice_file.read_bytes() == clip
    worker = None
    if _worker_handles_text(dbc, db_path):
        env = {**bot_env, "ASR_SERVICE_URL": asr.url, "CALENDAR_BACKEND": "none"}
        worker = subprocess.Popen([ORGANIZER, "worker"], env=env, stderr=subprocess.DEVNULL)
    else:  # the worker's part done by hand: claim, reply, complete
        for _ in range(2):
            row = queue.claim(dbc, "test", utcnow(), 30)
            assert row is not None
            _send(dbc, row.chat_id, f"ok: {row.kind}", dedup_key=f"reply:{row.id}", inbox_id=row.id)
            assert queue.complete(dbc, row.id, "test", utcnow())
    try:
        wait_until(lambda: len(fake_tg.sent_to(OWNER)) >= 2, timeout=40)
        wait_until(lambda: all(r["status"] == "DONE" for r in inbox_rows(dbc)), timeout=20)
        replies = [m["text"] for m in fake_tg.sent_to(OWNER)]
        assert all(replies)
        if worker is not None:
            assert asr.seen and asr.seen[0].find(clip[:64]) >= 0  # the file as downloaded
            # What the replies say is the pipeline's business (tested there); one per message.
            assert len(replies) >= 2, replies
            wait_until(lambda: not voice_file.exists(), timeout=10)  # the pipeline's cleanup
    finally:
        asr.close()
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=10)


def test_bad_settings_are_one_line_errors(bot_env: dict[str, str]) -> None:
    import subprocess

    from conftest import ORGANIZER

    for change, expected in (
        ({"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "does not look like a bot token"),
        ({"TELEGRAM_API_BASE_URL": "http://127.0.0.1:1"}, "must end in /bot"),
        ({"TG_HTTP_READ_TIMEOUT": "5"}, "TG_HTTP_READ_TIMEOUT"),
    ):
        r = subprocess.run(
            [ORGANIZER, "bot"], env={**bot_env, **change}, capture_output=True, text=True, timeout=30
        )
        assert r.returncode == 1, r.stderr
        assert expected in r.stderr and "Traceback" not in r.stderr
        assert "hint:" in r.stderr


def test_a_rejected_token_is_logged_once_and_the_bot_keeps_waiting(
    fake_tg: FakeTelegram, start_bot: StartBot
) -> None:
    bot = start_bot(wait_ready=False, TELEGRAM_BOT_TOKEN="654321:" + "x" * 35)
    # not just "rejected": the test's tmp folder, in the log's first line, says it too
    wait_until(lambda: "Telegram rejected" in bot.log(), timeout=15)
    time.sleep(1.0)
    assert bot.alive()
    assert bot.log().count("Telegram rejected") == 1
    assert "xxxxxxxxxxxxxxxxxxxx" not in bot.log()
    assert bot.stop(timeout=10) == 0
