"""Voice rows: the worker sends the spooled audio to a local ASR stand-in over HTTP.

The stand-in answers POST /asr like `organizer asr` does (JSON with text, language,
duration_s, processing_s), or with the status codes a test scripts (503, 429, 400).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from organizer.db import queue
from organizer.model import from_db


class FakeAsr:
    def __init__(self) -> None:
        self.script: list[tuple[int, dict]] = []  # consumed first, then `answer`
        self.answer: tuple[int, dict] = (200, {"text": ""})
        self.requests = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                self.rfile.read(length)
                fake.requests += 1
                status, body = fake.script.pop(0) if fake.script else fake.answer
                if status == 200:
                    body = {"language": "ru", "duration_s": 2.0, "processing_s": 0.1, **body}
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                if status == 429:
                    self.send_header("retry-after", "1")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def asr() -> Iterator[FakeAsr]:
    fake = FakeAsr()
    yield fake
    fake.close()


@pytest.fixture
def vpipe(pipe_factory, asr):
    p = pipe_factory(ASR_SERVICE_URL=asr.url, ASR_HTTP_READ_TIMEOUT="5")
    p.settings.spool.mkdir(parents=True, exist_ok=True)
    return p


def voice(pipe, name: str = "note.ogg") -> tuple[int, Path]:
    path = pipe.settings.spool / name
    path.write_bytes(b"OggS fake opus")
    row_id = pipe.enqueue(
        "voice",
        {"file_path": str(path), "duration": 2, "mime": "audio/ogg", "message_id": 5, "lang": None},
    )
    return row_id, path


def test_voice_becomes_an_item_and_shows_the_transcript(vpipe, asr):
    asr.answer = (200, {"text": "завтра в 15 встреча с Петей"})
    row_id, path = voice(vpipe)
    assert vpipe.run(row_id) == "DONE"
    (reply,) = vpipe.outbox_for(row_id)
    assert reply.text == (
        "🎤 «завтра в 15 встреча с Петей»\n"
        "Добавил встречу: Встреча с Петей — завтра, 24 ноября, 15:00–16:00"
    )
    assert vpipe.items()[0]["type"] == "meeting"
    assert not path.exists()


def test_voice_answers_a_clarifying_question(vpipe, asr):
    vpipe.say("встреча с Петей")
    asr.answer = (200, {"text": "Завтра в пятнадцать."})
    row_id, _ = voice(vpipe)
    assert vpipe.run(row_id) == "DONE"
    (item,) = vpipe.items()
    assert item["status"] == "OPEN"


def test_busy_service_is_retried_with_backoff_then_succeeds(vpipe, asr):
    asr.script = [(503, {"detail": "loading"}), (429, {"detail": "busy"})]
    asr.answer = (200, {"text": "купить молоко"})
    row_id, path = voice(vpipe)
    assert vpipe.run(row_id) == "NEW"  # backing off, audio kept
    assert path.exists()
    row = queue.get(vpipe.conn, row_id)
    assert "503" in row.last_error
    for _ in range(2):
        vpipe.ready(row_id)
        status = vpipe.run(row_id)
    assert status == "DONE"
    assert vpipe.outbox_for(row_id)[0].text.endswith("Добавил задачу: Купить молоко")
    assert asr.requests == 3 and not path.exists()


def test_final_failure_tells_the_person_and_fails_the_row(vpipe, asr):
    """An outage longer than ASR_RETRY_WINDOW_SEC (30 min) fails the note for good."""
    asr.answer = (503, {"detail": "model crashed"})
    row_id, path = voice(vpipe)
    vpipe.conn.execute("UPDATE inbox_queue SET max_attempts = 2 WHERE id = ?", (row_id,))
    for minutes in (0, 1, 10):  # more tries than max_attempts: waiting is not failing
        vpipe.advance(minutes=minutes)
        vpipe.ready(row_id)
        assert vpipe.run(row_id) == "NEW" and path.exists()
    vpipe.advance(minutes=20)
    vpipe.ready(row_id)
    assert vpipe.run(row_id) == "FAILED"
    row = queue.get(vpipe.conn, row_id)
    assert "ASR_RETRY_WINDOW_SEC" in row.last_error and "503" in row.last_error
    (reply,) = vpipe.outbox_for(row_id)
    assert reply.text.startswith("Не удалось распознать голосовое сообщение")
    assert not path.exists()
    assert vpipe.items() == []


def test_a_long_outage_is_told_once_and_the_backoff_grows(vpipe, asr):
    asr.answer = (503, {"detail": "loading"})
    row_id, path = voice(vpipe)
    waits = []
    for minutes in (0, 2, 3, 5):
        vpipe.advance(minutes=minutes)
        vpipe.ready(row_id)
        assert vpipe.run(row_id) == "NEW"
        row = queue.get(vpipe.conn, row_id)
        waits.append((from_db(row.next_attempt_at) - vpipe.now).total_seconds())
        assert row.attempts == 0  # a deferral costs no attempt
    assert waits[0] >= 5 and waits[0] < waits[1] < waits[2] <= 121, waits
    delayed = vpipe.conn.execute(
        "SELECT text FROM outbox WHERE dedup_key = ?", (f"voice-delayed:{row_id}",)
    ).fetchall()
    assert len(delayed) == 1 and "недоступно" in delayed[0][0]
    assert vpipe.outbox_for(row_id) == [] and path.exists()  # the real answer is still to come


def test_a_chat_is_not_held_while_its_voice_note_waits_for_asr(vpipe, asr):
    asr.answer = (503, {"detail": "loading"})
    row_id, path = voice(vpipe)
    assert vpipe.run(row_id) == "NEW"
    reply = vpipe.say("купить хлеб")  # answered now, not after the outage
    assert reply.text == "Добавил задачу: Купить хлеб"
    asr.answer = (200, {"text": "купить молоко"})
    vpipe.advance(seconds=10)
    assert vpipe.run(row_id) == "DONE" and not path.exists()
    assert [i["title"] for i in vpipe.items()] == ["Купить хлеб", "Купить молоко"]


def test_bad_audio_fails_at_once(vpipe, asr):
    asr.answer = (400, {"detail": "not audio"})
    row_id, path = voice(vpipe)
    assert vpipe.run(row_id) == "FAILED"
    assert asr.requests == 1 and not path.exists()
    assert "not audio" in queue.get(vpipe.conn, row_id).last_error


def test_silence_gets_a_reply_and_no_item(vpipe, asr):
    asr.answer = (200, {"text": "  "})
    row_id, path = voice(vpipe)
    assert vpipe.run(row_id) == "DONE"
    assert "не расслышал" in vpipe.outbox_for(row_id)[0].text
    assert vpipe.items() == [] and not path.exists()


def test_reprocessed_voice_row_is_not_sent_again(vpipe, asr):
    asr.answer = (200, {"text": "купить молоко"})
    row_id, _ = voice(vpipe)
    assert vpipe.run(row_id) == "DONE"
    vpipe.conn.execute("UPDATE inbox_queue SET status='NEW' WHERE id=?", (row_id,))
    assert vpipe.run(row_id) == "DONE"
    assert asr.requests == 1 and len(vpipe.items()) == 1


def test_file_outside_the_spool_is_never_deleted(vpipe, asr, tmp_path):
    asr.answer = (200, {"text": "купить молоко"})
    outside = tmp_path / "keep.ogg"
    outside.write_bytes(b"OggS")
    row_id = vpipe.enqueue("voice", {"file_path": str(outside), "message_id": 1})
    assert vpipe.run(row_id) == "DONE"
    assert outside.exists()
