"""Reminders, recurrence and the daily agenda (issue 10).

Everything is scheduled from the database (table `reminders`), never from in-memory
timers, so a restart forgets nothing:

- `on_item_changed` (the pipeline calls it inside its transaction) keeps exactly one
  PENDING reminder per open item: its current occurrence's (a task at its start, a
  meeting REMINDER_LEAD_MIN before, an all-day task at 09:00 local).
- the scheduler tick (`make_periodic`, every second in the worker) takes the due rows
  with one indexed query and, in ONE transaction per batch, writes each to the outbox
  with dedup_key `remind:<id>` and marks it SENT. A row is therefore sent exactly once;
  one that fell due while everything was down goes out once on recovery, marked late.
  After sending the reminder of a recurring item it moves the item to that occurrence
  and plans the next one.
- buttons: Done (pipeline; for recurring items `done:<id>:<occurrence>` here),
  Snooze `snooze:<id>:15m|1h|tom` (a new reminder row for the same occurrence; the item
  does not move), Running late `late:<id>` (meetings: reminds again at the start),
  and the series question of a cancel: `cxo:<id>` (this occurrence) / `cxs:<id>` (series).
- the daily agenda: a `reminders` row of kind 'agenda' per chat and local day, due at
  the chat's agenda time; dedup_key `agenda:<chat_id>:<YYYY-MM-DD>`.
- per-chat settings through `handle_command`: /settings, /tz, a sent location.

This package's modules, one job each (docs/DESIGN.md has the map):
  prefs          the chat's preferences and the operator's defaults
  planning       reminder and agenda rows kept in step with items and chats (SQL)
  tick           the scheduler tick: due rows -> outbox, exactly once
  daily          the daily agenda's content (read) for the shared renderer
  buttons        snooze / late / one occurrence done / series cancel (shell)
  settings       /settings, /tz, location (shell); setting_rules decides (PURE)
  series         which occurrence a press or a cancel means (PURE)
  texts          every reminder text and keyboard (PURE)
This module only names the public API the worker, the pipeline and the tests use.

See docs/REMINDERS.md.
"""

from __future__ import annotations

from organizer.reminders.buttons import (
    BUTTONS,
    handle_callback,
    is_series_press,
    on_button,
    series_question,
)
from organizer.reminders.daily import AgendaEntry, agenda_entries, agenda_message, at_occurrence
from organizer.reminders.planning import (
    ensure_agenda,
    on_complete,
    on_item_changed,
    sync_item,
)
from organizer.reminders.prefs import ChatPrefs, Defaults, configure, prefs
from organizer.reminders.settings import handle_command, zone_from_location
from organizer.reminders.texts import reminder_message, settings_text
from organizer.reminders.tick import (
    BATCH,
    KEEP_FOR,
    PURGE_EVERY,
    TICK_BUDGET_S,
    TICK_EVERY_S,
    TickResult,
    make_periodic,
    purge,
    tick,
)

__all__ = [
    "BATCH", "BUTTONS", "KEEP_FOR", "PURGE_EVERY", "TICK_BUDGET_S", "TICK_EVERY_S",
    "AgendaEntry", "ChatPrefs", "Defaults", "TickResult",
    "agenda_entries", "agenda_message", "at_occurrence", "configure", "ensure_agenda", "handle_callback",
    "handle_command", "is_series_press", "make_periodic", "on_button", "on_complete",
    "on_item_changed", "prefs", "purge", "reminder_message", "series_question",
    "settings_text", "sync_item", "tick", "zone_from_location",
]  # fmt: skip
