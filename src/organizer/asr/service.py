"""`organizer asr`: the HTTP face of the engine (FastAPI on uvicorn).

Imported only by the `organizer asr` command (FastAPI and uvicorn load with it).

Lifecycle: uvicorn starts serving at once, so `/health` can say "loading"; a
background thread loads the model and warms it on a second of silence; only then
`READY=1` goes to systemd. A task on the event loop beats the heartbeat row (when a
database is configured) and the systemd watchdog, so a stuck loop misses its beat.
SIGTERM sends `STOPPING=1`, cancels running decodes at their next segment and stops.

Bounded work: at most ASR_MAX_CONCURRENCY decodes at once, with no waiting line — a
request beyond that gets 429 and Retry-After at once. The body is read first, within
HTTP_READ_TIMEOUT_SEC (408 after), and only then a slot is taken, so a client dripping
its upload never holds a slot; the slot is given back only when its decoding thread has
really finished, so a request answered at its time limit still holds the CPU it uses.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import math
import socket
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from organizer import __version__
from organizer.asr.audio import AudioError, AudioTooLong, decode
from organizer.asr.engine import Engine, Job
from organizer.config import Settings
from organizer.errors import ConfigError, OrganizerError
from organizer.systemd import Notifier, watchdog_period_s

log = logging.getLogger(__name__)
logging.getLogger("faster_whisper").setLevel(logging.WARNING)  # one INFO line per request

SERVICE = "asr"
GRACE_S = 0.3  # how long past the deadline the handler waits for the thread's last segment


class HttpError(Exception):
    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers or {}


@dataclass
class State:
    """Everything the routes share. Touched only from the event loop, except `status`."""

    settings: Settings
    engine: Engine
    notifier: Notifier
    status: str = "loading"  # loading | ready | failed | stopping
    error: str | None = None
    busy: int = 0
    served: int = 0
    rejected_busy: int = 0
    failed: int = 0
    avg_processing_s: float = 2.0
    jobs: set[Job] = field(default_factory=set)
    executor: concurrent.futures.ThreadPoolExecutor | None = None
    started: float = field(default_factory=time.monotonic)

    @property
    def default_language(self) -> str | None:
        lang = self.settings.asr_language.strip().lower()
        return None if lang in ("", "auto") else lang

    def retry_after_s(self) -> int:
        """A guess at when a slot frees: the average decode time, 1 s at least."""
        return max(1, min(math.ceil(self.avg_processing_s), 60))

    def status_line(self) -> str:
        if self.status != "ready":
            return self.status
        return (
            f"ready: {self.served} served, {self.busy}/{self.settings.asr_max_concurrency} "
            f"busy, {self.rejected_busy} rejected busy, {self.failed} failed"
        )


def validate_settings(settings: Settings) -> None:
    """Checks that need no model: language code and limits (ConfigError names the fix)."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    lang = settings.asr_language.strip().lower()
    if lang not in ("", "auto") and lang not in _LANGUAGE_CODES:
        raise ConfigError(
            f"ASR_LANGUAGE={settings.asr_language!r} is not a Whisper language code",
            "use a code like ru or en, or auto to detect",
        )
    for name, value in (
        ("ASR_MAX_BYTES", settings.asr_max_bytes),
        ("ASR_MAX_AUDIO_SEC", settings.asr_max_audio_sec),
        ("ASR_REQUEST_TIMEOUT_SEC", settings.asr_request_timeout_sec),
        ("ASR_BEAM_SIZE", settings.asr_beam_size),
    ):
        if value <= 0:
            raise ConfigError(f"{name}={value} must be positive", f"set {name} to a positive value")


