"""`organizer asr` for real: a subprocess, the base model, the committed clips.

Order matters a little: the last tests check that the service is still healthy after
everything before them, and the very last one stops the tight service with SIGTERM.
"""

from __future__ import annotations

import io
import sqlite3
import threading
import time
import wave
from pathlib import Path

import httpx
import pytest

from fixtures.asr import AsrService, clip, clips, has_keywords

pytestmark = pytest.mark.model

SPEECH = {n: c for n, c in clips().items() if c.get("quality", True) and c["language"]}


def wav_silence(seconds: float, rate: int = 8000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(rate)
        w.writeframes(b"\x80" * int(seconds * rate))
    return buf.getvalue()


def test_health_says_loading_until_ready_then_notifies(asr_service: AsrService) -> None:
    seen = [s for _, s in asr_service.statuses]
    assert seen[0] == "loading" and seen[-1] == "ready", seen
    health = asr_service.health()
    assert health["status"] == "ready"
    assert health["device"] == "cpu" and health["compute_type"] == "int8"
    assert health["cpu_threads"] >= 1 and health["warm_s"] is not None
    ready_sent = asr_service.notify.first("READY=1")
    assert ready_sent is not None, asr_service.notify.messages
    last_loading = max(t for t, s in asr_service.statuses if s == "loading")
    assert ready_sent >= last_loading, "READY=1 was sent while /health still said loading"
    assert any(m == "WATCHDOG=1" for _, m in asr_service.notify.messages)
    assert "no database" in asr_service.log()  # runs without DB_PATH


@pytest.mark.parametrize("name", ["ru_meeting", "ru_milk", "en_call", "en_milk"])
def test_multipart_transcribes_the_words(asr_service: AsrService, name: str) -> None:
    c = SPEECH[name]
    with asr_service.client() as http:
        r = http.post("/asr", files={"file": (f"{name}.ogg", clip(f"{name}.ogg"), "audio/ogg")},
                      data={"language": c["language"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert has_keywords(body["text"], c["keywords"]), body["text"]
    assert body["language"] == c["language"]
    assert body["duration_s"] == pytest.approx(3.2, abs=0.8)
    assert 0 < body["processing_s"] < 15
    assert body["segments"] and body["truncated"] is False


def test_raw_body_with_query_language(asr_service: AsrService) -> None:
    with asr_service.client() as http:
        r = http.post("/asr", content=clip("en_meeting.ogg"), params={"language": "en"},
                      headers={"content-type": "audio/ogg"})
    assert r.status_code == 200, r.text
    assert has_keywords(r.json()["text"], SPEECH["en_meeting"]["keywords"])


def test_default_language_from_config_and_auto_detection(asr_service: AsrService) -> None:
    with asr_service.client() as http:
        forced = http.post("/asr", content=clip("ru_call.ogg")).json()  # ASR_LANGUAGE=ru
        auto = http.post("/asr", content=clip("en_call.ogg"), params={"language": "auto"})
    assert forced["language"] == "ru" and forced["language_probability"] == 1
    assert has_keywords(forced["text"], SPEECH["ru_call"]["keywords"]), forced["text"]
    assert auto.status_code == 200
    assert auto.json()["language"] == "en"
    assert has_keywords(auto.json()["text"], SPEECH["en_call"]["keywords"])


def test_second_request_gets_429_while_the_only_slot_is_busy(asr_service: AsrService) -> None:
    results: dict[str, httpx.Response] = {}

    def long_one() -> None:
        with asr_service.client() as http:
            results["long"] = http.post("/asr", content=clip("ru_long.ogg"))

    t = threading.Thread(target=long_one)
    t.start()
    try:
        deadline = time.monotonic() + 10
        while asr_service.health()["busy"] == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        with asr_service.client() as http:
            started = time.monotonic()
            health = http.get("/health")
            health_in = time.monotonic() - started
            started = time.monotonic()
            second = http.post("/asr", content=clip("en_call.ogg"))
            answered_in = time.monotonic() - started
    finally:
        t.join(60)
    assert second.status_code == 429, second.text
    assert int(second.headers["retry-after"]) >= 1
    assert answered_in < 1.0, "429 must be immediate, not queued"
    assert health.json()["busy"] == 1 and health_in < 1.0, "/health must answer while busy"
    assert results["long"].status_code == 200
    assert has_keywords(results["long"].json()["text"], SPEECH["ru_long"]["keywords"])


def test_body_over_the_size_limit_is_413(asr_service: AsrService) -> None:
    with asr_service.client() as http:
        r = http.post("/asr", content=b"\0" * (16 * 1024 * 1024 + 1))
    assert r.status_code == 413
    assert "ASR_MAX_BYTES" in r.json()["detail"]


def test_thirty_minutes_of_audio_is_413_without_decoding(asr_service: AsrService) -> None:
    before = asr_service.rss_mib()
    with asr_service.client() as http:
        started = time.monotonic()
        r = http.post("/asr", content=wav_silence(30 * 60), headers={"content-type": "audio/wav"})
    assert r.status_code == 413, r.text
    assert "ASR_MAX_AUDIO_SEC" in r.json()["detail"]
    assert time.monotonic() - started < 5
    assert asr_service.rss_mib() < before + 100


@pytest.mark.parametrize(
    ("name", "reason"),
    [("not_audio.txt", "cannot decode"), ("truncated.ogg", "truncated OGG"), ("", "empty body")],
)
def test_bad_input_is_400_with_the_reason(asr_service: AsrService, name: str, reason: str) -> None:
    data = clip(name) if name else b""
    with asr_service.client() as http:
        r = http.post("/asr", content=data)
        m = http.post("/asr", files={"file": ("x.ogg", data)}) if data else None
    assert r.status_code == 400 and reason in r.json()["detail"], r.text
    if m is not None:
        assert m.status_code == 400 and reason in m.json()["detail"], m.text


def test_multipart_without_file_field_is_400(asr_service: AsrService) -> None:
    with asr_service.client() as http:
        r = http.post("/asr", data={"language": "ru"}, files={"audio": ("a.ogg", b"xx")})
    assert r.status_code == 400 and "'file'" in r.json()["detail"]


@pytest.mark.parametrize("language", ["xx", "russian", "klingon"])
def test_wrong_language_is_422(asr_service: AsrService, language: str) -> None:
    with asr_service.client() as http:
        r = http.post("/asr", content=clip("en_call.ogg"), params={"language": language})
    assert r.status_code == 422
    assert language in r.json()["detail"]


def test_silence_gives_empty_text_quickly(asr_service: AsrService) -> None:
    with asr_service.client() as http:
        r = http.post("/asr", content=clip("silence.ogg"))
    assert r.status_code == 200
    body = r.json()
    assert body["text"] == "" and body["segments"] == []
    assert body["processing_s"] < 3
    assert body["duration_s"] == pytest.approx(3.0, abs=0.5)


def test_openapi_describes_the_routes(asr_service: AsrService) -> None:
    spec = httpx.get(f"{asr_service.url}/openapi.json", timeout=5).json()
    body = spec["paths"]["/asr"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in body and "application/octet-stream" in body
    assert "/health" in spec["paths"]


def test_time_limit_cuts_a_garbled_clip(asr_tight: AsrService) -> None:
    with asr_tight.client() as http:
        started = time.monotonic()
        r = http.post("/asr", content=clip("ru_robot.ogg"))  # ASR_LANGUAGE=auto: slowest
        took = time.monotonic() - started
    assert r.status_code == 200, r.text
    assert r.json()["truncated"] is True
    assert took < 4.0, f"answered after {took:.1f} s with a 1 s limit"
    asr_tight.wait_idle()  # the cut decode stops after its current window
    with asr_tight.client() as http:
        ok = http.post("/asr", content=clip("silence.ogg"))
    assert ok.status_code == 200, ok.text


def test_audio_over_the_duration_limit_is_413(asr_tight: AsrService) -> None:
    asr_tight.wait_idle()  # a request cut at 1 s may still hold the slot for a moment
    with asr_tight.client() as http:
        r = http.post("/asr", files={"file": ("long.wav", wav_silence(25))})
    assert r.status_code == 413, r.text
    assert "20 s" in r.json()["detail"]


def test_service_survived_everything(asr_service: AsrService) -> None:
    assert asr_service.proc.poll() is None
    with asr_service.client() as http:
        r = http.post("/asr", files={"file": ("n.ogg", clip("en_milk.ogg"))},
                      params={"language": "en"})
    assert r.status_code == 200
    assert has_keywords(r.json()["text"], SPEECH["en_milk"]["keywords"])
    health = asr_service.health()
    assert health["status"] == "ready" and health["busy"] == 0
    assert health["failed"] == 0, asr_service.log()
    assert asr_service.rss_mib() < 800


def beats(db: Path) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("SELECT * FROM heartbeats WHERE service = 'asr'").fetchall()
    finally:
        conn.close()


def test_heartbeat_row_when_a_database_is_configured(asr_tight: AsrService) -> None:
    assert asr_tight.db is not None
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        rows = beats(asr_tight.db)
        if rows and rows[0]["status"].startswith("ready"):
            break
        time.sleep(0.2)
    assert len(rows) == 1, rows
    assert rows[0]["pid"] == asr_tight.proc.pid and rows[0]["stopped_at"] is None
    assert rows[0]["status"].startswith("ready: ")


def test_sigterm_sends_stopping_and_exits_cleanly(asr_tight: AsrService) -> None:
    started = time.monotonic()
    code = asr_tight.stop()
    assert code == 0, asr_tight.log()
    assert time.monotonic() - started < 8
    assert asr_tight.notify.first("STOPPING=1") is not None, asr_tight.notify.messages
    assert asr_tight.db is not None and beats(asr_tight.db)[0]["stopped_at"] is not None
