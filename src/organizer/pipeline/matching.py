"""Find the item a cancel / reschedule / complete message talks about. PURE.

Titles are compared as sets of word stems (case-folded, ё = е, Russian endings and
English plural -s cut), so "встречу с Петей" finds "Встреча с Петей". A query word
counts when an item word has the same stem, starts with it (4+ letters), or is a close
spelling. The score is mostly how much of the query the item covers, a little how
much of the item the query covers. Generic words ("встречу", "задачу", "meeting")
match the item's type as well as its title, but when the query has other words, one
of those must match too ("встречу с Васей" finds no meeting with Petya). A date in the query keeps only the items
on that local day.

Outcome: `one` clear match (acts), `several` (ask with `sel:` buttons), or `none`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from difflib import SequenceMatcher
from functools import lru_cache
from zoneinfo import ZoneInfo

from organizer.pipeline.replies import ItemLike

THRESHOLD = 0.5
CLEAR_GAP = 0.3
MAX_CHOICES = 5

_ENDINGS_TEXT = (
    "иями ями ами ого его ому ему ыми ими ией ой ей ий ый ая яя ое ее ую юю ом ем "
    "ам ям ах ях ов ев ью ия ие ию а я о е у ю ы и ь й"
)
_RU_ENDINGS = tuple(sorted(_ENDINGS_TEXT.split(), key=len, reverse=True))
_TOKEN = re.compile(r"[^\W\d_]+")
_STOP_TEXT = (
    "с со и в во на к ко по за у о об от до для из мой моя моё мое мои my the a an to with "
    "for of on at in and my our this that это эту этот эта "
    # "перенеси напоминание про садик", "move the reminder about the dentist": the item
    # is the one the reminder is about
    "про about напоминание напоминания напоминалку напоминалка reminder"
)
_STOP = frozenset(_STOP_TEXT.split())
# stem -> item type it also stands for
_GENERIC = {
    "встреч": "meeting", "meeting": "meeting", "событи": "meeting", "event": "meeting",
    "задач": "task", "task": "task", "дел": "task", "todo": "task",
    "заметк": "note", "note": "note",
}  # fmt: skip
GENERIC = _GENERIC  # also read by the search (pipeline/lists.py)
_SHORT_ENDS = frozenset("аяеиоуюйыь")


def same_short(a: str, b: str) -> bool:
    """Two 3-letter stems that differ only in a final vowel: a short name in two cases
    («Аня» / «Ане» / «Аню», whose endings `stem` cannot cut)."""
    return len(a) == len(b) == 3 and a[:2] == b[:2] and {a[2], b[2]} <= _SHORT_ENDS


# Word-level and pure: a chat's titles and the words people name them by repeat, so the
# stems and the fuzzy comparisons (SequenceMatcher, the costliest part of a match) are
# kept rather than redone for every candidate item of every message (issue 19).
@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    w = word.casefold().replace("ё", "е")
    if re.search(r"[а-я]", w):
        for end in _RU_ENDINGS:
            if w.endswith(end) and len(w) - len(end) >= 3:
                return w[: -len(end)]
        return w
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def stems(text: str | None) -> list[str]:
    return list(_stems(text)) if text else []


@lru_cache(maxsize=8192)
def _stems(text: str) -> tuple[str, ...]:
    """`stems` kept per text: an open item's title is read for every message (issue 19)."""
    out: list[str] = []
    for tok in _TOKEN.findall(text.casefold().replace("ё", "е")):
        if tok in _STOP:
            continue
        s = stem(tok)
        if s and s not in out:
            out.append(s)
    return tuple(out)


_NUMBER = re.compile(r"\w*\d\w*")


@lru_cache(maxsize=8192)
def numbers(text: str | None) -> frozenset[str]:
    """The words of a title that carry a digit ("k20", "101", "2б"): `stems` keeps
    letters only, so these are compared on their own."""
    return frozenset(t.casefold() for t in _NUMBER.findall(text or ""))


def numbers_clash(a: str | None, b: str | None) -> bool:
    """Both titles carry numbers and share none: "client k20" is not "client k0", "room
    101" not "room 202". A title without numbers clashes with nothing ("купил 2 литра
    молока" still finds «Купить молоко»)."""
    na, nb = numbers(a), numbers(b)
    return bool(na and nb and na.isdisjoint(nb))


@lru_cache(maxsize=16384)
def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)):
        return True
    return min(len(a), len(b)) >= 5 and SequenceMatcher(None, a, b).ratio() >= 0.8


def score(query: Sequence[str], item: ItemLike) -> float:
    """0..1: how well the query words name this item."""
    if not query:
        return 0.0
    words = stems(item.title)
    hit_q = 0
    specific_hit = False
    for q in query:
        if any(_same(q, w) for w in words):
            hit_q += 1
            specific_hit = specific_hit or q not in _GENERIC
        elif _GENERIC.get(q) == item.type:
            hit_q += 1
    if not specific_hit and any(q not in _GENERIC for q in query):
        return 0.0  # "встречу с Васей" is not any meeting: the name must match
    hit_i = sum(1 for w in words if any(_same(q, w) for q in query))
    cover_q = hit_q / len(query)
    cover_i = hit_i / len(words) if words else 0.0
    return 0.75 * cover_q + 0.25 * cover_i


@dataclass(frozen=True)
class Match:
    outcome: str  # 'one' | 'several' | 'none'
    items: tuple[ItemLike, ...]


def on_day(item: ItemLike, day: date, tz: str) -> bool:
    if item.start_at is None:
        return False
    zone = ZoneInfo(tz)
    s = item.start_at.astimezone(zone).date()
    if item.end_at is not None and item.all_day:
        end = item.end_at.astimezone(zone).date()  # exclusive
        return s <= day < end or s == day
    return s == day


def find(
    title: str | None,
    candidates: Sequence[ItemLike],
    *,
    day: date | None = None,
    at: datetime | None = None,
    tz: str = "UTC",
) -> Match:
    """Match a title (and optionally a day, or an exact time) against open items."""
    pool = list(candidates)
    if day is not None:
        pool = [i for i in pool if on_day(i, day, tz)]
    pool = [i for i in pool if not numbers_clash(title, i.title)]
    if at is not None:
        exact = [i for i in pool if i.start_at is not None and i.start_at == at]
        if exact:
            pool = exact
    query = stems(title)
    if not query:
        if day is None and at is None:
            return Match("none", ())
        if len(pool) == 1:
            return Match("one", (pool[0],))
        return Match("several" if pool else "none", tuple(pool[:MAX_CHOICES]))
    scored = sorted(
        ((score(query, i), i) for i in pool), key=lambda p: p[0], reverse=True
    )
    good = [(s, i) for s, i in scored if s >= THRESHOLD]
    if not good:
        return Match("none", ())
    if len(good) == 1 or good[0][0] - good[1][0] >= CLEAR_GAP:
        return Match("one", (good[0][1],))
    return Match("several", tuple(i for _, i in good[:MAX_CHOICES]))