def pick_language(state: State, raw: str | None) -> str | None:
    """None/"" -> ASR_LANGUAGE; "auto" -> detect; else a code the model knows (422)."""
    if raw is None or raw.strip() == "":
        lang = state.default_language
    else:
        lang = raw.strip().lower()
        if lang == "auto":
            lang = None
    if lang is not None and lang not in state.engine.languages:
        if not state.engine.multilingual:
            detail = f"language {lang!r}: this model ({state.settings.asr_model}) is English-only"
        else:
            detail = f"language {lang!r} is not a Whisper language code (e.g. ru, en, or auto)"
        raise HttpError(422, detail)
    return lang


async def read_body(request: Request, max_bytes: int, timeout_s: float) -> bytes:
    """The raw body: 413 as soon as it is known to be over the limit, 408 when it is
    not all in within `timeout_s` (HTTP_READ_TIMEOUT_SEC)."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_bytes:
        raise HttpError(413, f"request body is {int(length):,} bytes; the limit is "
                             f"{max_bytes:,} (ASR_MAX_BYTES)")
    chunks, size = [], 0
    try:
        async with asyncio.timeout(timeout_s):
            async for chunk in request.stream():
                size += len(chunk)
                if size > max_bytes:
                    raise HttpError(413, f"request body is over the limit of {max_bytes:,} "
                                         "bytes (ASR_MAX_BYTES)")
                chunks.append(chunk)
    except TimeoutError:
        raise HttpError(408, f"the request body did not arrive within {timeout_s:g} s "
                             "(HTTP_READ_TIMEOUT_SEC)", {"Connection": "close"}) from None
    return b"".join(chunks)


async def split_multipart(request: Request, body: bytes) -> tuple[bytes, str | None]:
    """(audio, language field) from a multipart body already read into memory."""
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(max_files=2, max_fields=10)
    except Exception as e:  # python-multipart raises several types
        raise HttpError(400, f"malformed multipart body: {e}") from None
    try:
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise HttpError(400, "multipart body has no file field named 'file'")
        data = await upload.read()
        language = form.get("language")
        return data, language if isinstance(language, str) else None
    finally:
        await form.close()


class Slot:
    """One of ASR_MAX_CONCURRENCY; freed when its thread ends, not when the reply goes."""

    def __init__(self, state: State, loop: asyncio.AbstractEventLoop) -> None:
        Slot.check_free(state)
        state.busy += 1
        self.state, self.loop, self.handed_over, self.freed = state, loop, False, False

    @staticmethod
    def check_free(state: State) -> None:
        """429 with Retry-After when every slot is busy."""
        if state.busy >= state.settings.asr_max_concurrency:
            state.rejected_busy += 1
            raise HttpError(
                429,
                f"busy: {state.busy} transcription(s) running, the limit is "
                f"{state.settings.asr_max_concurrency} (ASR_MAX_CONCURRENCY)",
                {"Retry-After": str(state.retry_after_s())},
            )

    def free(self) -> None:
        if not self.freed:
            self.freed = True
            self.state.busy -= 1

    def free_when_done(self, fut: concurrent.futures.Future[Any]) -> None:
        self.handed_over = True
        fut.add_done_callback(lambda _f: self.loop.call_soon_threadsafe(self.free))

    def __enter__(self) -> Slot:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.handed_over:
            self.free()


def decode_and_run(engine: Engine, job: Job, data: bytes, max_audio_s: float) -> Job:
    """In a worker thread: bytes -> samples -> segments."""
    job.audio = decode(data, max_audio_s)
    if job.cancel.is_set():
        return job
    return engine.run(job)


async def read_request(state: State, request: Request, language: str | None
                       ) -> tuple[bytes, str | None]:
    """(audio, language) from the body (raw or multipart), read within the deadline."""
    s = state.settings
    body = await read_body(request, s.asr_max_bytes, s.http_read_timeout_sec)
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        body, form_language = await split_multipart(request, body)
        language = form_language or language
    lang = pick_language(state, language)
    if not body:
        raise HttpError(400, "empty body: send the audio as the multipart field 'file' "
                             "or as the raw request body")
    return body, lang


async def transcribe(state: State, request: Request, language: str | None) -> dict[str, Any]:
    s = state.settings
    if state.status != "ready":
        raise HttpError(503, f"model is {state.status}", {"Retry-After": "5"})
    Slot.check_free(state)  # busy now: 429 at once, no upload read for nothing
    loop = asyncio.get_running_loop()
    t0 = time.monotonic()
    body, lang = await read_request(state, request, language)
    with Slot(state, loop) as slot:  # taken only once the whole body is in
        deadline = t0 + s.asr_request_timeout_sec
        job = Job(audio=None, language=lang, deadline=deadline)  # type: ignore[arg-type]
        assert state.executor is not None
        state.jobs.add(job)  # so that shutdown can cancel it
        fut = state.executor.submit(decode_and_run, state.engine, job, body, s.asr_max_audio_sec)
        slot.free_when_done(fut)
        fut.add_done_callback(lambda _f: loop.call_soon_threadsafe(state.jobs.discard, job))
        wrapped = asyncio.wrap_future(fut)
        done, _ = await asyncio.wait({wrapped}, timeout=max(0.0, deadline - time.monotonic())
                                     + GRACE_S)
        if wrapped in done:
            try:
                wrapped.result()
            except AudioTooLong as e:
                raise HttpError(413, str(e)) from None
            except AudioError as e:
                raise HttpError(400, str(e)) from None
        else:
            job.cancel.set()  # the thread stops after the window it is decoding
            job.truncated = True
            wrapped.add_done_callback(lambda f: f.cancelled() or f.exception())  # no warning
            log.warning("request cut at its time limit of %gs (ASR_REQUEST_TIMEOUT_SEC)",
                        s.asr_request_timeout_sec)
    processing_s = time.monotonic() - t0
    state.avg_processing_s = 0.8 * state.avg_processing_s + 0.2 * processing_s
    state.served += 1
    segments = list(job.segments)
    duration = job.duration_s if job.audio is not None else 0.0
    return {
        "text": " ".join(seg.text for seg in segments if seg.text).strip(),
        # a detected language means little when nothing was said (silence, noise)
        "language": lang or (job.detected_language if segments else None),
        "language_probability": (
            None if job.language_probability is None or not (lang or segments)
            else round(job.language_probability, 3)
        ),
        "duration_s": round(duration, 3),
        "processing_s": round(processing_s, 3),
        "truncated": job.truncated,
        "segments": [seg.as_dict() for seg in segments],
    }


def open_heart(settings: Settings, notifier: Notifier) -> Any:
    """A heartbeat row when DB_URL's store (DB_PATH's file) holds a current database; the
    service runs without (it needs no database to transcribe)."""
    from organizer.runtime import Heart, open_service_db

    if settings.store == "sqlite" and not settings.db_path.exists():
        log.info("no database at %s: running without a heartbeat row", settings.db_path)
        return None
    try:
        conn, _ = open_service_db(settings, SERVICE)
    except OrganizerError as e:
        log.warning("database not usable (%s): running without a heartbeat row", e)
        return None
    return Heart(conn, SERVICE, notifier)


def load_in_background(state: State, on_fatal: Callable[[], None]) -> threading.Thread:
    def work() -> None:
        try:
            state.engine.load()
            state.engine.warm()
            if state.default_language and state.default_language not in state.engine.languages:
                raise ConfigError(
                    f"ASR_LANGUAGE={state.default_language} but the model "
                    f"{state.settings.asr_model} is English-only",
                    "set ASR_LANGUAGE=en (or auto), or use a multilingual model",
                )
        except Exception as e:
            state.status, state.error = "failed", f"{type(e).__name__}: {e}"
            log.error("could not load the model %s: %s", state.engine.model_name, e)
            on_fatal()
            return
        if state.status == "loading":
            state.status = "ready"
            state.notifier.ready()
            log.info("ready: model %s, %s/%s, %d threads, up in %.1f s",
                     state.engine.model_name, state.engine.device, state.engine.compute_type,
                     state.engine.cpu_threads, time.monotonic() - state.started)

    thread = threading.Thread(target=work, name="asr-load", daemon=True)
    thread.start()
    return thread


async def beat_forever(state: State, heart: Any) -> None:
    """Heartbeat + WATCHDOG=1 from the event loop itself."""
    from organizer.model import utcnow

    period = min(watchdog_period_s() or 10.0, 10.0)
    while True:
        line = state.status_line()
        if heart is not None:
            try:
                heart.beat(utcnow(), line)
            except sqlite3.Error as e:
                log.warning("heartbeat failed: %s", e)
                state.notifier.watchdog()
                from organizer.db.heartbeats import reopened

                heart.conn = reopened(heart.conn, state.settings)  # PostgreSQL restarted
        else:
            state.notifier.watchdog()
            state.notifier.status(line)
        await asyncio.sleep(period)


ASR_OPENAPI: dict[str, Any] = {
    "parameters": [{"name": "language", "in": "query", "required": False,
                    "schema": {"type": "string", "example": "ru"}}],
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"},
                               "language": {"type": "string"}}}},
            "application/octet-stream": {
                "schema": {"type": "string", "format": "binary"}},
            "audio/ogg": {"schema": {"type": "string", "format": "binary"}},
        },
    },
    "responses": {
        "200": {"description": "the transcript: text, language, duration_s, "
                               "processing_s, truncated, segments"},
        "400": {"description": "empty body or audio that cannot be decoded"},
        "413": {"description": "body or audio longer than the limits"},
        "422": {"description": "unknown language code"},
        "429": {"description": "all slots busy; see Retry-After"},
        "503": {"description": "model still loading"},
    },
}
ASR_DESCRIPTION = (
    "Send the audio (OGG/Opus like Telegram voice notes, or anything FFmpeg "
    "decodes) as the multipart field `file` or as the raw body. `language` "
    "(query or form field): a Whisper code, `auto` to detect; default ASR_LANGUAGE. "
    "`truncated` is true when the time limit cut decoding short."
)


def make_lifespan(state: State, on_fatal: Callable[[], None]) -> Callable[[FastAPI], Any]:
    """Executor, heartbeat and model load at start; cancel decodes and tidy up at stop."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        state.executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=state.settings.asr_max_concurrency, thread_name_prefix="asr-decode"
        )
        heart = open_heart(state.settings, state.notifier)
        load_in_background(state, on_fatal)
        beater = asyncio.create_task(beat_forever(state, heart))
        try:
            yield
        finally:
            state.status = "stopping"
            for job in list(state.jobs):
                job.cancel.set()
            beater.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beater
            state.executor.shutdown(wait=False, cancel_futures=True)
            if heart is not None:
                heart.stopped()
                heart.conn.close()

    return lifespan


