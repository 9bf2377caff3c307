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

# ---------------------------------------------------------------- search
# «найди про X», «найди, что я записывал про X», «где у меня про X», «есть что-нибудь про X»,
# "find anything about X", "do I have anything on X", "where did I write about X". The query
# is what follows the last of the optional parts; "find X" alone and «найти X» stay to-dos
# ("find a plumber", «найти сантехника»).

_ABOUT_RU = r"про|о|об|обо|насчет|на\s+тему|касательно|по\s+поводу|с\s+упоминанием"
_RU_ABOUT = r"(?:" + _ABOUT_RU + r")"
_RU_PREP = r"(?:" + _ABOUT_RU + r"|по|с|со)"  # after a search verb: «найди по работе»
_RU_WROTE = (
    r"(?:за)?(?:писал[аи]?|писывал[аи]?|писано|записан[аоы]?|сохранял[аи]?|сохранил[аи]?|сохранен[аоы]?|"
    r"отмечал[аи]?|запоминал[аи]?|кидал[аи]?|скидывал[аи]?|было|был[аи]?|есть)"
)
_RU_WHO = r"(?:я\s+|у\s+меня\s+|мне\s+)?(?:уже\s+|когда-то\s+|раньше\s+)?"
_RU_WHAT = (
    r"(?:(?:все|всё|то)\s*,?\s*)?(?:что|где)\s+" + _RU_WHO + _RU_WROTE + r"(?:\s*,?\s+что)?"
)
# «ты не помнишь, …», «напомни, …», «подскажи, …» before «что я писал про …»
_RU_ASK = (
    r"(?:(?:ты\s+)?(?:не\s+)?(?:помнишь|знаешь)|подскажи|напомни(?:те)?(?:\s+мне)?)\s*,?\s*"
)
_RU_NOUN = (
    r"(?:в\s+)?(?:(?:все|всё|мои|мою|моя|моих|моей)\s+)?"
    r"(?:заметк[аиуеой]?|заметках|заметкам|задач[аиуеи]?|задачах|записк[аиуеой]?|"
    r"запис(?:ь|и|ей|ях|ям))"
)
_RU_ANY = r"(?:что-нибудь|что-то|что\s+нибудь|что\s+то|что-либо|чего-нибудь|все|всё)"
_EN_ABOUT = (
    r"(?:about|on|re|regarding|concerning|mentioning|that\s+mentions?|that\s+says?|"
    r"containing|with)"
)
_EN_WROTE = r"(?:wrote|write|noted|note|saved|save|jotted|jot|put|kept|keep|have|had|got)"
_EN_ANY = (
    r"(?:(?:what|where|whatever|everything|anything|all)\s+i(?:'ve|\s+have)?\s+" + _EN_WROTE
    + r"(?:\s+down)?|"
    r"anything|something|everything|stuff|(?:(?:all|any|my|the|a)\s+)*(?:notes?|tasks?|items?))"
)

