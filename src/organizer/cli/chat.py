"""`organizer chat`: try the organizer in a terminal, without Telegram.

The calendar is synced by a running worker, or by the chat itself when none runs
(organizer.chat says which at start).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from organizer.cli.common import settings_from


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            "use ISO-8601 with an offset, e.g. 2026-11-23T10:00:00+03:00"
        ) from None
    if dt.tzinfo is None:
        raise typer.BadParameter("add the UTC offset, e.g. 2026-11-23T10:00:00+03:00")
    return dt


def register(app: typer.Typer) -> None:
    @app.command()
    def chat(
        ctx: typer.Context,
        chat_id: Annotated[
            int, typer.Option("--chat-id", help="Whose conversation this is (a chat id).")
        ] = 1,
        lang: Annotated[
            str | None, typer.Option("--lang", help="Reply language: ru or en (default: by text).")
        ] = None,
        now: Annotated[
            str | None,
            typer.Option("--now", help="Pretend it is this moment (ISO-8601 with offset), for demos; calendar sync keeps the real clock."),
        ] = None,
    ) -> None:
        """Talk to the organizer in this terminal (or pipe lines in); creates the DB if needed
        (an SQLite one; a PostgreSQL DB_URL must be migrated already).

        Messages go through the same inbox → worker → outbox path as Telegram.
        Meetings are synced to the calendar by a running worker, else by this chat.
        Buttons show as [1] [2] …: type the number to press one. /quit or Ctrl-D leaves.
        """
        from organizer import chat as chat_mod
        from organizer.logs import setup_logging

        settings = settings_from(ctx)
        debug = bool((ctx.find_root().obj or {}).get("debug"))
        setup_logging("DEBUG" if debug else "WARNING")
        if lang is not None and lang not in ("ru", "en"):
            raise typer.BadParameter("--lang must be ru or en")
        raise typer.Exit(chat_mod.run(settings, chat_id=chat_id, lang=lang, now=_when(now)))
