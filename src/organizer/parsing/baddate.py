"""Dates that do not exist: «31 апреля», «30 февраля», «32 марта», "June 31", "31.04". PURE.

The grammar (dates.py) drops a day+month that is no date, and the rest of the message
then reads as if no day had been said: «31 апреля в 10 встреча» became tomorrow at 10,
stored on a day the person never named. `find` spots such a date in the text first, so
the pipeline (pipeline/baddate.py) can say it does not exist and ask for the day again,
keeping the rest (`without`: the text with the date and its preposition cut out).

A date is impossible when its day is past the month's last day in any year (29 February
exists: it waits for a leap year, docs/PARSING.md) or, with a year said, in that year.
Days 1–28 always exist, so only 29–99 are looked at.
"""

from __future__ import annotations

from dataclasses import dataclass

from organizer.parsing.date_math import last_day
from organizer.parsing.date_words import month_at, year_at
from organizer.parsing.lexicon import MONTHS
from organizer.parsing.numbers import ordinal
from organizer.parsing.tokens import Tok, language, tokenize

_PREPS = frozenset({"на", "к", "ко", "до", "by", "on", "for", "until", "till", "с", "со",
                    "по", "from", "после", "after", "before", "перед", "от", "в", "во",
                    "this", "due", "the"})  # fmt: skip
_LEAP = 2000  # a year in which every month has its longest length


@dataclass(frozen=True)
class BadDate:
    """An impossible date: its day, month and year (None when not said), and the span
    [start, end) of the characters it takes in the text, a preposition before it included."""

    day: int
    month: int
    year: int | None
    start: int
    end: int


def _day_at(toks: list[Tok], k: int) -> tuple[int, int] | None:
    """A day number 29..99 at k ("31", "31-го", "31st"): (day, next index)."""
    if k >= len(toks):
        return None
    o = ordinal(toks, k)
    if o is not None:
        return (o.value, o.j) if o.value >= 29 else None
    tok = toks[k]
    if tok.kind == "d" and len(tok.t) <= 2 and int(tok.t) >= 29:
        return int(tok.t), k + 1
    return None


def _numeric(toks: list[Tok], k: int, en: bool) -> tuple[int, int, int | None, int] | None:
    """d.m[.y], or m/d[/y] in English, glued: (day, month, year, next index). The same
    reading as dates.py ("25/12" in English text can only be day/month)."""
    n = len(toks)
    tok = toks[k]
    if not (tok.kind == "d" and len(tok.t) <= 2 and k + 2 < n and toks[k + 1].t in (".", "/")
            and toks[k + 1].glued and toks[k + 2].kind == "d" and toks[k + 2].glued
            and len(toks[k + 2].t) <= 2):
        return None
    sep = toks[k + 1].t
    a, b, j = int(tok.t), int(toks[k + 2].t), k + 3
    day, month = (b, a) if sep == "/" and en and a <= 12 else (a, b)
    if not 1 <= month <= 12 or day < 29:
        return None
    year = None
    if j + 1 < n and toks[j].t == sep and toks[j].glued and toks[j + 1].kind == "d" \
            and toks[j + 1].glued and len(toks[j + 1].t) in (2, 4):
        year = int(toks[j + 1].t)
        year, j = (year + 2000 if year < 100 else year), j + 2
    return day, month, year, j


def _date_at(toks: list[Tok], k: int, en: bool) -> tuple[int, int, int | None, int] | None:
    """A day and a month at k in any order ("31 апреля", "April 31st", "the 31st of June",
    "31.04", "4/31"): (day, month, year, next index)."""
    num = _numeric(toks, k, en)
    if num is not None:
        return num
    d = _day_at(toks, k)
    if d is not None:
        j = d[1] + (1 if d[1] < len(toks) and toks[d[1]].t == "of" else 0)
        mo = month_at(toks, j)
        if mo is not None:
            year, end = year_at(toks, mo[1])
            return d[0], mo[0], year, end
        return None
    mo = month_at(toks, k)
    if mo is None:
        return None
    j = mo[1] + (1 if mo[1] < len(toks) and toks[mo[1]].t == "the" else 0)
    d = _day_at(toks, j)
    if d is None:
        return None
    year, end = year_at(toks, d[1])
    return d[0], mo[0], year, end


def find(text: str) -> BadDate | None:
    """The first date in `text` that does not exist, or None."""
    toks = tokenize(text)
    # a date needs a month's name or a glued "." or "/" between numbers ("31.04", "4/31"):
    # most messages have neither, and are not looked at token by token (issue 19)
    if not any(t.t in MONTHS or (t.glued and t.t in (".", "/")) for t in toks):
        return None
    en = language(text) == "en"
    for k in range(len(toks)):
        got = _date_at(toks, k, en)
        if got is None:
            continue
        day, month, year, end = got
        if day <= last_day(year or _LEAP, month):
            continue
        first = k
        while first > 0 and toks[first - 1].t in _PREPS and first > k - 2:
            first -= 1
        return BadDate(day, month, year, toks[first].s, toks[end - 1].e)
    return None


def without(text: str, bad: BadDate) -> str:
    """The text with the impossible date cut out («в 10 встреча с нотариусом»)."""
    return " ".join(f"{text[: bad.start]} {text[bad.end :]}".split())


def said(text: str, bad: BadDate) -> str:
    """The date as the person wrote it, preposition dropped («31 апреля», "April 31")."""
    words = text[bad.start : bad.end].split()
    while len(words) > 1 and words[0].casefold() in _PREPS:
        words = words[1:]
    return " ".join(words)


def days_in(bad: BadDate) -> int:
    """How many days the month has (February: 29 without a year, the longest it gets)."""
    return last_day(bad.year or _LEAP, bad.month)
