"""uvicorn settings shared by `organizer api` and `organizer asr`: no connection held forever.

uvicorn (0.55, h11) has no timeout for a request's arrival: `timeout_keep_alive` only
runs between requests, and any byte received cancels it, so a client that connects
and sends nothing, or half a header, holds its connection (and a file descriptor)
for good; ~1,000 of them exhaust the unit's LimitNOFILE. So our protocol class:

- closes a connection whose request head is not complete HTTP_READ_TIMEOUT_SEC after
  it opened, or after the previous answer on it (keep-alive);
- holds at most MAX_CONNECTIONS: beyond that, the connection that has waited longest
  for a request head is closed to make room (a flood of idle sockets cannot lock out a
  real client), or the new one when every connection is busy with a request.

The body has its own deadline in the app (apiguard for the API, `read_body` in the
ASR service), which can answer 408 — the protocol only sees bytes.
Imported only by the commands that serve (uvicorn loads with it).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, ClassVar

from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

MAX_CONNECTIONS = 200  # far below the units' LimitNOFILE; a person's organizer needs few
MAX_HEAD_BYTES = 16 * 1024  # request line + headers (h11's own default, made explicit)
KEEP_ALIVE_S = 5


class DeadlineH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request head and a connection cap."""

    head_timeout_s: float = 30.0
    max_connections: int = MAX_CONNECTIONS
    capped: bool = False
    # Connections waiting for a request head, oldest first (one dict per server class).
    waiting: ClassVar[dict[DeadlineH11Protocol, None]] = {}

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._head_deadline: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        cls = type(self)
        if len(self.connections) > self.max_connections:
            if not cls.capped:  # one line per episode, not one per closed connection
                log.warning("%d connections open (the cap): the longest idle are closed",
                            self.max_connections)
                cls.capped = True
            oldest = next(iter(cls.waiting), None)
            if oldest is None:  # all busy with requests: the newcomer waits outside
                transport.close()
                return
            oldest._disarm()
            oldest.transport.close()
        elif cls.capped and len(self.connections) < self.max_connections // 2:
            log.info("connections back under the cap")
            cls.capped = False
        self._arm()

    def data_received(self, data: bytes) -> None:
        before = self.cycle
        super().data_received(data)
        if self.cycle is not None and self.cycle is not before:
            self._disarm()  # the head is in: the app's body deadline takes over

    def on_response_complete(self) -> None:
        before = self.cycle
        super().on_response_complete()
        if self.cycle is before and not self.transport.is_closing():
            self._arm()  # waiting for the next request's head on a kept-alive connection

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._head_deadline = self.loop.call_later(self.head_timeout_s, self._head_late)
        type(self).waiting[self] = None

    def _disarm(self) -> None:
        type(self).waiting.pop(self, None)
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_late(self) -> None:
        self._disarm()
        if not self.transport.is_closing():
            log.debug("closed a connection whose request head was not in after %gs",
                      self.head_timeout_s)
            self.transport.close()


def server_options(read_timeout_s: float) -> dict[str, Any]:
    """Keyword arguments for uvicorn.Config: our protocol, keep-alive and head limits."""
    protocol = type("Protocol", (DeadlineH11Protocol,),
                    {"head_timeout_s": read_timeout_s, "waiting": {}})
    return {
        "http": protocol,
        "timeout_keep_alive": KEEP_ALIVE_S,
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
    }
