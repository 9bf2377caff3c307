"""/settings, /tz and a sent location: the shell around setting_rules.decide.

Loads the chat's preferences, lets the pure rules decide, applies the change and
enqueues the reply, all in one transaction (the worker's, or its own).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING

from organizer import schedule
from organizer.db import outbox, users
from organizer.db.connect import joined_transaction
from organizer.pipeline.press import payload_of
from organizer.reminders import setting_rules, texts
from organizer.reminders.planning import ensure_agenda, resync_chat
from organizer.reminders.prefs import configure, prefs

if TYPE_CHECKING:
    from organizer.model import InboxRow
    from organizer.registry import Context

COMMANDS = ("settings", "tz", "location")


def zone_from_location(lat: float, lon: float) -> str | None:
    """The IANA zone at a point (timezonefinder: offline polygons), or None at sea."""
    from timezonefinder import TimezoneFinder  # 30 MB of polygons: only when asked

    name = TimezoneFinder().timezone_at(lng=lon, lat=lat)
    return name if name and schedule.valid_zone(name) else None


def _words(command: str, args: str) -> list[str]:
    if command == "tz":
        return ["tz", *args.split()]
    if command == "location":
        return ["location", args.strip()]
    return args.split()


def handle_command(ctx: Context, row: InboxRow, command: str, args: str) -> bool:
    """/settings [agenda HH:MM|off | lead N | lang ru|en | tz Zone], /tz Zone, a location."""
    command = command.lower().lstrip("/")
    if command not in COMMANDS:
        return False
    configure(ctx.settings)
    conn, now = ctx.conn, ctx.now
    with joined_transaction(conn):
        users.ensure(conn, row.chat_id, now)
        code = payload_of(row).get("lang")
        hint = str(code) if code else None
        reply = apply_setting(conn, row.chat_id, _words(command, args), now, hint)
        outbox.enqueue(
            conn, chat_id=row.chat_id, text=reply, now=now, dedup_key=f"reply:{row.id}",
            inbox_id=row.id,
        )  # fmt: skip
    return True


def apply_setting(
    conn: sqlite3.Connection, chat_id: int, words: list[str], now: datetime, hint: str | None
) -> str:
    """Apply what the rules decided; returns the reply."""
    p = prefs(conn, chat_id, hint)
    d = setting_rules.decide(words, zone_from_location)
    if isinstance(d, setting_rules.Show):
        return texts.settings_text(p)
    if isinstance(d, setting_rules.Problem):
        if d.kind == "zone_shown":
            return texts.zone_shown(p.tz, p.lang)
        if d.kind == "not_a_zone":
            return texts.not_a_zone(d.value, p.lang)
        return texts.setting_problem(d.kind, p.lang)
    users.update(conn, chat_id, now, **{d.column: d.value})
    ensure_agenda(conn, chat_id, now)
    if d.resync:
        resync_chat(conn, chat_id, now)
    return texts.saved(prefs(conn, chat_id, hint))
