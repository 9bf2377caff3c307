"""`organizer api`: /health, /metrics, and the token-protected /items and /inbox.

FastAPI and uvicorn are imported inside `create_app`/`run` only, so the CLI starts
fast. Every request opens its own short-lived SQLite connection (read-only for the
read routes); the service's own connection is used only for its heartbeat.

Health (`GET /health`) is 200 when the DB opens, its schema is current, the worker's
(and with a Telegram token the bot's) heartbeat in this database is fresh, no heartbeat
names another database, and the data disk has DISK_MIN_FREE_MB free; 503 otherwise
with the reasons in `problems` (organizer.health decides).
"""

import asyncio
import json
import logging
import sqlite3
import threading
import uuid
from contextlib import asynccontextmanager, closing
from datetime import datetime
from typing import TYPE_CHECKING, Any

from organizer import __version__
from organizer.apiguard import Guard, bearer_ok
from organizer.config import Settings
from organizer.db.connect import open_db
from organizer.errors import OrganizerError
from organizer.model import utcnow

if TYPE_CHECKING:
    from organizer.health import Snapshot

log = logging.getLogger(__name__)

HEARTBEAT_EVERY_S = 5.0
# Ids are limited to the integers a JSON double holds exactly (Telegram's chat ids are
# far inside), so a client sending 9.2e18 as a float cannot slip past the bound.
INT64_MIN, INT64_MAX = -(2**53 - 1), 2**53 - 1
LATENCY_BUCKETS_S = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600)


def health_report(settings: Settings, now: datetime) -> "Snapshot":
    """Everything /health says (organizer.health); never raises for a broken DB."""
    from organizer.health import gather

    return gather(settings, now)


# ---------------------------------------------------------------- the app


