"""`organizer chat`: talk to the organizer in a terminal, through the real pipeline.

Each typed line goes into `inbox_queue` (source `chat`), an in-process Worker with the
very handlers `organizer worker` runs takes it, and the replies are read back from
`outbox`, printed, and marked SENT. Buttons are shown as numbered options; typing the
number presses the button. With stdin not a terminal it reads lines until EOF, so
scripts and tests can drive it.

Calendar (issue 18): one syncer per database. When a worker's heartbeat in this
database is fresh, the worker syncs and the chat does not; otherwise the chat is the
syncer while it runs (and runs one last pass as it leaves). It says which at start.
`--now` is the conversation's pretend clock only: calendar requests are restamped
with the real clock after each message, so no syncer waits for the pretend time.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TextIO

from organizer.config import Settings
from organizer.db import conversation, queue
from organizer.db.connect import open_db
from organizer.db.migrate import migrate, require_current, state
from organizer.db.outbox import OutboxRow
from organizer.db.store import open_store, require_current_store
from organizer.model import utcnow
from organizer.runtime import Periodic
from organizer.texts import tr

if TYPE_CHECKING:
    from organizer.sync import Syncer

log = logging.getLogger(__name__)

ROW_TIMEOUT_S = 30.0
QUIT = ("/quit", "/exit", "/q")



def prepare_db(settings: Settings, say: Callable[[str], None]) -> sqlite3.Connection:
    """Open DB_PATH, creating and migrating it when needed (a first run has no DB).

    A PostgreSQL DB_URL is the operator's server: opened as it is and required to be
    migrated (`organizer migrate` says so in one line), never created from here."""
    if settings.store != "sqlite":
        conn = open_store(settings)
        try:
            require_current_store(conn, settings)
        except BaseException:
            conn.close()
            raise
        return conn  # type: ignore[return-value]
    path = settings.db_path
    created = not path.exists()
    conn = open_db(path, create=True)
    pending = state(conn).pending
    if pending:
        migrate(conn)
    if created:
        say(f"Created a new database at {path}")
    elif pending:
        say(f"Upgraded the database at {path} ({len(pending)} migration(s))")
    require_current(conn, path)
    return conn


@dataclass
class Session:
    """One terminal conversation: enqueue, run the worker, show what came out."""

    settings: Settings
    conn: sqlite3.Connection
    chat_id: int
    lang: str | None
    clock: Callable[[], datetime]
    out: TextIO
    sync_calendar: bool = True
    syncer: Syncer | None = None
    worker: object = None
    buttons: dict[int, tuple[str, int]] = field(default_factory=dict)
    submitted: list[int] = field(default_factory=list)  # this session's recent inbox rows
    shown_up_to: int = 0  # the highest outbox id printed
    pretend_start: datetime = field(default_factory=utcnow)  # set from `clock` at start

    def __post_init__(self) -> None:
        from organizer.handlers import build_plugins
        from organizer.pipeline import lists
        from organizer.worker import Worker

        plugins = build_plugins(self.settings, self.conn)
        # One syncer per database: a running worker syncs, else this chat does, in its
        # own loop on the real clock (never the pretend one), so it can also finish.
        plugins.periodic = [p for p in plugins.periodic if p.name != "calendar"]
        if self.sync_calendar:
            from organizer.sync import EVERY_S, make_syncer

            self.syncer = make_syncer(self.settings, self.conn)
            plugins.periodic.append(Periodic("calendar", EVERY_S, self._sync))
        self.worker = Worker(self.settings, self.conn, plugins, worker_id=f"chat:{os.getpid()}")
        lists.new_run()  # a question left open by an earlier session is shown again
        self.pretend_start = self.clock()

    def _key(self) -> str:
        return f"chat:{self.chat_id}:{time.time_ns()}"

    def send_line(self, line: str) -> None:
        """A typed line: a pressed button number, a /command, or a message."""
        text = line.strip()
        if text.isdigit() and int(text) in self.buttons:
            data, message_id = self.buttons[int(text)]
            self._submit(
                "callback",
                {"data": data, "message_id": message_id, "callback_query_id": self._key()},
            )
        elif text.startswith("/") and len(text) > 1:
            command, _, args = text[1:].partition(" ")
            self._submit(
                "command",
                {
                    "command": command.split("@")[0].lower(),
                    "args": args.strip(),
                    "message_id": None,
                    "lang": self.lang,
                },
            )
        else:
            self._submit("text", {"text": line, "message_id": None, "lang": self.lang})

    def _submit(self, kind: str, payload: dict[str, object]) -> None:
        row_id, _ = queue.enqueue(
            self.conn,
            message_key=self._key(),
            chat_id=self.chat_id,
            kind=kind,
            payload=payload,
            now=self.clock(),
            source="chat",
        )
        self.submitted = [*self.submitted[-20:], row_id]
        self.run_until_done(row_id)
        self._real_calendar_times()
        self.deliver()

    def _real_calendar_times(self) -> None:
        real = utcnow()
        if abs((self.clock() - real).total_seconds()) > 1:  # only under --now
            since = min(self.pretend_start, real)
            conversation.restamp_calendar_requests(self.conn, self.chat_id, since=since, now=real)

    def _sync(self, _pretend_now: datetime) -> int:
        return self.syncer.run(utcnow()) if self.syncer is not None else 0

    def finish(self) -> None:
        """As the syncer: one last calendar pass for what was just said (bounded by the
        syncer's time budget and the backend's HTTP timeouts)."""
        try:
            self._sync(utcnow())
        except Exception as e:  # the conversation is saved; a worker can sync later
            self.print(f"(calendar sync did not finish: {e}; see `organizer diag calendar`)")

    def run_until_done(self, row_id: int) -> None:
        deadline = time.monotonic() + ROW_TIMEOUT_S
        while time.monotonic() < deadline:
            status = conversation.row_status(self.conn, row_id)
            if status in ("DONE", "FAILED", None):
                if status == "FAILED":
                    self.print("(this message could not be processed; see `organizer diag queue`)")
                return
            if not self.worker.step(self.clock()):  # type: ignore[attr-defined]
                time.sleep(0.05)
        self.print("(still working on it…)")

    def idle(self) -> None:
        """Run the periodic jobs once (expired questions) and show their messages."""
        self.worker.step(self.clock())  # type: ignore[attr-defined]
        self.deliver()

    def deliver(self) -> None:
        rows = conversation.pending_for_chat(
            self.conn, self.chat_id, after_id=self.shown_up_to, inbox_ids=self.submitted
        )
        rows = [r for r in rows if r.id > self.shown_up_to or r.status == "PENDING"]
        if not rows:
            return
        self.shown_up_to = max(self.shown_up_to, *(r.id for r in rows))
        visible = {r.inbox_id for r in rows if r.kind != "callback_answer"}
        numbered: dict[int, tuple[str, int]] = {}
        for r in rows:
            if r.kind == "callback_answer":
                if r.inbox_id not in visible and r.text:
                    self.print(f"  ({r.text})")
                continue
            prefix = "✎ " if r.kind == "edit" else ""
            self.print(prefix + (r.text or ""))
            choices = self._buttons(r, numbered)
            if choices:
                self.print("  " + "  ".join(choices))
        if numbered:
            self.buttons = numbered
        conversation.mark_sent(self.conn, [r.id for r in rows], utcnow())

    def _buttons(self, r: OutboxRow, numbered: dict[int, tuple[str, int]]) -> list[str]:
        if not r.reply_markup:
            return []
        try:
            markup = json.loads(r.reply_markup)
        except ValueError:
            return []
        shown = []
        for line in markup.get("inline_keyboard", []):
            for b in line:
                n = len(numbered) + 1
                numbered[n] = (b["callback_data"], r.id)
                shown.append(f"[{n}] {b['text']}")
        return shown

    def print(self, text: str) -> None:
        print(text, file=self.out, flush=True)


def run(
    settings: Settings,
    *,
    chat_id: int = 1,
    lang: str | None = None,
    now: datetime | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """The `organizer chat` command; returns the exit code."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    say = lambda text: print(text, file=stdout, flush=True)  # noqa: E731
    conn = prepare_db(settings, say)
    offset = (now - utcnow()) if now is not None else timedelta(0)
    syncs, line = calendar_role(settings, conn)
    session = Session(settings, conn, chat_id, lang, lambda: utcnow() + offset, stdout, syncs)
    tty = stdin.isatty()
    greeting_lang = lang if lang in ("ru", "en") else "ru"
    say(f"organizer chat (chat id {chat_id}). " + tr(greeting_lang, "chat.greeting"))
    say(line)
    try:
        session.idle()
        for line in _lines(stdin, stdout, tty):
            if line.strip().lower() in QUIT:
                break
            if not line.strip():
                continue
            if not tty:
                say(f"> {line.rstrip()}")
            session.send_line(line.rstrip("\n"))
        session.finish()
    except KeyboardInterrupt:
        say("")
    finally:
        conn.close()
    return 0


def calendar_role(settings: Settings, conn: sqlite3.Connection) -> tuple[bool, str]:
    """(this chat syncs the calendar?, the line that says so): a worker alive on this
    database syncs; otherwise the chat does, so nothing said here waits unsynced."""
    from organizer.health import fresh_worker

    backend = settings.calendar_backend
    worker = fresh_worker(conn, settings, utcnow())
    if worker is not None:
        return False, (
            f"Calendar ({backend}): the worker running on this database "
            f"(heartbeat {worker.beat_age_s:g}s ago) syncs meetings; this chat does not."
        )
    if backend == "none":
        return True, "Calendar: none (CALENDAR_BACKEND=none); meetings stay in the database."
    return True, (
        f"Calendar ({backend}): no worker runs on this database, so this chat syncs "
        "meetings while it runs."
    )


def _lines(stdin: TextIO, stdout: TextIO, tty: bool) -> Iterable[str]:
    if not tty:
        yield from stdin
        return
    while True:
        try:
            line = input("> ")
        except EOFError:
            print(file=stdout)
            return
        yield line
