"""Reminders, recurrence and the daily agenda (issue 10).

The pipeline calls the hooks below first and falls back to its own behaviour when
they return False, so this module can grow without touching the pipeline.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING

from organizer.config import Settings
from organizer.runtime import Periodic

if TYPE_CHECKING:
    from organizer.model import InboxRow
    from organizer.worker import Context


def make_periodic(settings: Settings, conn: sqlite3.Connection) -> Periodic | None:
    """The scheduler tick the worker runs (None until reminders exist)."""
    return None


def handle_command(ctx: Context, row: InboxRow, command: str, args: str) -> bool:
    """/settings, /tz …: True when handled here."""
    return False


def handle_callback(ctx: Context, row: InboxRow, action: str, item_id: int, arg: str) -> bool:
    """snooze, late, series-cancel buttons: True when handled here."""
    return False


def on_item_changed(conn: sqlite3.Connection, item_id: int, now: datetime) -> None:
    """Called inside the pipeline's transaction after an item is created/changed/closed."""


def on_complete(conn: sqlite3.Connection, item_id: int, now: datetime) -> bool:
    """A recurring item moves to its next occurrence instead of closing: True if so."""
    return False
