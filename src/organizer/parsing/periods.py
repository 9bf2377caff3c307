"""Periods and months as dates: до конца недели, by the end of the month, в середине
месяца, в следующем месяце, в декабре, в конце декабря, первый понедельник декабря, the last
Friday of the month, в последний день месяца. The days they stand for are computed in
date_math.py."""

from __future__ import annotations

from organizer.parsing.date_words import month_at, year_at
from organizer.parsing.lexicon import AMBIGUOUS_MONTHS, MONTHS, WEEKDAYS
from organizer.parsing.mention import Mention
from organizer.parsing.tokens import Tok

_END_WORDS = frozenset({"конца", "концу", "конец", "конце", "end"})
_START_WORDS = frozenset({"начале", "начала", "начало", "beginning", "start"})
_PERIODS = {"недели": "week", "week": "week", "месяца": "month", "month": "month",
            "года": "year", "year": "year", "дня": "day", "day": "day",
            "eod": "day", "eow": "week", "eom": "month", "eoy": "year"}


def match_period_end(toks: list[Tok], i: int) -> Mention | None:
    """до конца недели, к концу месяца, by the end of the week, by EOD -> a date."""
    n = len(toks)
    k = i
    if toks[k].t in ("до", "к", "by", "until", "till", "at", "in", "в", "на"):
        k += 1
    if k < n and toks[k].t == "the":
        k += 1
    if k < n and toks[k].t in ("eod", "eow", "eom", "eoy"):
        return Mention("date", i, k + 1, {"period_end": _PERIODS[toks[k].t], "which": "this",
                                          "prep": toks[i].t})
    if k < n and toks[k].t in ("середине", "середина", "middle", "mid"):
        k2 = k + 1
        if k2 < n and toks[k2].t == "of":
            k2 += 1
        if k2 < n and toks[k2].t in ("the", "this", "этой", "этого"):
            k2 += 1
        which = "this"
        if k2 < n and toks[k2].t in ("next", "следующей", "следующего"):
            which, k2 = "next", k2 + 1
        if k2 < n and _PERIODS.get(toks[k2].t) in ("week", "month"):
            return Mention("date", i, k2 + 1, {"period_mid": _PERIODS[toks[k2].t],
                                               "which": which, "prep": toks[i].t})
        return None
    if k >= n or toks[k].t not in _END_WORDS | _START_WORDS:
        return None
    start = toks[k].t in _START_WORDS
    k += 1
    if k < n and toks[k].t == "of":
        k += 1
    which = "this"
    if k < n and toks[k].t in ("the", "this", "этой", "этого", "текущей", "текущего",
                               "current"):
        k += 1
    elif k < n and toks[k].t in ("next", "следующей", "следующего", "coming"):
        which = "next"
        k += 1
    if k < n and toks[k].t in _PERIODS:
        key = "period_start" if start else "period_end"
        return Mention("date", i, k + 1, {key: _PERIODS[toks[k].t],
                                          "which": which, "prep": toks[i].t})
    return None


_MONTH_NOUNS = frozenset({"месяце", "месяц", "month"})


def match_month(toks: list[Tok], i: int) -> Mention | None:
    """в следующем месяце, в этом месяце, next month, this month."""
    n = len(toks)
    k = i
    if toks[k].t in ("в", "во", "на", "in", "for", "this", "next", "of"):
        k += 1
    which = None
    if k < n and toks[k].t in ("следующем", "следующий", "next", "coming"):
        which = "next"
    elif k < n and toks[k].t in ("этом", "этот", "this", "текущем", "current"):
        which = "this"
    elif i < k and toks[i].t in ("next", "this"):
        which, k = toks[i].t, i
    if which is None:
        return None
    if k + 1 < n and toks[k + 1].t in _MONTH_NOUNS:
        return Mention("month", i, k + 2, {"which": which})
    return None


_MONTH_PART = {
    "начале": "start", "начало": "start", "начала": "start", "beginning": "start",
    "start": "start", "early": "start",
    "середине": "mid", "середина": "mid", "middle": "mid", "mid": "mid",
    "конце": "end", "конец": "end", "конца": "end", "концу": "end", "end": "end",
    "late": "end",
}
_MONTH_PREPS = frozenset({"в", "во", "на", "к", "ко", "до", "in", "during", "by", "until",
                          "till", "for", "of", "this", "next"})


