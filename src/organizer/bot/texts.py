"""What the bot itself says (everything else is written by the worker): keys of the
catalogues in organizer.texts ("bot.*"), in the language Telegram reports."""

from __future__ import annotations

from organizer.texts import tr

# The commands shown in Telegram's menu; their descriptions are the catalogue's
# "bot.command.<name>" texts.
COMMANDS: tuple[str, ...] = (
    "start", "help", "today", "tomorrow", "week", "tasks", "cancel", "settings", "tz",
)  # fmt: skip


def lang_of(language_code: str | None) -> str:
    """Russian for ru/uk/be/kk speakers and when Telegram doesn't say; English otherwise."""
    if not language_code:
        return "ru"
    return "ru" if language_code.split("-")[0].lower() in ("ru", "uk", "be", "kk") else "en"


def say(key: str, language_code: str | None, **kw: object) -> str:
    return tr(lang_of(language_code), f"bot.{key}", **kw)


def command_description(command: str, lang: str) -> str:
    return tr(lang, f"bot.command.{command}")
