"""Which language a reply is in, and the one-line choice between the two. PURE.

The single place the chat's language is chosen: the conversation (pick_lang), the
reminders' chat preferences (lang_of_code) and every text (t, quote) use it.
"""

from __future__ import annotations

import re

from organizer.texts import tr

_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)


def lang_of_code(code: str | None) -> str | None:
    """A Telegram language_code (or a stored 'ru'/'en') -> 'ru' | 'en'; None when empty.

    Only the two languages we speak: ru/uk/be read Russian best, any other code English.
    """
    if not code:
        return None
    return "ru" if code.lower().startswith(("ru", "uk", "be")) else "en"


def pick_lang(*, user_lang: str | None, payload_lang: str | None, text: str | None) -> str:
    """'ru' or 'en': the chat's setting, else Telegram's language_code, else the script.

    Telegram's code only decides between the two we speak: ru/uk/be → ru, any other
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


def t(lang: str, ru: str, en: str) -> str:
    """The Russian or the English wording of one text."""
    return ru if lang == "ru" else en


def quote(lang: str, text: str) -> str:
    """A user's words inside a reply, in the language's quotation marks."""
    return tr(lang, "quote", text=text)


def untitled(lang: str) -> str:
    """A title for an item that has none (reminders, buttons)."""
    return tr(lang, "language.untitled")
