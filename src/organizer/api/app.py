"""create_app: the FastAPI application, its heartbeat lifespan, guard and error shape.

FastAPI is imported inside `create_app`, so importing this module stays cheap; the
routes are added by their group's module (health, items, inbox).
"""

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from organizer import __version__
from organizer.config import Settings
from organizer.db import heartbeats
from organizer.model import utcnow

log = logging.getLogger(__name__)

HEARTBEAT_EVERY_S = 5.0


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
    from fastapi import FastAPI

    from organizer.api import health, inbox, items
    from organizer.apiguard import Guard

    app = FastAPI(
        title="organizer API",
        version=__version__,
        description="Health, metrics, items and message submission for one organizer "
        "database. /items and /inbox need `Authorization: Bearer <API_TOKEN>`.",
        lifespan=_lifespan(settings, heart, notifier, is_serving),
    )
    app.add_middleware(Guard, token=settings.api_token, protected=("/items", "/inbox"),
                       read_timeout_s=settings.http_read_timeout_sec)  # fmt: skip
    _add_error_shape(app)
    health.add_routes(app, settings)
    items.add_routes(app, settings)
    inbox.add_routes(app, settings)
    return app


def _lifespan(
    settings: Settings, heart: Any, notifier: Any, is_serving: Any
) -> Callable[[Any], Any]:
    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        task = None
        if heart is not None:
            task = asyncio.create_task(_beats(settings, heart, notifier, is_serving))
        try:
            yield
        finally:
            if notifier is not None:
                notifier.stopping()
            if task is not None:
                task.cancel()

    return lifespan


async def _beats(settings: Settings, heart: Any, notifier: Any, is_serving: Any) -> None:
    # From the event loop itself, so a hung loop misses the watchdog.
    ready = False
    while True:
        try:
            heart.beat(utcnow(), f"serving on {settings.api_host}:{settings.api_port}")
        except Exception:
            log.exception("heartbeat failed")
            heart.conn = heartbeats.reopened(heart.conn, settings)  # PostgreSQL restarted
        for _ in range(int(HEARTBEAT_EVERY_S / 0.1)):
            if not ready and notifier is not None and (is_serving is None or is_serving()):
                notifier.ready()
                ready = True
            await asyncio.sleep(0.1)


def _add_error_shape(app: Any) -> None:
    from fastapi import Request, Response
    from fastapi.encoders import jsonable_encoder
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> Response:
        # A body that is not JSON is a 400 (as documented); a wrong shape stays a 422.
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse({"detail": "the body is not valid JSON"}, status_code=400)
        # ensure_ascii: the echoed input may hold a lone surrogate, not encodable as UTF-8.
        text = json.dumps({"detail": jsonable_encoder(errors)}, ensure_ascii=True)
        return Response(text, status_code=422, media_type="application/json")