def health_body(state: State) -> dict[str, Any]:
    eng, settings = state.engine, state.settings
    body: dict[str, Any] = {
        "status": state.status,
        "model": settings.asr_model,
        "model_path": eng.model_name,
        "device": eng.device,
        "compute_type": eng.compute_type,
        "cpu_threads": eng.cpu_threads,
        "language": settings.asr_language,
        "beam_size": eng.options.beam_size,
        "busy": state.busy,
        "max_concurrency": settings.asr_max_concurrency,
        "served": state.served,
        "rejected_busy": state.rejected_busy,
        "failed": state.failed,
        "load_s": None if eng.load_s is None else round(eng.load_s, 2),
        "warm_s": None if eng.warm_s is None else round(eng.warm_s, 2),
        "version": __version__,
    }
    if state.error:
        body["error"] = state.error
    return body


async def answer_asr(state: State, request: Request) -> JSONResponse:
    try:
        result = await transcribe(state, request, request.query_params.get("language"))
    except HttpError:
        raise
    except Exception:
        state.failed += 1
        log.exception("transcription failed")
        raise HttpError(500, "internal error while transcribing (see the service log)") \
            from None
    log.info("transcribed %.1f s of %s in %.2f s%s", result["duration_s"],
             result["language"], result["processing_s"],
             " (cut at the time limit)" if result["truncated"] else "")
    return JSONResponse(result)


