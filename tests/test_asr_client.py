"""The worker's ASR client: against the real service, and against a tiny local server
that answers 429/503/400/slowly, to check how each answer is classified."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from conftest import free_port
from fixtures.asr import AUDIO, AsrService, clips, has_keywords
from organizer import asr_client
from organizer.asr_client import AsrFailed, AsrRetryable, Transcript, transcribe
from organizer.config import Settings, load_settings

OGG = AUDIO / "en_call.ogg"


def settings_for(url: str, read_timeout: float = 120.0) -> Settings:
    return load_settings({"DB_PATH": "/nonexistent/o.db", "ORGANIZER_ENV_FILE": "",
                          "ASR_SERVICE_URL": url, "ASR_HTTP_READ_TIMEOUT": str(read_timeout)})


SEEN: dict[str, int] = {}  # requests per mode, for the several-services tests


async def answer(request: Request) -> JSONResponse | PlainTextResponse:
    mode = request.path_params["mode"]
    SEEN[mode] = SEEN.get(mode, 0) + 1
    form = await request.form()
    upload = form.get("file")
    assert upload is not None and not isinstance(upload, str)
    size = len(await upload.read())
    if mode in ("ok", "ok2"):
        return JSONResponse({"text": f"got {size} bytes", "language": request.query_params.get(
            "language", "ru"), "duration_s": 2.8, "processing_s": 0.5, "segments": []})
    if mode == "busy":
        return JSONResponse({"detail": "busy"}, status_code=429, headers={"Retry-After": "7"})
    if mode == "loading":
        return JSONResponse({"detail": "model is loading"}, status_code=503)
    if mode == "bad":
        return JSONResponse({"detail": "cannot decode the audio"}, status_code=400)
    if mode == "late-body":
        return JSONResponse({"detail": "the request body did not arrive within 30 s"},
                            status_code=408)
    if mode == "crash":
        return PlainTextResponse("Internal Server Error", status_code=500)
    if mode == "garbage":
        return PlainTextResponse("<html>not json</html>")
    await asyncio.sleep(3)  # "slow"
    return JSONResponse({"text": "late"})


@pytest.fixture(scope="module")
def fake() -> Iterator[str]:
    """The tiny server: POST /<mode>/asr answers the way <mode> says."""
    app = Starlette(routes=[Route("/{mode}/asr", answer, methods=["POST"])])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)


def test_ok_answer_becomes_a_transcript(fake: str) -> None:
    t = transcribe(settings_for(f"{fake}/ok"), OGG, "en")
    assert isinstance(t, Transcript)
    assert t.text == f"got {OGG.stat().st_size} bytes"
    assert t.language == "en" and t.duration_s == 2.8 and t.processing_s == 0.5
    assert t.truncated is False


def test_429_is_retryable_and_honours_retry_after(fake: str) -> None:
    with pytest.raises(AsrRetryable) as e:
        transcribe(settings_for(f"{fake}/busy"), OGG)
    assert e.value.retry_after_s == 7
    assert "busy" in e.value.message


@pytest.mark.parametrize("mode", ["loading", "crash", "garbage", "late-body"])
def test_5xx_and_nonsense_are_retryable(fake: str, mode: str) -> None:
    with pytest.raises(AsrRetryable):
        transcribe(settings_for(f"{fake}/{mode}"), OGG)


def test_4xx_is_failed_with_the_reason(fake: str) -> None:
    with pytest.raises(AsrFailed) as e:
        transcribe(settings_for(f"{fake}/bad"), OGG)
    assert "cannot decode the audio" in e.value.message
    assert not isinstance(e.value, AsrRetryable)


def test_slow_answer_is_a_retryable_timeout(fake: str) -> None:
    started = time.monotonic()
    with pytest.raises(AsrRetryable) as e:
        transcribe(settings_for(f"{fake}/slow", read_timeout=0.5), OGG)
    assert time.monotonic() - started < 2.5
    assert "ASR_HTTP_READ_TIMEOUT" in e.value.message


def test_nobody_listening_is_retryable_after_one_quick_retry() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(AsrRetryable) as e:
        transcribe(settings_for(url), OGG)
    took = time.monotonic() - started
    assert 0.4 < took < 5, took  # one pause of CONNECT_RETRY_PAUSE_S, then give up
    assert "not reachable" in e.value.message


def test_missing_file_is_failed(fake: str, tmp_path: Path) -> None:
    with pytest.raises(AsrFailed):
        transcribe(settings_for(f"{fake}/ok"), tmp_path / "gone.ogg")


@pytest.mark.model
def test_real_service_round_trip(asr_service: AsrService) -> None:
    s = settings_for(asr_service.url)
    c = clips()["ru_milk"]
    t = transcribe(s, AUDIO / "ru_milk.ogg")  # language from the service's ASR_LANGUAGE
    assert t.language == "ru" and has_keywords(t.text, c["keywords"]), t
    assert t.duration_s > 3 and t.processing_s > 0
    en = transcribe(s, AUDIO / "en_milk.ogg", "en")
    assert has_keywords(en.text, clips()["en_milk"]["keywords"]), en


@pytest.mark.model
def test_real_service_refusals_are_failed(asr_service: AsrService) -> None:
    s = settings_for(asr_service.url)
    with pytest.raises(AsrFailed, match="truncated OGG"):
        transcribe(s, AUDIO / "truncated.ogg")
    with pytest.raises(AsrFailed, match="language"):
        transcribe(s, AUDIO / "en_call.ogg", "xx")


# --- several ASR services (ASR_SERVICE_URL=url1,url2; issue 19) ---


@pytest.fixture
def replicas(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh view of which services rest, and fresh counts."""
    monkeypatch.setattr(asr_client, "REPLICAS", asr_client.Replicas())
    SEEN.clear()


