"""Slash commands: /start, /help, /today, /tomorrow, /week, /tasks, /cancel.

/settings, /tz and a sent location are the reminders' (organizer.reminders.settings),
offered to them first. A new command goes in `run_command` (its text in replies.py).
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from organizer import reminders
from organizer.db import items
from organizer.db.connect import transaction
from organizer.model import InboxRow
from organizer.pipeline import agenda, replies
from organizer.pipeline.agenda_reply import send_agenda
from organizer.pipeline.conversation import cancel_question
from organizer.pipeline.expiry import settle_expired
from organizer.pipeline.turn import Turn, load_payload, make_turn
from organizer.registry import Context, PermanentError

AGENDA_COMMANDS = {"today": (0, 1), "tomorrow": (1, 1)}


def handle_command(ctx: Context, row: InboxRow) -> None:
    payload = load_payload(row)
    command = payload.get("command")
    if not isinstance(command, str) or not command:
        raise PermanentError("command payload has no 'command' string")
    args = payload.get("args")
    args = args if isinstance(args, str) else ""
    command = command.lower().lstrip("/")
    if reminders.handle_command(ctx, row, command, args):
        return
    t = make_turn(ctx, row, payload_lang=payload.get("lang"), text=args or None)
    with transaction(ctx.conn):
        if not items.answered(ctx.conn, row.id):
            run_command(t, command, args)
        ctx.mark_done()  # DONE commits with the reply (registry.Context.mark_done)


def run_command(t: Turn, command: str, args: str) -> None:
    settle_expired(t.conn, t.settings, t.now, chat_id=t.chat_id)
    today = t.now.astimezone(ZoneInfo(t.tz)).date()
    if command == "start":
        t.reply(replies.start_text(t.lang))
    elif command == "help":
        t.reply(replies.help_text(t.lang))
    elif command in AGENDA_COMMANDS:
        offset, days = AGENDA_COMMANDS[command]
        send_agenda(t, *agenda.day_range(today + timedelta(days=offset), days, t.tz))
    elif command == "week":
        send_agenda(t, *agenda.week_range(today, t.tz))
    elif command == "tasks":
        tasks = items.open_tasks(t.conn, t.chat_id)
        text = agenda.render_tasks(tasks, tz=t.tz, now=t.now, lang=t.lang)
        t.reply(text, agenda.agenda_keyboard(tasks, t.lang))
    elif command == "cancel":
        cancel_question(t)
    else:
        t.reply(replies.unsupported_command_text(command, t.lang))