def create_app(
    settings: Settings,
    engine: Engine | None = None,
    notifier: Notifier | None = None,
    on_fatal: Callable[[], None] = lambda: None,
) -> FastAPI:
    validate_settings(settings)
    state = State(settings, engine or Engine.from_settings(settings), notifier or Notifier())
    app = FastAPI(
        title="organizer asr",
        version=__version__,
        description="Speech to text for organizer's voice notes (faster-whisper).",
        lifespan=make_lifespan(state, on_fatal),
    )
    app.state.asr = state

    @app.exception_handler(HttpError)
    async def http_error(_request: Request, e: HttpError) -> JSONResponse:
        if e.status >= 500 or e.status == 429:
            log.info("%d: %s", e.status, e.detail)
        return JSONResponse({"detail": e.detail}, status_code=e.status, headers=e.headers)

    @app.get("/health", summary="Model, device and whether it is ready",
             responses={503: {"description": "still loading, or failed"}})
    async def health() -> JSONResponse:
        return JSONResponse(health_body(state), status_code=200 if state.status == "ready" else 503)

    @app.post("/asr", summary="Transcribe one voice note", description=ASR_DESCRIPTION,
              openapi_extra=ASR_OPENAPI)
    async def asr(request: Request) -> JSONResponse:
        return await answer_asr(state, request)

    return app