def create_app(
    settings: Settings,
    *,
    heart: Any = None,
    notifier: Any = None,
    is_serving: Any = None,
) -> Any:
    """The FastAPI application. `heart`, `notifier`, `is_serving` are given by `run` only.

    READY=1 goes out once `is_serving()` says the socket is bound.
    """
    from typing import Annotated, Literal

    from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request, Response
    from fastapi.encoders import jsonable_encoder
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, PlainTextResponse
    from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
    from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

    class ServiceOut(BaseModel):
        service: str
        service_id: str
        status: str | None
        beat_age_s: float | None
        stopped: bool
        instance_id: str | None = None
        db_path: str | None = None

    class HealthOut(BaseModel):
        """Anonymous callers get `status` (and when failing, `problems` without paths or
        ids); the rest needs the bearer token."""

        status: Literal["ok", "fail"]
        version: str | None = None
        db_path: str | None = None
        schema_version: int | None = None
        schema_latest: int | None = None
        instance_id: str | None = None
        queue: dict[str, int] | None = None
        oldest_new_age_s: float | None = None
        worker_beat_age_s: float | None = None
        services: list[ServiceOut] | None = None
        disk_free_bytes: int | None = None
        disk_total_bytes: int | None = None
        problems: list[str] | None = None

    class ItemOut(BaseModel):
        id: int
        chat_id: int
        type: str
        status: str
        title: str | None
        start_at: str | None
        end_at: str | None
        all_day: bool
        rrule: str | None
        tz: str
        cal_state: str
        inbox_id: int | None
        created_at: str

    def _no_bool(value: Any) -> Any:
        # JSON Schema's integer excludes true/false; pydantic's lax int would take them.
        if isinstance(value, bool):
            raise ValueError("expected an integer, not a boolean")
        return value

    Id = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX), BeforeValidator(_no_bool)]

    def _no_surrogate(value: Any) -> Any:
        # JSON may spell a lone surrogate ("\\ud800"); it is not text SQLite can store.
        if isinstance(value, str) and any("\ud800" <= c <= "\udfff" for c in value):
            raise ValueError("the text holds a lone surrogate (not valid Unicode)")
        return value

    Text = Annotated[str, BeforeValidator(_no_surrogate)]

    class InboxIn(BaseModel):
        model_config = ConfigDict(extra="forbid")

        text: Text = Field(min_length=1, max_length=4096, description="the message text")
        chat_id: Id = Field(description="chat it comes from (a Telegram chat id)")
        user_id: Id | None = None
        lang: Text | None = Field(default=None, max_length=16, description="e.g. ru or en")
        idempotency_key: str | None = Field(
            default=None,
            pattern=r"^[A-Za-z0-9._:-]{1,128}$",
            description="the same key twice enqueues once (also the Idempotency-Key header)",
        )

    class InboxOut(BaseModel):
        inbox_id: int
        message_key: str
        created: bool

    class ErrorOut(BaseModel):
        detail: str

    bearer = HTTPBearer(auto_error=False, description="API_TOKEN")

    def require_token(
        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> None:
        if not settings.api_token:
            raise HTTPException(404, "API_TOKEN is not set, so this route is off")
        if creds is None or not bearer_ok(
            f"Bearer {creds.credentials}".encode(), settings.api_token
        ):
            raise HTTPException(
                401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"}
            )

    @asynccontextmanager
    async def lifespan(_app: Any):  # type: ignore[no-untyped-def]
        task = asyncio.create_task(_beats()) if heart is not None else None
        try:
            yield
        finally:
            if notifier is not None:
                notifier.stopping()
            if task is not None:
                task.cancel()

    async def _beats() -> None:
        # From the event loop itself, so a hung loop misses the watchdog.
        ready = False
        while True:
            try:
                heart.beat(utcnow(), f"serving on {settings.api_host}:{settings.api_port}")
            except Exception:
                log.exception("heartbeat failed")
            for _ in range(int(HEARTBEAT_EVERY_S / 0.1)):
                if not ready and notifier is not None and (is_serving is None or is_serving()):
                    notifier.ready()
                    ready = True
                await asyncio.sleep(0.1)

    app = FastAPI(
        title="organizer API",
        version=__version__,
        description="Health, metrics, items and message submission for one organizer "
        "database. /items and /inbox need `Authorization: Bearer <API_TOKEN>`.",
        lifespan=lifespan,
    )
    app.add_middleware(Guard, token=settings.api_token, protected=("/items", "/inbox"),
                       read_timeout_s=settings.http_read_timeout_sec)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # A body that is not JSON is a 400 (as documented); a wrong shape stays a 422.
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse({"detail": "the body is not valid JSON"}, status_code=400)
        # ensure_ascii: the echoed input may hold a lone surrogate, not encodable as UTF-8.
        text = json.dumps({"detail": jsonable_encoder(errors)}, ensure_ascii=True)
        return Response(text, status_code=422, media_type="application/json")

    auth_responses: dict[int | str, dict[str, Any]] = {
        401: {"model": ErrorOut, "description": "missing or wrong bearer token"},
        404: {"model": ErrorOut, "description": "API_TOKEN is empty: route off"},
    }

    @app.get(
        "/health",
        response_model=HealthOut,
        responses={503: {"model": HealthOut, "description": "not healthy; see problems"}},
    )
    def health(request: Request) -> JSONResponse:
        """200 when the DB is readable, its schema current, the services alive on this
        database and the data disk not full; 503 with `problems` otherwise.

        Without a valid bearer token only `status` (and path-free `problems`) is shown."""
        r = health_report(settings, utcnow())
        code = 200 if r.ok else 503
        status: Literal["ok", "fail"] = "ok" if r.ok else "fail"
        # The token is optional here (not a security requirement of the route).
        if not bearer_ok(request.headers.get("authorization", "").encode(), settings.api_token):
            anon = HealthOut(status=status, problems=[p.summary for p in r.problems] or None)
            return JSONResponse(anon.model_dump(exclude_none=True), status_code=code)
        body = HealthOut(
            status=status,
            version=__version__,
            db_path=r.db_path,
            schema_version=r.schema_version,
            schema_latest=r.schema_latest,
            instance_id=r.instance_id,
            queue=r.queue,
            oldest_new_age_s=r.oldest_new_age_s,
            worker_beat_age_s=r.worker_beat_age_s,
            services=[ServiceOut(**b.__dict__) for b in r.services],
            disk_free_bytes=r.disk.free_bytes if r.disk else None,
            disk_total_bytes=r.disk.total_bytes if r.disk else None,
            problems=[p.detail for p in r.problems],
        )
        return JSONResponse(body.model_dump(), status_code=code)

    @app.get(
        "/metrics",
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    def metrics() -> Response:
        """Prometheus text format: queue, items, latencies, outbox lag, heartbeats."""
        from organizer.metrics import metrics_text

        return Response(metrics_text(settings, utcnow()), media_type="text/plain; version=0.0.4")

    @app.get(
        "/items",
        response_model=list[ItemOut],
        dependencies=[Depends(require_token)],
        responses={**auth_responses, 503: {"model": ErrorOut}},
    )
    def list_items(
        status: Annotated[Literal["DRAFT", "OPEN", "DONE", "CANCELLED"] | None, Query()] = None,
        type: Annotated[Literal["task", "meeting", "note"] | None, Query()] = None,
        chat_id: Annotated[int | None, Query(ge=INT64_MIN, le=INT64_MAX)] = None,
        cal_state: Annotated[
            Literal["NONE", "LOCAL", "PENDING", "SYNCED", "FAILED"] | None, Query()
        ] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> Any:
        """Items, newest first, filtered by status, type, chat and calendar state."""
        where, args = [], []
        for col, value in (
            ("status", status),
            ("type", type),
            ("chat_id", chat_id),
            ("cal_state", cal_state),
        ):
            if value is not None:
                where.append(f"{col} = ?")
                args.append(value)
        sql = "SELECT * FROM items" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY id DESC LIMIT ?"
        try:
            with closing(open_db(settings.db_path, readonly=True)) as conn:
                rows = conn.execute(sql, (*args, limit)).fetchall()
        except (OrganizerError, sqlite3.Error) as e:
            return JSONResponse({"detail": f"database unavailable: {e}"}, status_code=503)
        return [
            ItemOut(
                id=r["id"],
                chat_id=r["chat_id"],
                type=r["type"],
                status=r["status"],
                title=r["title"],
                start_at=r["start_at"],
                end_at=r["end_at"],
                all_day=bool(r["all_day"]),
                rrule=r["rrule"],
                tz=r["tz"],
                cal_state=r["cal_state"],
                inbox_id=r["inbox_id"],
                created_at=r["created_at"],
            )
            for r in rows
        ]

    @app.post(
        "/inbox",
        response_model=InboxOut,
        status_code=201,
        dependencies=[Depends(require_token)],
        responses={
            **auth_responses,
            200: {"model": InboxOut, "description": "already submitted with this key"},
            400: {"model": ErrorOut, "description": "the body is not JSON (or not UTF-8)"},
            403: {"model": ErrorOut, "description": "chat_id is not in TELEGRAM_ALLOWED_USER_IDS"},
            413: {"model": ErrorOut, "description": "the body is over 64 KiB"},
            503: {"model": ErrorOut},
        },
    )
    def submit(
        body: InboxIn,
        idempotency_key: Annotated[str | None, Header(pattern=r"^[A-Za-z0-9._:-]{1,128}$")] = None,
    ) -> Any:
        """Put a text into the inbox as if it came from the chat (source `api`)."""
        from organizer.db import queue

        allowed = settings.allowed_user_ids
        for who in (body.chat_id, body.user_id):
            if who is not None and who not in allowed:
                return JSONResponse(
                    {"detail": f"{who} is not in TELEGRAM_ALLOWED_USER_IDS"}, status_code=403
                )
        key = body.idempotency_key or idempotency_key or uuid.uuid4().hex
        message_key = f"api:{key}"
        payload = {"text": body.text, "message_id": None, "lang": body.lang}
        try:
            with closing(open_db(settings.db_path)) as conn:
                row_id, created = queue.enqueue(
                    conn,
                    message_key=message_key,
                    chat_id=body.chat_id,
                    user_id=body.user_id,
                    kind="text",
                    payload=payload,
                    now=utcnow(),
                    source="api",
                    max_attempts=settings.worker_max_attempts,
                )
        except (OrganizerError, sqlite3.Error) as e:
            return JSONResponse({"detail": f"database unavailable: {e}"}, status_code=503)
        out = InboxOut(inbox_id=row_id, message_key=message_key, created=created)
        return JSONResponse(out.model_dump(), status_code=201 if created else 200)

    return app


def run(settings: Settings) -> int:
    """The `organizer api` process: schema check, then uvicorn until SIGTERM."""
    import uvicorn

    from organizer.runtime import Heart, install_signal_handlers, open_service_db
    from organizer.systemd import Notifier

    # uvicorn installs its own SIGTERM handler while serving and re-raises the signal
    # after a graceful shutdown; with ours underneath, that re-raise is harmless and
    # the process exits 0 instead of dying by the signal.
    install_signal_handlers(threading.Event())
    notifier = Notifier()
    conn, _ = open_service_db(settings, "api")
    heart = Heart(conn, "api", notifier)
    servers: list[Any] = []
    app = create_app(
        settings,
        heart=heart,
        notifier=notifier,
        is_serving=lambda: bool(servers and servers[0].started),
    )
    if not settings.api_token:
        log.warning("API_TOKEN is empty: /items and /inbox are off (404)")
    from organizer.httpserver import server_options

    config = uvicorn.Config(
        app,
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,  # our logging setup (journald-friendly) stays in charge
        access_log=False,
        lifespan="on",
        **server_options(settings.http_read_timeout_sec),  # no half-open client held forever
    )
    server = uvicorn.Server(config)
    servers.append(server)
    log.info("api listening on http://%s:%d", settings.api_host, settings.api_port)
    try:
        server.run()  # uvicorn handles SIGTERM/SIGINT: finish requests, then return
    finally:
        heart.stopped()
        conn.close()
    return 0 if server.started else 1
