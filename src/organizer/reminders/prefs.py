"""A chat's reminder preferences: its own settings, else the operator's defaults."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from organizer.config import VARS_BY_NAME, Settings
from organizer.db import users
from organizer.pipeline.language import lang_of_code


@dataclass(frozen=True)
class Defaults:
    """The operator's defaults for chats that did not choose their own."""

    tz: str = str(VARS_BY_NAME["ORGANIZER_TZ"].default)
    agenda_time: str = str(VARS_BY_NAME["AGENDA_TIME"].default)
    lead_min: int = int(VARS_BY_NAME["REMINDER_LEAD_MIN"].default)
    lang: str = "ru"


_defaults = Defaults()


def configure(settings: Settings) -> None:
    """Remember the operator's defaults (the hooks' signatures carry no Settings).

    The worker calls it through `make_periodic`; the callback/command hooks call it
    with their context's settings too.
    """
    global _defaults
    _defaults = Defaults(settings.organizer_tz, settings.agenda_time, settings.reminder_lead_min)


def defaults() -> Defaults:
    return _defaults


@dataclass(frozen=True)
class ChatPrefs:
    tz: str
    lang: str
    agenda_time: str  # HH:MM or 'off'
    lead_min: int


def prefs(conn: sqlite3.Connection, chat_id: int, lang_hint: str | None = None) -> ChatPrefs:
    """The chat's settings, its NULLs filled with the operator's defaults.

    Language: the chat's /settings lang, else `lang_hint` (the item's or the message's
    language), else Russian.
    """
    return prefs_of(users.get(conn, chat_id), lang_hint)


def prefs_of(u: users.User | None, lang_hint: str | None = None) -> ChatPrefs:
    """`prefs` from a users row already read (None: the chat has none yet)."""
    lang = u.lang if u and u.lang else lang_of_code(lang_hint)
    return ChatPrefs(
        tz=u.tz if u and u.tz else _defaults.tz,
        lang=lang or _defaults.lang,
        agenda_time=u.agenda_time if u and u.agenda_time else _defaults.agenda_time,
        lead_min=(
            u.reminder_lead_min if u and u.reminder_lead_min is not None else _defaults.lead_min
        ),
    )
