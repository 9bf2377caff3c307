"""What the worker knows about handlers: a protocol and a registry, not the modules.

The worker (organizer.worker) dispatches an inbox row by its kind to a `Handler`
found in `Plugins`, and runs the registry's periodic jobs. A button press (kind
`callback`) is dispatched once more, by its callback-data prefix, through the button
table: each owner (the pipeline, the reminders) declares the prefixes it answers, and
`button_table` joins them, refusing a prefix claimed twice. Which functions serve
which kind is decided at start by the entry layer (organizer.handlers.build_plugins,
called by `organizer worker`, `organizer chat` and the tests), so the worker never
imports the pipeline or the reminders, and they import this module, not the worker
(import-linter forbids the circle coming back).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from organizer.config import Settings
from organizer.model import InboxRow
from organizer.runtime import Periodic


class PermanentError(Exception):
    """The message can never succeed (bad payload): fail it now, no retries."""


class LeaseLost(Exception):
    """The row's lease went to another worker before the handler's last transaction:
    that transaction rolls back (no reply, no DONE) and the lease's holder redoes it."""


class Deferred(Exception):
    """The message must wait for something outside (ASR down): try again in `delay_s`.

    Not a failure: the attempt is not counted; the handler bounds the wait itself.
    """

    def __init__(self, message: str, delay_s: float) -> None:
        super().__init__(message)
        self.delay_s = delay_s


@dataclass
class Context:
    """What a handler gets besides the row.

    `done_hook` (set by the worker) marks the row DONE on the connection it is given;
    a Context made by hand (tests, `organizer chat`) has none, and whoever runs the
    handler completes the row itself.
    """

    conn: sqlite3.Connection
    settings: Settings
    now: datetime
    worker_id: str
    stop: threading.Event
    done_hook: Callable[[sqlite3.Connection], bool] | None = None
    completed: bool = False

    def mark_done(self) -> None:
        """Mark the row DONE inside the handler's last transaction, beside its reply.

        One commit then holds both, so a crash never leaves a reply without DONE or a
        DONE without its reply, and the worker skips its separate complete (issue 19:
        one transaction less per message). Raises LeaseLost when the row is no longer
        this worker's: the caller's transaction rolls back and the holder redoes it.
        """
        if self.done_hook is None:
            return
        if not self.conn.in_transaction:
            raise RuntimeError("mark_done belongs inside the handler's transaction")
        if not self.done_hook(self.conn):
            raise LeaseLost("lease lost before completion (reaped?)")
        self.completed = True


class Handler(Protocol):
    def __call__(self, ctx: Context, row: InboxRow) -> None: ...


@dataclass(frozen=True)
class Callback:
    """A button press's data, `<action>:<item_id>[:<arg>]`, taken apart."""

    action: str
    item_id: int
    arg: str = ""


class ButtonHandler(Protocol):
    """Answers one press of a prefix it owns.

    False: the press names nothing the handler can act on (e.g. a series button of an
    item that is no series); the dispatcher then answers it as a button that no longer
    works, the same way as a prefix nobody owns.
    """

    def __call__(self, ctx: Context, row: InboxRow, cb: Callback) -> bool: ...


def button_table(*owners: Mapping[str, ButtonHandler]) -> dict[str, ButtonHandler]:
    """The owners' prefix tables joined; a prefix with two handlers is an error at start."""
    table: dict[str, ButtonHandler] = {}
    for owner in owners:
        for prefix, handler in owner.items():
            if prefix in table:
                raise ValueError(f"button prefix {prefix!r} has two handlers")
            table[prefix] = handler
    return table


@dataclass
class Plugins:
    """Handlers by inbox kind, periodic jobs (calendar sync, reminders …), and the
    button table the `callback` handler dispatches through.

    `inline`: the kinds whose handlers only read and write the database and compute
    (no remote call, so nothing to wait out at a stop): the worker calls them on its
    own thread. Handing each message to the handler thread and back cost ≈ 0.3 ms of
    CPU per text message on a loaded box, a sixth of the message (issue 19); every
    other kind (voice waits on ASR) still runs on the handler thread, bounded at a stop.
    """

    handlers: dict[str, Handler] = field(default_factory=dict)
    periodic: list[Periodic] = field(default_factory=list)
    buttons: dict[str, ButtonHandler] = field(default_factory=dict)
    inline: frozenset[str] = frozenset()


# Builds the registry for one database connection (organizer.handlers.build_plugins).
PluginsFactory = Callable[[Settings, sqlite3.Connection], Plugins]
