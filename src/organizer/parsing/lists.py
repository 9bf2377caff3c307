"""Asking for a list or a search: «какие у меня задачи», «покажи заметки», «найди про X».

Read on the whole (short) message with a few anchored patterns, after the grammar has
found no date or time in it: "какие у меня задачи на завтра" stays an agenda question
for that day. The answer is additive to the conventions' record (docs/PARSING.md,
"Lists and search"): a task or note list is an `agenda` record with `list` set to
`tasks` or `notes`; a search is an `unknown` record with `search` set to the query,
so a consumer that knows only the seven fields reads both as before.
"""

from __future__ import annotations

import re
from typing import NamedTuple

MAX_LIST_CHARS = 80  # a list request is a short question; a longer text is something else
MAX_QUERY_CHARS = 100

# Words a question may lead with or end with that change nothing.
_LEAD = re.compile(
    r"^(?:(?:ну|а|так|слушай|скажи|пожалуйста|плиз|бот|ok|okay|so|hey|please|can you|could you)"
    r"[\s,]+)+"
)
_TAIL = re.compile(r"(?:[\s,]+(?:пожалуйста|please|плиз))?[\s?!.…]*$")

_SHOW_RU = r"(?:(?:покажи|покажите|показать|выведи|дай|открой|перечисли)(?:\s+мне)?\s+)?"
_SHOW_EN = r"(?:(?:show|list|give|display|see|view|open)(?:\s+me)?\s+)?"

_TASKS = (
    re.compile(
        _SHOW_RU + r"(?:какие\s+|что\s+за\s+)?(?:у\s+меня\s+)?(?:есть\s+)?"
        r"(?:(?:все|мои|открытые|текущие|невыполненные|оставшиеся)\s+)*"
        r"(?:задачи|дела|туду)(?:\s+у\s+меня)?(?:\s+есть)?"
    ),
    re.compile(_SHOW_RU + r"(?:мой\s+|весь\s+)?список\s+(?:дел|задач)"),
    re.compile(
        r"(?:что|чего)\s+(?:мне\s+|у\s+меня\s+)?(?:еще\s+)?(?:надо|нужно|осталось|предстоит)"
        r"(?:\s+еще)?\s+(?:с?делать|выполнить)"
    ),
    re.compile(
        r"(?:what\s+are|what's|whats|what\s+is)\s+(?:on\s+)?(?:my|the)\s+"
        r"(?:open\s+)?(?:tasks|to-?dos|to-?do\s+list|todo\s+list)"
    ),
    re.compile(
        _SHOW_EN + r"(?:all\s+)?(?:of\s+)?(?:my\s+|the\s+)?(?:open\s+|pending\s+)?"
        r"(?:tasks|to-?dos|to-?do\s+list|todo\s+list|task\s+list)"
    ),
    re.compile(r"what\s+(?:do\s+)?i\s+(?:still\s+)?(?:have|need|got)\s+to\s+do"),
)

_NOTES = (
    re.compile(
        _SHOW_RU + r"(?:какие\s+)?(?:у\s+меня\s+)?(?:есть\s+)?(?:(?:все|мои)\s+)*"
        r"(?:заметки|записи)(?:\s+у\s+меня)?(?:\s+есть)?"
    ),
    re.compile(_SHOW_RU + r"(?:мой\s+)?список\s+заметок"),
    re.compile(
        _SHOW_EN + r"(?:all\s+)?(?:of\s+)?(?:my\s+|the\s+)?notes"
        r"|what\s+notes\s+do\s+i\s+have"
    ),
)

_SEARCH = (
    # "найди заметку про пароль", "найди про стоматолога", "поищи в заметках wifi" ("поиск X",
    # "искать X" are more often to-dos: not searches)
    re.compile(
        r"(?:найди|найдите|поищи|поищите|ищи)(?:\s+мне)?"
        r"(?:\s+(?:в\s+)?(?:мою|мои|моих)?\s*"
        r"(?:заметк[аиуеой]*|задач[аиуеой]*|запис[ьиейях]*|заметках|задачах|записях))?"
        r"(?:\s+(?:про|о|об|по|насчет|с))?\s+(?P<q>.+)"
    ),
    # "search dentist", "search my notes for wifi", "look up dentist"
    re.compile(
        r"(?:search|look\s+up|lookup)(?:\s+for)?"
        r"(?:\s+(?:in\s+)?(?:my\s+|the\s+)?(?:notes|tasks|items))?"
        r"(?:\s+(?:for|about|on|with))?\s+(?P<q>.+)"
    ),
    # "find" alone is an action ("find a plumber"): a search only when it names notes
    re.compile(
        r"find\s+(?:my\s+|the\s+|a\s+)?(?:notes?|tasks?)"
        r"(?:\s+(?:about|on|for|with|re|mentioning|that\s+says))?\s+(?P<q>.+)"
    ),
)

_QUERY_LEAD = re.compile(r"^(?:про|о|об|about|for|the|my)\s+")


class Asked(NamedTuple):
    """What the message asks for: `list` ('tasks' | 'notes') or `search` (the query)."""

    list: str | None
    search: str | None


def _bare(text: str) -> str:
    t = text.lower().replace("ё", "е").strip()
    t = _LEAD.sub("", t)
    return _TAIL.sub("", t).strip()


def read(text: str, *, has_time: bool) -> Asked | None:
    """A list or search request, or None. `has_time`: the grammar found a date or time
    (then the message is an agenda question or an item, never a list)."""
    if has_time or len(text) > MAX_LIST_CHARS * 2:
        return None
    t = _bare(text)
    if not t or len(t) > MAX_LIST_CHARS:
        return None
    if any(p.fullmatch(t) for p in _TASKS):
        return Asked("tasks", None)
    if any(p.fullmatch(t) for p in _NOTES):
        return Asked("notes", None)
    for p in _SEARCH:
        m = p.fullmatch(t)
        if m:
            query = _QUERY_LEAD.sub("", m.group("q").strip(" «»\"'")).strip()
            if query:
                return Asked(None, query[:MAX_QUERY_CHARS])
    return None
