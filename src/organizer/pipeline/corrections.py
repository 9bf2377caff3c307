"""Edits said without a move verb: "make it 12 instead", «давай лучше на 14». PURE.

Right after an item is created (or while «На когда перенести?» is open) people correct
its time in many ways: ru «давай на …», «лучше в …», «сделай в …», «пусть будет в …»,
«а можно на …», «перекинь на …»; en "make it …", "change it to …", "let's do …", "can we
do …", "how about …", "… instead". `reread` turns such a message into the same words
after a move verb («перенеси …», "move …"), which the parser reads as a reschedule
(absolute or relative: "make it an hour earlier"); pipeline/followup.py decides whether
that reading stands (an item in focus, or an unmistakable edit word).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
# words before the edit that say nothing ("а", "ну", "actually", "no,")
_LEAD = frozenset(str.split(
    "а ну нет не неа ой хотя слушай ладно ок окей стоп так хм блин её ее его это "
    "actually no nope nah oh ok okay wait hmm sorry well um uh so and hey hm oops it that "
    "this"))  # fmt: skip
# «не в 15, а в 16», "at 2pm, not 3": the time it is not says nothing more
_NOT_THIS = re.compile(
    r"(?:,\s*)?(?<!\w)(?:not|не)\s+(?:at\s+|в\s+|во\s+|на\s+)?\d{1,2}(?:[:.]\d\d)?"
    r"(?:\s*(?:am|pm))?(?!\w)(?:\s*,)?(?:\s*(?:а|but)(?!\w))?",
    re.IGNORECASE,
)
# what an answer about a time may say besides the time ("Friday is fine", «на завтра же,
# но в 18», "same day, 6pm"): no title
_NOTHING = _LEAD | frozenset(str.split(
    "is fine works good great perfect ok okay then maybe perhaps same day it it's its "
    "that this would be better please же но тогда может можно лучше давай пожалуйста "
    "подойдет подходит пойдет норм нормально отлично хорошо тот же день"))  # fmt: skip
_FILLERS = frozenset(str.split("давай давайте лучше пожалуйста плиз please pls тогда then"))
# (opener, an edit for sure, may name the item: "перекинь созвон на пятницу")
_OPENERS: tuple[tuple[str, bool, bool], ...] = (
    ("давай лучше", True, False), ("давайте лучше", True, False), ("давай", False, False),
    ("давайте", False, False), ("лучше", True, False), ("сделай лучше", True, False),
    ("сделай", True, False), ("сделайте", True, False), ("пусть будет", True, False),
    ("пускай будет", True, False), ("пусть лучше", True, False), ("пусть", True, False),
    ("а можно лучше", True, False), ("а можно", False, False), ("можно", False, False),
    ("перекинь", True, True), ("перекиньте", True, True), ("переставь", True, True),
    ("переставьте", True, True), ("поставь лучше", True, False),
    ("let's make it", True, False), ("lets make it", True, False),
    ("make it", True, False), ("make that", True, False), ("change it to", True, False),
    ("change that to", True, False), ("change it", True, False), ("change", True, True),
    ("let's do", False, False), ("lets do", False, False), ("let's say", False, False),
    ("lets say", False, False), ("let's go with", False, False), ("go with", False, False),
    ("can we do", False, False), ("could we do", False, False),
    ("can we make it", True, False), ("could we make it", True, False),
    ("can you make it", True, False), ("could you make it", True, False),
    ("how about", False, False), ("what about", False, False), ("maybe", False, False),
    ("perhaps", False, False), ("change the time to", True, False),
    ("change time to", True, False), ("it should be", True, False), ("should be", True, False),
    ("i meant", True, False), ("meant", True, False), ("it's", False, False),
    ("it is", False, False), ("я имел в виду", True, False), ("я имела в виду", True, False),
    ("имел в виду", True, False), ("имела в виду", True, False), ("должно быть", True, False),
    ("должна быть", True, False), ("должен быть", True, False), ("может быть", False, False), ("может", False, False), ("set it to", True, False),
    ("set it for", True, False), ("i'd rather", True, False), ("id rather", True, False),
    ("we'll do it", False, False), ("well do it", False, False), ("let's do it", False, False),
    ("lets do it", False, False), ("do it", False, False), ("we'll do", False, False),
    ("rather", True, False), ("better", True, False),
)  # fmt: skip
# words that say "instead of what was set" wherever they stand
_MARKERS = frozenset(["instead", "rather", "лучше", "better"])
_DROP = _MARKERS | frozenset(
    ["then", "please", "pls", "тогда", "пожалуйста", "плиз", "давай", "ладно", "ок", "ok",
     "would", "be", "works"]
)  # fmt: skip
_WORD = re.compile(r"[\w'’:.-]+|[^\w\s]")
# English "<item> to <day or time>": a move said without a verb ("call with Bob to
# tomorrow, same time"); Russian «на то же время»
_TO_WHEN = re.compile(
    r"\bto\s+(?:tomorrow|today|tonight|next\s+\w+|this\s+\w+|the\s+\d|\d{1,2}(?:[:.]\d\d)?"
    r"\s*(?:am|pm|a\.m\.|p\.m\.)?\b|mon|tue|wed|thu|fri|sat|sun)(?!\w*')",
    re.IGNORECASE,
)
# «на то же время» (not «в то же время …»: that may be a second item at that time)
_SAME_TIME = re.compile(
    r"\bна\s+(?:то|это)\s+же\s+время\b|\bвремя\s+(?:то|это)\s+же\b", re.IGNORECASE
)


# «тренировку на субботу», «созвон на 5 марта»: an item and the day it goes to (a day
# only: «на 17» may be a time, and that is the corrections' business)
_ON_DAY = re.compile(
    r"(?<!\w)на\s+(?:сегодня|завтра|послезавтра|понедельник|вторник|среду|четверг|пятницу|"
    r"субботу|воскресенье|выходные|следующ\w*\s+\w+|\d{1,2}(?:-?(?:е|го))?\s+(?:январ|феврал|"
    r"март|апрел|ма[яй]|июн|июл|август|сентябр|октябр|ноябр|декабр)\w*|\d{1,2}[./]\d{1,2})(?!\w)",
    re.IGNORECASE,
)


# "на следующую неделю", "to next week" without a weekday: the item's weekday is kept
_NEXT_WEEK = re.compile(r"\b(?:следующ\w*\s+недел\w*|next\s+week)\b", re.IGNORECASE)
_WEEKDAY = re.compile(
    r"\b(?:понедельн|вторник|сред[ауы]\b|четверг|пятниц|суббот|воскресен|пн\b|вт\b|ср\b|"
    r"чт\b|пт\b|сб\b|вс\b|mon|tue|wed|thu|fri|sat|sun)",
    re.IGNORECASE,
)


# "the call is now at 4pm", «созвон теперь в 16»: the item's new time, said as news
_NOW = re.compile(r"\b(?:is|are)\s+now\b|(?<!\w)теперь(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Reread:
    text: str  # the message after a move verb
    sure: bool  # an edit whatever the context ("make it 12 instead")
    named: bool  # may name the item ("перекинь созвон на пятницу")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.replace("’", "'"))


# «давай попозже, в 12»: a direction with no amount before it says nothing more
_VAGUE = frozenset(["попозже", "пораньше", "позже", "раньше", "later", "earlier"])
_UNIT = re.compile(
    r"^(?:минут\w*|мин|час\w*|полчаса|день|дня|дней|сутки|суток|недел\w*|minutes?|mins?|"
    r"hours?|hrs?|days?|weeks?)$",
    re.IGNORECASE,
)


def _vague(word: str, before: str) -> bool:
    return word.casefold() in _VAGUE and _UNIT.match(before) is None


_LONGEST_FIRST = sorted(_OPENERS, key=lambda o: len(o[0].split()), reverse=True)
# The openers by their first word, longest first within each (split once, not per message:
# ~70 openers were split and compared for every text, issue 19)
_BY_FIRST: dict[str, list[tuple[list[str], bool, bool]]] = {}
for _phrase, _sure, _named in _LONGEST_FIRST:
    _BY_FIRST.setdefault(_phrase.split()[0], []).append((_phrase.split(), _sure, _named))


def _opener(words: list[str]) -> tuple[int, bool, bool] | None:
    if not words:
        return None
    low = [w.casefold() for w in words]
    for said, sure, named in _BY_FIRST.get(low[0], ()):
        if low[: len(said)] == said:
            return len(said), sure, named
    return None


def _skip_lead(words: list[str]) -> list[str]:
    while words and (words[0].casefold() in _LEAD or not re.match(r"\w", words[0])):
        words = words[1:]
    return words


def without_lead(text: str) -> str:
    """The text without the words before it that say nothing ("no wait, 4pm" → "4pm")."""
    words = _skip_lead(_words(text))
    return " ".join(words).replace(" ,", ",") if words else text


def says_nothing(title: str | None) -> bool:
    """No title, or only words that say nothing ("No wait", "Is fine", «Же, но»)."""
    return not title or all(
        w.casefold() in _NOTHING or not re.match(r"\w", w) for w in _skip_lead(_words(title))
    )


def without_fillers(title: str) -> str:
    """The title without «давай», «лучше», "please" … said inside it («Созвон давай»)."""
    kept = [w for w in title.split() if w.casefold().strip(",.!?") not in _FILLERS]
    if not kept or len(kept) == len(title.split()):
        return title
    out = " ".join(kept).strip(" ,")
    return out[:1].upper() + out[1:] if out else title


def week_only(text: str) -> bool:
    """ "to next week" with no weekday: the move keeps the item's weekday."""
    return _NEXT_WEEK.search(text) is not None and _WEEKDAY.search(text) is None


