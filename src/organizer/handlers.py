"""Which handler serves which inbox kind, and the worker's periodic jobs.

Filled in by the pipeline (text, voice, callback, command); calendar sync and
reminders contribute periodic jobs through their own `make_periodic`.
"""

from __future__ import annotations

import sqlite3

from organizer import reminders, sync
from organizer.config import Settings
from organizer.worker import Plugins


def build_plugins(settings: Settings, conn: sqlite3.Connection) -> Plugins:
    plugins = Plugins()
    for make in (sync.make_periodic, reminders.make_periodic):
        job = make(settings, conn)
        if job is not None:
            plugins.periodic.append(job)
    return plugins
