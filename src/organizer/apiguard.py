"""ASGI guard in front of the API: the bearer token and the body cap, before any route.

Protected routes are refused (404 when API_TOKEN is empty, 401 for a missing or wrong
token) from the request headers alone, so an anonymous client never gets its body read
or validated. Every body is capped: 413 at once when Content-Length is above the cap,
and 413 while reading when a streamed (chunked) body grows past it. The accepted body is
read here and handed on to the app unchanged, within a deadline (HTTP_READ_TIMEOUT_SEC):
a client dripping its body gets 408 instead of holding the connection and a request.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 64 * 1024
BODY_TIMEOUT_S = 30.0


def bearer_ok(header: bytes | None, token: str) -> bool:
    """True when `Authorization: Bearer <token>` matches (constant-time compare)."""
    if not token or not header:
        return False
    scheme, _, cred = header.partition(b" ")
    if scheme.lower() != b"bearer":
        return False
    return hmac.compare_digest(cred.strip(), token.encode("utf-8"))


async def _answer(send: Send, status: int, detail: str, extra: list[Any] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode("utf-8")
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode("ascii")),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """Wraps the FastAPI app; `protected` are path prefixes that need the token."""

    def __init__(
        self,
        app: App,
        token: str,
        protected: tuple[str, ...],
        max_body: int = MAX_BODY_BYTES,
        read_timeout_s: float = BODY_TIMEOUT_S,
    ) -> None:
        self.app, self.token, self.protected, self.max_body = app, token, protected, max_body
        self.read_timeout_s = read_timeout_s

    def _refusal(self, scope: Scope, headers: dict[bytes, bytes]) -> tuple[int, str] | None:
        path = scope.get("path", "")
        if any(path == p or path.startswith(p + "/") for p in self.protected):
            if not self.token:
                return 404, "API_TOKEN is not set, so this route is off"
            if not bearer_ok(headers.get(b"authorization"), self.token):
                return 401, "missing or wrong bearer token"
        length = headers.get(b"content-length")
        if length is not None:
            if not length.strip().isdigit():
                return 400, "Content-Length is not a number"
            if int(length) > self.max_body:
                return 413, f"the body is over {self.max_body} bytes"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            status, detail = refusal
            extra = [(b"www-authenticate", b"Bearer")] if status == 401 else []
            await _answer(send, status, detail, extra)
            return
        try:
            async with asyncio.timeout(self.read_timeout_s):
                body = await self._read_body(receive)
        except TimeoutError:
            await _answer(send, 408, f"the body did not arrive within {self.read_timeout_s:g} s",
                          [(b"connection", b"close")])
            return
        if body is None:
            await _answer(send, 413, f"the body is over {self.max_body} bytes")
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read_body(self, receive: Receive) -> bytes | None:
        """The whole body, or None as soon as it grows past the cap."""
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break  # client gone: the app sees the disconnect below
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return None
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
