"""What the worker knows about handlers: a protocol and a registry, not the modules.

The worker (organizer.worker) dispatches an inbox row by its kind to a `Handler`
found in `Plugins`, and runs the registry's periodic jobs. Which functions serve
which kind is decided at start by the entry layer (organizer.handlers.build_plugins,
called by `organizer worker`, `organizer chat` and the tests), so the worker never
imports the pipeline or the reminders, and they import this module, not the worker
(import-linter forbids the circle coming back).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from organizer.config import Settings
from organizer.model import InboxRow
from organizer.runtime import Periodic


class PermanentError(Exception):
    """The message can never succeed (bad payload): fail it now, no retries."""


class Deferred(Exception):
    """The message must wait for something outside (ASR down): try again in `delay_s`.

    Not a failure: the attempt is not counted; the handler bounds the wait itself.
    """

    def __init__(self, message: str, delay_s: float) -> None:
        super().__init__(message)
        self.delay_s = delay_s


@dataclass
class Context:
    """What a handler gets besides the row."""

    conn: sqlite3.Connection
    settings: Settings
    now: datetime
    worker_id: str
    stop: threading.Event


class Handler(Protocol):
    def __call__(self, ctx: Context, row: InboxRow) -> None: ...


@dataclass
class Plugins:
    """Handlers by inbox kind, and periodic jobs (calendar sync, reminders …)."""

    handlers: dict[str, Handler] = field(default_factory=dict)
    periodic: list[Periodic] = field(default_factory=list)


# Builds the registry for one database connection (organizer.handlers.build_plugins).
PluginsFactory = Callable[[Settings, sqlite3.Connection], Plugins]
