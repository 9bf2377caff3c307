"""Relative moves and "the same time": a hook run on every parse result. PURE.

"перенеси на час позже", "push it by 30 minutes", "сдвинь на 15 минут раньше",
"на день позже", "move lunch 30 minutes later", "on a week later": the new time is the
item's own start plus or minus an amount, so the grammar must not read "30 minutes" as
a clock time ("move lunch 30 minutes later" gave 10:30). `adjust` finds such a shift,
makes the result a reschedule with no start and adds
  - `shift_minutes`: signed elapsed minutes (minutes, hours),
  - `shift_days`: signed calendar days (days, weeks: the wall clock is kept across DST).
"перенеси на пятницу на то же время": in a reschedule "the same time" is the item's own
clock time, so only the date is new (start = that day, all-day, like "на пятницу").
docs/PARSING.md, "Relative shifts".
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

from organizer.parsing.instants import midnight
from organizer.parsing.lexicon import CARD

if TYPE_CHECKING:
    from organizer.parsing.result import ParseResult

_NUM_WORDS = "|".join(sorted((re.escape(w) for w in CARD), key=len, reverse=True))
_NUM = rf"(?:\d{{1,4}}|(?:a\s+)?couple\s+of|(?:{_NUM_WORDS})(?:[\s-]+(?:{_NUM_WORDS}))?)"
_UNITS = (
    r"(?:пол\s?часа|полчасика|полтора\s+часа|полторы\s+минуты|четверть\s+часа|"
    r"минут(?:у|ы|ку|ки|ок)?|мин\.?|час(?:а|ов|ик|ок|ика|ка)?|ч\.?|"
    r"день|дня|дней|денек|денька|сутки|суток|недел[юиь]|недельку|"
    r"half\s+an\s+hour|an\s+hour\s+and\s+a\s+half|(?:a\s+)?quarter\s+(?:of\s+an\s+)?hour|"
    r"minutes?|mins?|hours?|hrs?|h|days?|weeks?)"
)
_LATER = r"позже|попозже|вперед|дальше|later"
_EARLIER = r"раньше|пораньше|назад|earlier|sooner"
_AMOUNT = rf"(?:(?:на|by|on|for)\s+)?(?:(?P<num>{_NUM})\s*)?(?P<unit>{_UNITS})"
# "на час позже", "30 minutes later", "позже на час", "by 30 minutes" (a push: later)
_SHIFT = re.compile(
    rf"(?<![\w])(?:{_AMOUNT}\s+(?P<dir>{_LATER}|{_EARLIER})"
    rf"|(?P<dir2>{_LATER}|{_EARLIER})\s+(?:на\s+|by\s+)(?:(?P<num2>{_NUM})\s+)?"
    rf"(?P<unit2>{_UNITS})"
    rf"|(?P<pre>(?:forward|back|up|ahead|out)\s+)?by\s+(?:(?P<num3>{_NUM})\s*)?"
    rf"(?P<unit3>{_UNITS})(?P<dir3>\s+(?:{_LATER}|{_EARLIER}))?"
    # "push it back an hour", "bring it forward half an hour", "back a day"
    rf"|(?P<pre4>forward|back|ahead|up|out)\s+(?:(?P<num4>{_NUM})\s*)?(?P<unit4>{_UNITS})"
    rf")(?![\w])",
    re.IGNORECASE,
)
# "перенеси на следующий день", "move it to the next day": the item's next day (no clock)
# Every reading of _SHIFT has a direction word, or "by", or a verb particle as a whole
# word: a message without one is not searched with the long pattern (issue 19).
_SHIFT_WORD = re.compile(
    rf"(?<![\w])(?:{_LATER}|{_EARLIER}|by|forward|back|ahead|up|out)(?![\w])", re.IGNORECASE
)
_NEXT_DAY = re.compile(
    r"(?<![\w])(?:на\s+)?следующ(?:ий|ее)\s+(?:день|число)(?![\w])"
    r"|(?<![\w])(?:to\s+)?the\s+(?:next|following)\s+day(?![\w])"
    r"|(?<![\w])(?:to\s+)?the\s+day\s+after(?!\s+tomorrow)(?![\w])",
    re.IGNORECASE,
)
# what may follow a shift that ends a move said without a verb ("…на час позже, пожалуйста")
_TAIL = re.compile(r"[\s,.!?]*(?:(?:please|pls|пожалуйста|плиз|можно|ok|ок)[\s,.!?]*)?")
# An amount alone after a move verb ("отодвинь на час", "push it 30 minutes", "перенеси
# на неделю"): later. Never a clock time ("на час дня") nor a length after one.
_BARE = re.compile(
    rf"(?<![\w])(?:(?:на|by|for)\s+)?(?:(?P<num>{_NUM})\s*)?(?P<unit>{_UNITS})"
    r"(?!\s+(?:дня|утра|вечера|ночи))(?![\w])",
    re.IGNORECASE,
)
_EARLIER_RE = re.compile(rf"^(?:{_EARLIER})$|\b(?:forward|pull|up)\b", re.IGNORECASE)
_SAME_TIME = re.compile(
    r"(?<![\w])(?:(?:на|в)\s+)?(?:то|это)\s+же\s+время(?![\w])"
    r"|(?<![\w])время\s+(?:то|это)\s+же(?![\w])|(?<![\w])время\s+(?:оставь|сохрани)\w*"
    r"|(?<![\w])(?:(?:at|for)\s+)?(?:the\s+)?same\s+time(?![\w])"
    r"|(?<![\w])keep(?:ing)?\s+the\s+(?:same\s+)?time(?![\w])",
    re.IGNORECASE,
)
_PRONOUNS = frozenset(
    ["it", "its", "её", "ее", "его", "это", "эту", "этот", "эти", "them", "that", "this"]
)
# what may be left of a title once the move's words are gone: no title at all
_LEFTOVER = _PRONOUNS | frozenset(
    ["но", "а", "и", "but", "and", "then", "тогда", "instead", "можно", "пожалуйста", "плиз",
     "please", "pls", "лучше", "давай", "давайте", "ок", "ok", "okay", "может", "maybe",
     "попозже", "пораньше", "позже", "раньше", "later", "earlier", "back", "forward", "up",
     "out", "like", "about", "around", "roughly", "примерно", "где-то", "около", "вперед",
     "назад"]
)  # fmt: skip
# a verb that said "move" without being one ("make the call an hour later")
_LEAD_VERBS = frozenset(
    [
        "make",
        "bring",
        "pull",
        "shift",
        "delay",
        "push",
        "move",
        "сделай",
        "сделайте",
        "давай",
        "давайте",
    ]
)
_SMALL = frozenset(["на", "by", "on", "for", "to", "в"])


def _number(raw: str | None) -> int | None:
    if not raw:
        return 1
    raw = re.sub(r"^a\s+|\s+of$", "", raw.strip().casefold())  # "a couple of"
    if raw.isdigit():
        return int(raw)
    total = 0
    for w in re.split(r"[\s-]+", raw):
        v = CARD.get(w)
        if v is None:
            return None
        total += v
    return total


def _minutes_or_days(unit: str, n: int) -> tuple[int, int]:
    u = re.sub(r"\s+", " ", unit.casefold())
    if u in ("полчаса", "пол часа", "полчасика", "half an hour"):
        return 30, 0
    if "quarter" in u or u.startswith("четверть"):
        return 15, 0
    if u in ("полтора часа", "an hour and a half"):
        return 90, 0
    if u.startswith(("мин", "min")):
        return n, 0
    if u.startswith(("час", "hour", "hr", "ч")) or u == "h":
        return 60 * n, 0
    if u.startswith(("недел", "week")):
        return 0, 7 * n
    return 0, n  # день, сутки, day


class Shift(NamedTuple):
    minutes: int  # signed elapsed minutes
    days: int  # signed calendar days
    words: str  # the matched words (they leave the title)
    directed: bool  # said which way ("позже", "earlier", "back", "forward")
    last: bool  # nothing but punctuation or "please" after it


def _shift(m: re.Match[str], text: str, norm: str, direction: str) -> Shift | None:
    g = m.groupdict()
    unit = next((g[k] for k in ("unit", "unit2", "unit3", "unit4") if g.get(k)), None)
    n = _number(next((g[k] for k in ("num", "num2", "num3", "num4") if g.get(k)), None))
    if unit is None or n is None or n <= 0:
        return None
    if direction:
        earlier = _EARLIER_RE.search(direction) is not None
    else:  # "move the call forward by an hour"
        earlier = re.search(r"\b(?:forward|pull)\b", norm, re.IGNORECASE) is not None
    minutes, days = _minutes_or_days(unit, n)
    sign = -1 if earlier else 1
    last = _TAIL.fullmatch(text[m.end() :]) is not None
    return Shift(sign * minutes, sign * days, text[m.start() : m.end()], bool(direction), last)


def find_shift(text: str, bare: bool = False) -> Shift | None:
    """The relative move said in `text`, or None. `bare`: the text is a move already,
    so an amount alone ("на час", "30 minutes") is one too (later)."""
    norm = text.replace("ё", "е").replace("Ё", "Е")
    m = _SHIFT.search(norm) if _SHIFT_WORD.search(norm) else None
    if m is not None:
        g = m.groupdict()
        direction = next((g[k] for k in ("dir", "dir2", "dir3", "pre", "pre4") if g.get(k)), "")
        return _shift(m, text, norm, direction.strip())
    m = _BARE.search(norm) if bare else None
    return _shift(m, text, norm, "") if m is not None else None


def clean_title(title: str | None, words: str) -> str | None:
    """The title without the shift's (or "same time"'s) words and a leading move verb
    ("Make the call with Lee" → "The call with Lee"), and None when only a pronoun or a
    conjunction is left ("It by 30 minutes" → None: the item is the one talked about)."""
    if not title:
        return title
    drop = {w.casefold().replace("ё", "е") for w in re.findall(r"[\w.]+", words)}
    toks = title.split()
    keyed = [t.casefold().replace("ё", "е").strip(".,!?") for t in toks]
    gone = [k in drop and k not in _SMALL for k in keyed]
    for i, k in enumerate(keyed):  # a preposition goes only beside a dropped word
        if k in drop and k in _SMALL:
            gone[i] = (i + 1 < len(gone) and gone[i + 1]) or (i > 0 and gone[i - 1])
    kept = [t for t, g in zip(toks, gone, strict=True) if not g]
    while kept and kept[0].casefold().strip(".,!?") in _LEAD_VERBS:
        kept = kept[1:]
    if not kept or all(t.casefold().strip(".,!?") in _LEFTOVER for t in kept):
        return None
    out = " ".join(kept)
    return out[0].upper() + out[1:]


def _moved(r: ParseResult, found: Shift) -> ParseResult:
    title = clean_title(r.title, found.words)
    return dataclasses.replace(
        r, intent="reschedule", title=title, start=None, end=None, all_day=False,
        # no absolute new time: "date" stays needed (CONVENTIONS); the shift says it
        rrule=None, needs=("date",) if title else ("title", "date"),
        shift_minutes=found.minutes or None, shift_days=found.days or None,
    )  # fmt: skip


def adjust(text: str, r: ParseResult, now: datetime, zone: ZoneInfo) -> ParseResult:
    """The parse result with a relative shift or "the same time" applied."""
    if r.intent in ("note", "agenda", "cancel", "complete") or not isinstance(text, str):
        return r
    bare = r.intent == "reschedule" and r.start is None
    nxt = _NEXT_DAY.search(text.replace("ё", "е")) if bare or r.all_day else None
    if r.intent == "reschedule" and nxt is not None:
        found: Shift | None = Shift(0, 1, nxt.group(), True, True)
    else:
        found = find_shift(text, bare=bare)
    # "созвон с Димой на полчаса раньше", "make the call an hour later": a shift said
    # with its direction is a move even without a move verb
    if found is not None and (
        r.intent in ("reschedule", "unknown") or not r.title or (found.directed and found.last)
    ):
        return _moved(r, found)
    same = _SAME_TIME.search(text.replace("ё", "е")) if r.start is not None else None
    if same is None:
        return r
    title = clean_title(r.title, same.group())
    needs = r.needs if title or "title" in r.needs else ("title", *r.needs)
    if r.intent == "reschedule":
        day = r.start.astimezone(zone).date()
        return dataclasses.replace(
            r, title=title, needs=needs, end=None, all_day=True, start=midnight(day, zone)
        )
    # «на субботу на то же время» said of a new item: the words are no title
    return r if title == r.title else dataclasses.replace(r, title=title, needs=needs)