def match_month_name(toks: list[Tok], i: int) -> Mention | None:
    """A month said alone: "в декабре", "in July", "в конце декабря", "до конца декабря",
    "by the end of December", "в начале января", "mid March"."""
    n = len(toks)
    k = i
    prep = None
    if toks[k].t in _MONTH_PREPS and k + 1 < n:
        prep = toks[k].t
        k += 1
    if k < n and toks[k].t == "the":
        k += 1
    part = None
    if k < n and toks[k].t in _MONTH_PART:
        part = _MONTH_PART[toks[k].t]
        k += 1
        if k < n and toks[k].t == "of":
            k += 1
    if k >= n or toks[k].kind != "w" or toks[k].t not in MONTHS:
        return None
    t = toks[k].t
    if prep is None and part is None:
        return None  # a month name alone ("декабрь", "may") is not a time phrase
    if len(t) <= 3 and t not in ("май", "мая", "мае", "may") and part is None:
        return None  # "dec", "мар" after a preposition are too short to be sure
    if t in AMBIGUOUS_MONTHS and prep in ("this", "of", "for") and part is None:
        return None
    mo = MONTHS[t]
    year, j = year_at(toks, k + 1)
    return Mention("date", i, j, {"month_name": mo, "part": part, "year": year,
                                  "prep": prep})


_NTH = {
    "первый": 1, "первую": 1, "первое": 1, "first": 1, "1st": 1,
    "второй": 2, "вторую": 2, "second": 2, "2nd": 2,
    "третий": 3, "третью": 3, "third": 3, "3rd": 3,
    "четвертый": 4, "четвертую": 4, "fourth": 4, "4th": 4,
    "последний": -1, "последнюю": -1, "последнее": -1, "last": -1,
}
_OF_MONTH = frozenset({"месяца", "month"})


def match_nth_weekday(toks: list[Tok], i: int) -> Mention | None:
    """"в последнюю пятницу месяца", "первый понедельник декабря", "the first Tuesday of
    October", "last Friday of the month" -> a date (or, beside a repetition, BYDAY=-1FR)."""
    n = len(toks)
    k = i
    prep = None
    if toks[k].t in ("в", "во", "on", "the", "на", "к", "до", "by") and k + 1 < n:
        prep = toks[k].t
        k += 1
        if toks[k].t == "the" and k + 1 < n:
            k += 1
    nth = _NTH.get(toks[k].t)
    if nth is None or k + 1 >= n:
        return None
    wd = WEEKDAYS.get(toks[k + 1].t)
    if wd is None:
        return None
    j = k + 2
    if j < n and toks[j].t in ("of", "in"):
        j += 1
        if j < n and toks[j].t in ("the", "this", "next"):
            j += 1
    month = None
    which = "this"
    if j < n and toks[j].t in _OF_MONTH:
        if toks[j - 1].t == "next":
            which = "next"
        j += 1
    elif j < n and toks[j].t in ("каждого", "every", "each") and j + 1 < n and \
            toks[j + 1].t in _OF_MONTH:
        return Mention("date", i, j, {"nth": nth, "wd": wd, "prep": prep, "generic": True})
    else:
        mo = month_at(toks, j)
        if mo is None:
            if i > 0 and toks[i - 1].t in ("каждый", "каждую", "каждое", "every", "each"):
                return Mention("date", i, j, {"nth": nth, "wd": wd, "prep": prep,
                                              "generic": True})
            return None
        month, j = mo
    year, j = year_at(toks, j)
    return Mention("date", i, j, {"nth": nth, "wd": wd, "month": month, "year": year,
                                  "which": which, "prep": prep})


def match_last_day(toks: list[Tok], i: int) -> Mention | None:
    """"last day of October 2015", "в последний день месяца", "последний день ноября"."""
    n = len(toks)
    k = i
    if toks[k].t in ("в", "во", "on", "the", "на", "к", "до", "by") and k + 1 < n:
        k += 1
        if toks[k].t == "the" and k + 1 < n:
            k += 1
    if k + 1 < n and toks[k].t in ("first", "первый") and toks[k + 1].t in ("day", "день"):
        # "в первый день месяца", "the first day of next month": the coming 1st
        j = k + 2
        if j < n and toks[j].t in ("of", "in"):
            j += 1
            if j < n and toks[j].t in ("the", "this"):
                j += 1
        which = None
        if j < n and toks[j].t in ("next", "следующего"):
            which, j = "next", j + 1
        if j < n and toks[j].t in ("месяца", "month"):
            data = {"dom": 1, "prep": toks[i].t}
            if which:
                data["month_of"] = "next"
            return Mention("date", i, j + 1, data)
        return None
    if k + 1 >= n or toks[k].t not in ("last", "последний") or toks[k + 1].t not in (
        "day", "день"
    ):
        return None
    j = k + 2
    if j < n and toks[j].t in ("of", "in"):
        j += 1
        if j < n and toks[j].t in ("the", "this"):
            j += 1
    if j < n and toks[j].t in ("месяца", "month"):
        return Mention("date", i, j + 1, {"period_end": "month", "which": "this",
                                          "prep": toks[i].t})
    mo = month_at(toks, j)
    if mo is None:
        return None
    year, j2 = year_at(toks, mo[1])
    return Mention("date", i, j2, {"last_of": mo[0], "year": year, "prep": toks[i].t})
