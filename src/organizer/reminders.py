"""Reminders and the daily agenda as a periodic worker job (filled in by issue 10)."""

from __future__ import annotations

import sqlite3

from organizer.config import Settings
from organizer.runtime import Periodic


def make_periodic(settings: Settings, conn: sqlite3.Connection) -> Periodic | None:
    return None