def reread(text: str) -> Reread | None:
    """The correction as a move ("make it 12 instead" → "move to 12"), or None."""
    unsaid = _NOT_THIS.sub(" ", text)
    words = _skip_lead(_words(unsaid))
    found = _opener(words)
    marked = unsaid != text or any(w.casefold() in _MARKERS for w in words)
    if found is None and not marked:
        return None
    n, sure, named = found if found is not None else (0, True, False)
    said = words[n:]
    rest = [
        w
        for i, w in enumerate(said)
        if w.casefold() not in _DROP
        and w not in ("?", "!", ".")
        and not _vague(w, said[i - 1] if i else "")
    ]
    if not rest or (rest == [","]):
        return None
    ru = _CYRILLIC.search(text) is not None
    if rest[0][0].isdigit():  # "make it 12", «давай 15:30»
        rest = ["на" if ru else "to", *rest]
    verb = "перенеси" if ru else "move"
    return Reread(" ".join([verb, *rest]).replace(" ,", ","), sure or marked, named)


def without_now(text: str) -> str:
    """ "the call is now at 4pm" → "the call at 4pm", «созвон теперь в 16» → «созвон в 16»."""
    return re.sub(r"\s+", " ", _NOW.sub(" ", text)).strip()


def names_a_move(text: str) -> bool:
    """An item and where it goes, said without a move verb: "call with Bob to
    tomorrow", «стоматолог на пятницу на то же время», «тренировку на субботу»."""
    return any(r.search(text) is not None for r in (_TO_WHEN, _SAME_TIME, _NOW, _ON_DAY))