def make_server(settings: Settings) -> Any:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn plus STOPPING=1 on the first signal, and no re-raise of it after."""

        notifier: Notifier = Notifier()

        def handle_exit(self, sig: int, frame: Any) -> None:
            if not self.should_exit:
                self.notifier.stopping()
            super().handle_exit(sig, frame)

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            import signal

            sigs = (signal.SIGINT, signal.SIGTERM)
            old = {sig: signal.signal(sig, self.handle_exit) for sig in sigs}
            try:
                yield
            finally:
                for sig, handler in old.items():
                    signal.signal(sig, handler)

    return Server


def listen(host: str, port: int) -> socket.socket:
    """Bind before anything else, so a taken port is one clear line, not a model load."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise OrganizerError(
            f"cannot listen on {host}:{port}: {e.strerror}",
            "is organizer-asr already running? otherwise change ASR_HOST/ASR_PORT",
        ) from None
    sock.listen(128)
    return sock


def run(settings: Settings) -> int:
    """Serve until SIGTERM. Exit code 0, or 1 when the model could not be loaded."""
    import uvicorn

    from organizer.httpserver import server_options

    server_cls = make_server(settings)
    notifier = server_cls.notifier
    holder: dict[str, Any] = {}

    def on_fatal() -> None:
        holder["fatal"] = True
        if "server" in holder:
            holder["server"].should_exit = True

    app = create_app(settings, notifier=notifier, on_fatal=on_fatal)
    config = uvicorn.Config(
        app,
        host=settings.asr_host,
        port=settings.asr_port,
        log_config=None,  # keep our logging set-up
        access_log=False,
        timeout_graceful_shutdown=5,
        lifespan="on",
        **server_options(settings.http_read_timeout_sec),  # no half-open client held forever
    )
    server = server_cls(config)
    holder["server"] = server
    sock = listen(settings.asr_host, settings.asr_port)
    host, port = sock.getsockname()[:2]
    log.info("asr %s listening on http://%s:%d (model %s)", __version__, host, port,
             settings.asr_model)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    if holder.get("fatal"):
        raise OrganizerError(
            f"the ASR model could not be loaded: {app.state.asr.error}",
            "check ASR_MODEL (run `organizer asr prepare-model` on machines without hub "
            "access) and ASR_DEVICE/ASR_COMPUTE_TYPE",
        )
    return 0
