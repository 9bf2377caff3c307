"""What the bot itself says (everything else is written by the worker): keys of the
catalogues in organizer.texts ("bot.*"), in the language Telegram reports."""

from __future__ import annotations

from organizer.pipeline.language import lang_of_code
from organizer.texts import tr

# The commands shown in Telegram's menu; their descriptions are the catalogue's
# "bot.command.<name>" texts.
COMMANDS: tuple[str, ...] = (
    "start", "help", "today", "tomorrow", "week", "tasks", "cancel", "settings", "tz",
)  # fmt: skip


def lang_of(language_code: str | None) -> str:
    """Russian for ru/uk/be/kk speakers and when Telegram doesn't say; English otherwise
    (the pipeline's choice, organizer.pipeline.language.lang_of_code, with ru for none)."""
    return lang_of_code(language_code) or "ru"


def say(key: str, language_code: str | None, **kw: object) -> str:
    return tr(lang_of(language_code), f"bot.{key}", **kw)


def command_description(command: str, lang: str) -> str:
    return tr(lang, f"bot.command.{command}")
