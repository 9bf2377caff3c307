"""Which language a reply is in, and the one-line choice between the two. PURE.

The single place the chat's language is chosen: the conversation (pick_lang), the
reminders' chat preferences (lang_of_code) and every text (t, quote) use it.
"""

from __future__ import annotations

import re

from organizer.texts import tr

_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)


RUSSIAN_READERS = ("ru", "uk", "be", "kk")


def lang_of_code(code: str | None) -> str | None:
    """A Telegram language_code (or a stored 'ru'/'en') -> 'ru' | 'en'; None when empty.

    Only the two languages we speak: ru/uk/be/kk speakers read Russian best, any other
    code English. The bot's own texts choose the same way (organizer.bot.texts).
    """
    if not code:
        return None
    return "ru" if code.split("-")[0].lower() in RUSSIAN_READERS else "en"


def pick_lang(*, user_lang: str | None, payload_lang: str | None, text: str | None) -> str:
    """'ru' or 'en': the chat's setting, else Telegram's language_code, else the script.

    Telegram's code only decides between the two we speak: ru/uk/be/kk → ru, any other
    code → en. With no code, Cyrillic letters in the text mean ru, Latin-only means en,
    and a text with no letters (emoji, digits) gets ru, the project's first language.
    """
    for code in (user_lang, payload_lang):
        lang = lang_of_code(code)
        if lang:
            return lang
    return lang_of_text(text or "")


def lang_of_text(text: str, default: str = "ru") -> str:
    cyr = len(_CYRILLIC.findall(text))
    lat = len(_LATIN.findall(text))
    if cyr == 0 and lat == 0:
        return default
    return "ru" if cyr >= lat else "en"


# No reply repeats more than ECHO_LIMIT characters of the person's own text in a row
# (a pasted page must not come back as a title or a quote): titles and quotes are cut.
ECHO_LIMIT = 80
SHOWN_CHARS = 60


def clip(text: str, limit: int = SHOWN_CHARS, *, word_from: int | None = None) -> str:
    """`text` cut to at most `limit` characters, at a word where one is near, with "…".

    A word boundary counts from `word_from` characters on (default: half of `limit`);
    before that the cut falls mid-word rather than losing most of the text."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= (limit // 2 if word_from is None else word_from):
        cut = cut[:space]
    return cut.rstrip(" ,.;:–—-") + "…"


def quote(lang: str, text: str) -> str:
    """A user's words inside a reply, in the language's quotation marks (cut: clip)."""
    return tr(lang, "quote", text=clip(text))


def untitled(lang: str) -> str:
    """A title for an item that has none (reminders, buttons)."""
    return tr(lang, "language.untitled")
