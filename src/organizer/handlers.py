"""Which handler serves which inbox kind, and the worker's periodic jobs.

The entry layer: `organizer worker` and `organizer chat` call `build_plugins` at start
to fill the registry (organizer.registry) the worker dispatches through; the worker
itself never imports this module or anything behind it.

The pipeline serves text and command rows (organizer.pipeline.handle) and voice notes
(organizer.pipeline.voice), and settles expired clarifying questions; button presses
(callback rows) go through one button table joined from the pipeline's and the
reminders' prefixes (organizer.pipeline.buttons.Dispatcher);
calendar sync and reminders contribute periodic jobs through their own `make_periodic`.
"""

from __future__ import annotations

import sqlite3

from organizer import reminders, spool, sync
from organizer.config import Settings
from organizer.pipeline import buttons, handle, voice
from organizer.registry import Plugins, button_table
from organizer.runtime import Periodic

CLARIFY_EXPIRY_EVERY_S = 5.0
SPOOL_SWEEP_EVERY_S = 600.0


def build_plugins(settings: Settings, conn: sqlite3.Connection) -> Plugins:
    table = button_table(buttons.BUTTONS, reminders.BUTTONS)  # a prefix twice: error
    plugins = Plugins(
        handlers={
            "text": handle.handle_text,
            "voice": voice.handle_voice,
            "callback": buttons.Dispatcher(table),
            "command": handle.handle_command,
        },
        buttons=table,
        # text, commands and button presses are local work (parser + SQLite, bounded): run
        # inline, no thread handoff; voice waits on ASR and stays on the handler thread
        inline=frozenset({"text", "command", "callback"}),
    )
    plugins.periodic.append(
        Periodic("clarify-expiry", CLARIFY_EXPIRY_EVERY_S, handle.expire_job(settings, conn))
    )
    plugins.periodic.append(
        Periodic("spool-sweep", SPOOL_SWEEP_EVERY_S, spool.sweep_job(conn, settings.spool))
    )
    for make in (sync.make_periodic, reminders.make_periodic):
        job = make(settings, conn)
        if job is not None:
            plugins.periodic.append(job)
    return plugins
