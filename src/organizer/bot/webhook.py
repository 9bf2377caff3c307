"""`organizer bot --webhook`: Telegram posts each update to us (issue 19).

Why not PTB's webhook server (Updater.start_webhook): it answers 200 as soon as an
update is queued in memory, before any handler ran, so an update is acknowledged to
Telegram — and lost on a crash — before it is stored. Here an update is answered 200
only after its inbox row is committed (the same `Poller._one` the long poll uses), and
503 when it could not be stored, so Telegram sends it again. Several `organizer bot
--webhook` instances may stand behind one reverse proxy: the inbox's unique message
key makes a repeated update a no-op, and each instance delivers the outbox rows it
claims.

The server is uvicorn with the project's deadline protocol (httpserver.py), bound to
TELEGRAM_WEBHOOK_LISTEN:TELEGRAM_WEBHOOK_PORT behind the operator's TLS proxy
(docs/BOT.md, "Webhook mode"); each request must carry TELEGRAM_WEBHOOK_SECRET in
X-Telegram-Bot-Api-Secret-Token (compared in constant time).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import re
import time
from typing import Any, Protocol
from urllib.parse import urlsplit

from organizer.config import Settings
from organizer.errors import ConfigError, OrganizerError

log = logging.getLogger(__name__)

SECRET_HEADER = "x-telegram-bot-api-secret-token"
MAX_UPDATE_BYTES = 1 << 20  # an update is a few KiB; a megabyte is a hostile client
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Updates(Protocol):
    """What the webhook needs of the service's Poller: store one update, say it turned."""

    last_tick: float

    async def _one(self, uid: int, item: dict[str, Any]) -> bool: ...


def check_settings(settings: Settings) -> None:
    """What webhook mode needs; each error names the variable and the fix."""
    url = settings.telegram_webhook_url
    parts = urlsplit(url)
    if not url or parts.scheme not in ("https", "http") or not parts.netloc:
        raise ConfigError(
            f"`organizer bot --webhook` needs TELEGRAM_WEBHOOK_URL (now {url!r})",
            "set it to the public https URL your reverse proxy forwards, "
            "e.g. https://bot.example.com/telegram (docs/BOT.md)",
        )
    if not _SECRET.fullmatch(settings.telegram_webhook_secret):
        raise ConfigError(
            "`organizer bot --webhook` needs TELEGRAM_WEBHOOK_SECRET: 1-256 of A-Z a-z 0-9 _ -",
            "e.g. TELEGRAM_WEBHOOK_SECRET=$(openssl rand -hex 32)",
        )
    if not 1 <= settings.telegram_webhook_max_connections <= 100:
        raise ConfigError(
            "TELEGRAM_WEBHOOK_MAX_CONNECTIONS must be 1..100 (Telegram's range)",
            "set TELEGRAM_WEBHOOK_MAX_CONNECTIONS=40",
        )


def path_of(settings: Settings) -> str:
    """The path the proxy forwards: the public URL's own path ('/' when it has none)."""
    return urlsplit(settings.telegram_webhook_url).path or "/"


class Webhook:
    """The ASGI app Telegram's POSTs reach, and the uvicorn server that serves it."""

    def __init__(self, settings: Settings, poller: Updates) -> None:
        self.settings = settings
        self.poller = poller
        self.path = path_of(settings)
        self.secret = settings.telegram_webhook_secret.encode()
        self.lock = asyncio.Lock()  # one update stored at a time: one database connection
        self.server: Any = None
        self.refused = 0
        self._last_refusal_log = 0.0

    def app(self) -> Any:
        from starlette.applications import Starlette
        from starlette.routing import Route

        return Starlette(routes=[Route(self.path, self.receive, methods=["POST"])])

    async def receive(self, request: Any) -> Any:
        from starlette.responses import Response

        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            self._refused(request)
            return Response(status_code=403)
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_UPDATE_BYTES):
            return Response(status_code=413)
        body = await request.body()
        if len(body) > MAX_UPDATE_BYTES:
            return Response(status_code=413)
        try:
            item = json.loads(body)
        except ValueError:
            return Response("not JSON", status_code=400)
        uid = item.get("update_id") if isinstance(item, dict) else None
        if not isinstance(uid, int):
            return Response("no update_id", status_code=400)
        async with self.lock:
            stored = await self.poller._one(uid, item)
        self.poller.last_tick = time.monotonic()
        # 503: not stored (a busy or broken database); Telegram sends it again later
        return Response(status_code=200 if stored else 503)

    def _refused(self, request: Any) -> None:
        self.refused += 1
        now = time.monotonic()
        if now - self._last_refusal_log > 60:  # a scanner must not flood the journal
            self._last_refusal_log = now
            client = request.client.host if request.client else "?"
            log.warning("webhook: a request without the right secret from %s refused (403); "
                        "%d so far", client, self.refused)  # fmt: skip

    async def serve(self, stop: asyncio.Event) -> None:
        import uvicorn

        from organizer.httpserver import server_options

        config = uvicorn.Config(
            self.app(),
            host=self.settings.telegram_webhook_listen,
            port=self.settings.telegram_webhook_port,
            log_level="warning",
            lifespan="off",
            access_log=False,
            **server_options(self.settings.http_read_timeout_sec),
        )
        self.server = uvicorn.Server(config)
        self.server.capture_signals = contextlib.nullcontext  # the service owns SIGTERM
        task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if task.done():  # uvicorn exits when it cannot bind (logged above)
                raise OrganizerError(
                    f"cannot listen on {config.host}:{config.port} for the webhook",
                    "free the port or set TELEGRAM_WEBHOOK_LISTEN / TELEGRAM_WEBHOOK_PORT",
                )
            await asyncio.sleep(0.05)
        log.info("webhook: listening on %s:%d%s", config.host, config.port, self.path)
        await stop.wait()
        self.server.should_exit = True
        await asyncio.wait([task], timeout=3.0)

    def alive(self) -> bool:
        return self.server is not None and self.server.started and not self.server.should_exit