def test_notes_are_spread_over_the_services(fake: str, replicas: None) -> None:
    s = settings_for(f"{fake}/ok, {fake}/ok2")
    assert s.asr_service_urls == (f"{fake}/ok", f"{fake}/ok2")
    for _ in range(4):
        assert transcribe(s, OGG).text.startswith("got ")
    assert SEEN == {"ok": 2, "ok2": 2}


def test_an_unhealthy_service_is_skipped_and_rests(fake: str, replicas: None) -> None:
    s = settings_for(f"{fake}/loading,{fake}/ok")
    for _ in range(3):
        assert transcribe(s, OGG).text.startswith("got ")
    # tried once, then left to rest while the healthy one takes every note
    assert SEEN == {"loading": 1, "ok": 3}


def test_a_service_nobody_listens_on_costs_no_wait(fake: str, replicas: None) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    s = settings_for(f"{dead},{fake}/ok")
    t0 = time.monotonic()
    assert transcribe(s, OGG).text.startswith("got ")
    assert time.monotonic() - t0 < asr_client.CONNECT_RETRY_PAUSE_S  # no quick retry here
    assert SEEN == {"ok": 1}


def test_all_services_down_is_retryable(fake: str, replicas: None) -> None:
    s = settings_for(f"{fake}/loading,{fake}/crash")
    with pytest.raises(AsrRetryable):
        transcribe(s, OGG)
    assert SEEN == {"loading": 1, "crash": 1}


def test_bad_audio_is_not_sent_to_the_next_service(fake: str, replicas: None) -> None:
    s = settings_for(f"{fake}/bad,{fake}/ok")
    with pytest.raises(AsrFailed):
        transcribe(s, OGG)
    assert SEEN == {"bad": 1}


def test_a_slow_service_is_not_doubled_by_the_next(fake: str, replicas: None) -> None:
    s = settings_for(f"{fake}/slow,{fake}/ok", read_timeout=0.5)
    with pytest.raises(AsrRetryable):
        transcribe(s, OGG)
    assert SEEN == {"slow": 1}
    assert transcribe(s, OGG).text.startswith("got ")  # the slow one now rests


def test_a_list_with_a_non_url_is_refused_in_one_line() -> None:
    from organizer.config import ConfigError

    with pytest.raises(ConfigError, match="ASR_SERVICE_URL has 'localhost:8001'"):
        settings_for("http://127.0.0.1:8001,localhost:8001")