_SEARCH = (
    # «найди про стоматолога», «поищи в заметках wifi», «найди, что я записывал про резину»
    re.compile(
        r"(?:найди|найдите|поищи|поищите|ищи|отыщи)(?:\s*,?\s+(?:мне|пожалуйста|плиз))*\s*,?"
        r"(?:\s+" + _RU_ANY + r")?(?:\s+" + _RU_NOUN + r")?(?:\s*,?\s*" + _RU_WHAT + r")?"
        r"(?:\s+" + _RU_NOUN + r")?(?:\s+" + _RU_PREP + r")?\s+(?P<q>.+)"
    ),
    # «где у меня про резину», «где я записывал номер полиса», «где заметка про wifi»
    re.compile(
        r"где\s+(?:у\s+меня\s+|я\s+)?(?:" + _RU_WROTE + r"\s+)?(?:" + _RU_NOUN + r"\s+)?"
        + _RU_ABOUT + r"\s+(?P<q>.+)"
    ),
    re.compile(r"где\s+(?:у\s+меня\s+|я\s+)" + _RU_WROTE + r"\s+(?P<q>.+)"),
    # «что у меня есть про Игоря», «что я писал про гараж»
    re.compile(
        r"(?:" + _RU_ASK + r")?(?:что|где)\s+(?:у\s+меня\s+|я\s+)" + _RU_WROTE + r"\s+"
        + _RU_ABOUT + r"\s+(?P<q>.+)"
    ),
    # «есть что-нибудь про резину», «есть ли у меня заметка про wifi»
    re.compile(
        r"(?:у\s+меня\s+)?(?:есть|было|был[аи]?|записано|сохранено)\s+(?:ли\s+)?"
        r"(?:у\s+меня\s+)?(?:(?:" + _RU_ANY + r"|" + _RU_NOUN + r")\s+)?"
        + _RU_ABOUT + r"\s+(?P<q>.+)"
    ),
    # «покажи всё про резину», «покажи заметки про гараж», «ищу заметку про пароль»
    re.compile(
        r"(?:покажи|покажите|выведи|дай|ищу)(?:\s+мне)?(?:\s+(?:все|всё))?(?:\s+" + _RU_NOUN
        + r")?\s+" + _RU_ABOUT + r"\s+(?P<q>.+)"
    ),
    re.compile(
        r"(?:покажи|покажите|выведи|ищу)(?:\s+мне)?\s+" + _RU_NOUN + r"(?:\s+" + _RU_PREP
        + r")?\s+(?P<q>.+)"
    ),
    re.compile(r"поиск(?:\s+по\s+(?:заметкам|задачам|записям))?\s*:\s*(?P<q>.+)"),
    # "search dentist", "search my notes for wifi", "look up dentist"
    re.compile(
        r"(?:search|look\s+up|lookup)\s*:?(?:\s+for)?"
        r"(?:\s+(?:in\s+)?(?:my\s+|the\s+)?(?:notes|tasks|items))?"
        r"(?:\s+(?:for|about|on|with))?\s+(?P<q>.+)"
    ),
    # "find anything about Igor", "find what I wrote about tires", "look for notes on wifi"
    re.compile(
        r"(?:find|look\s+for|search\s+for)(?:\s+me)?\s+" + _EN_ANY
        + r"(?:\s+" + _EN_ABOUT + r")?\s+(?P<q>.+)"
    ),
    # "do I have anything about wifi", "is there a note on the garage", "anything about X"
    re.compile(
        r"(?:(?:do|did)\s+i\s+(?:have|write|save|note|keep|jot)(?:\s+down)?|"
        r"(?:is|are)\s+there|have\s+i\s+got)"
        r"(?:\s+(?:anything|something|stuff|(?:(?:any|a|my|the)\s+)?(?:notes?|tasks?)))?\s+"
        + _EN_ABOUT + r"\s+(?P<q>.+)"
    ),
    re.compile(
        r"(?:anything|something|stuff|notes|tasks|any\s+(?:notes?|tasks?))"
        r"\s+(?:about|on|re|regarding)"
        r"\s+(?P<q>[^:]+)"
    ),
    re.compile(
        r"(?:(?:do\s+you\s+)?remember|remind\s+me)\s+(?:what|where)\s+i(?:'ve|\s+have)?\s+"
        + _EN_WROTE + r"(?:\s+down)?\s+" + _EN_ABOUT + r"\s+(?P<q>.+)"
    ),
    # "where did I write about the tires", "where's my note about wifi", "what did I note on X"
    re.compile(
        r"where\s+(?:did|do)\s+i\s+" + _EN_WROTE + r"(?:\s+down)?"
        r"(?:\s+(?:it|that|this|(?:the\s+|a\s+|my\s+)?notes?))?"
        r"(?:\s+" + _EN_ABOUT + r")?\s+(?P<q>.+)"
    ),
    re.compile(
        r"where(?:'s|\s+is|\s+are)\s+(?:my\s+|the\s+)?(?:notes?|tasks?)(?:\s+" + _EN_ABOUT
        + r")?\s+(?P<q>.+)"
    ),
    re.compile(
        r"what\s+(?:did|do)\s+i\s+" + _EN_WROTE + r"(?:\s+down)?\s+" + _EN_ABOUT
        + r"\s+(?P<q>.+)"
    ),
    re.compile(
        r"show\s+(?:me\s+)?(?:everything|anything|all|(?:all\s+)?(?:my\s+|the\s+)?(?:notes|tasks))"
        r"\s+" + _EN_ABOUT + r"\s+(?P<q>.+)"
    ),
)

# Words of a query that say nothing of what is searched for («…писал, что резину надо
# поменять»): the search (organizer.pipeline.lists) leaves them out when others remain.
_FILLERS_TEXT = (
    "что то это как где когда надо нужно можно был была было были есть я мне меня мой моя "
    "мое мои там тут тот та те все вся уже еще "
    "that what where when i me my was were is are be been have has had it this there some "
    "any need needs"
)
QUERY_FILLERS = frozenset(_FILLERS_TEXT.split())
_QUERY_LEAD = re.compile(r"^(?:(?:про|о|об|about|for|the|my|a|an)\s+)+")


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
