"""Dates: relative days, weekdays, explicit dates, days of month, weeks, weekends and
date ranges. Each matcher returns a Mention whose meaning is computed against `today`
(the user's local date) by the caller's Context. Periods and month names are read in
periods.py, the date arithmetic is in date_math.py; their public names are re-exported
here."""

from __future__ import annotations

from organizer.parsing.date_math import (
    last_day,
    next_day_month,
    next_day_of_month,
    next_dom_on_weekday,
    next_week_day,
    next_weekday,
    nth_weekday_in,
    period_end,
    period_mid,
    period_start,
    resolve_dm,
    resolve_month_name,
    resolve_nth_weekday,
    safe_date,
)
from organizer.parsing.date_words import month_at, year_at
from organizer.parsing.lexicon import (
    FREE_WEEKDAYS,
    WEAK_WEEKDAYS,
    WEAKEST_WEEKDAYS,
    WEEKDAYS,
)
from organizer.parsing.mention import Mention
from organizer.parsing.numbers import day_number
from organizer.parsing.periods import (
    match_last_day,
    match_month,
    match_month_name,
    match_nth_weekday,
    match_period_end,
)
from organizer.parsing.tokens import Tok

# The date grammar's public names, those of date_math.py and periods.py included, stay
# importable from here (scan.py and api.py import them so).
__all__ = [
    "DATE_PREPS", "day_parts", "last_day", "match_date_range", "match_day_of_month",
    "match_explicit_date", "match_last_day", "match_month", "match_month_name",
    "match_nth_weekday", "match_period_end", "match_relative_day", "match_week",
    "match_weekday", "next_day_month", "next_day_of_month", "next_dom_on_weekday",
    "next_week_day", "next_weekday", "nth_weekday_in", "period_end", "period_mid",
    "period_start", "resolve_dm", "resolve_month_name", "resolve_nth_weekday", "safe_date",
]

DATE_PREPS = frozenset({"на", "к", "ко", "до", "by", "on", "for", "until", "till", "с", "со",
                        "по", "from", "после", "after", "before", "перед", "от", "of",
                        "в", "во", "this", "starting", "начиная", "to", "due"})
_REL_DAYS = {
    "сегодня": 0, "today": 0, "todays": 0, "tonight": 0, "tonights": 0, "сегодняшний": 0,
    "завтра": 1, "tomorrow": 1, "tomorrows": 1, "завтрашний": 1,
    "послезавтра": 2, "послепослезавтра": 3, "послезавтрашний": 2,
    "вчера": -1, "yesterday": -1, "позавчера": -2, "вчерашний": -1,
}
_REL_ADJ = {"сегодняшн": 0, "завтрашн": 1, "послезавтрашн": 2, "вчерашн": -1}
_NEXT = frozenset({"следующий", "следующую", "следующая", "следующее", "следующей",
                   "следующих", "следующие",
                   "следующем", "следующего", "след", "next", "coming", "ближайший",
                   "ближайшую", "ближайшая", "ближайшее", "ближайшей", "ближайшем",
                   "upcoming"})
_THIS = frozenset({"этот", "эту", "это", "эта", "этой", "этом", "this", "эти", "этих",
                   "текущей", "текущую", "current"})
_WEEKEND = frozenset({"выходные", "выходных", "выходным", "weekend", "week-end"})


def _weekday_token(toks: list[Tok], k: int, strong_ctx: bool) -> tuple[int, int] | None:
    if k >= len(toks):
        return None
    t = toks[k].t
    wd = WEEKDAYS.get(t)
    if wd is None:
        return None
    # "sat" / "вс" need company: a preposition or a following date/time/comma/dot.
    if t in WEAK_WEEKDAYS and t not in FREE_WEEKDAYS and not strong_ctx and (
        (k + 1 >= len(toks) and t in WEAKEST_WEEKDAYS)
        or (k + 1 < len(toks) and toks[k + 1].kind == "w"
            and toks[k + 1].t not in ("at", "в", "во", "morning", "afternoon", "evening",
                                      "night", "утром", "вечером", "днем", "ночью"))
    ):
        return None
    j = k + 1
    if j < len(toks) and toks[j].t == "." and toks[j].glued:
        j += 1
    return wd, j


_PREV = frozenset({"прошлый", "прошлую", "прошлое", "прошлой", "прошлом", "прошлая"})
_WD_POD = {"morning": "am", "afternoon": "day", "evening": "pm", "night": "pm"}


def match_weekday(toks: list[Tok], i: int) -> Mention | None:
    """[в|on|this|next|в следующий] weekday [на следующей неделе|next week|after next]."""
    n = len(toks)
    prep, prev, nxt, k = _weekday_lead(toks, i)
    wdr = _weekday_token(toks, k, strong_ctx=prep is not None or nxt)
    if wdr is None:
        return None
    wd, j = wdr
    week, j = _week_after(toks, j)
    if week == "this":
        return Mention("date", i, j, {"this_week_wd": wd, "prep": prep})
    if week == "next":
        nxt = True
    # "friday night", "monday morning": the part of day goes with the day
    pod = None
    if j < n and toks[j].t in _WD_POD:
        pod = _WD_POD[toks[j].t]
        j += 1
    if prev:  # "в прошлую пятницу": the last such day before today
        return Mention("date", i, j, {"prev_wd": wd, "prep": prep, "pod": pod})
    if week == "after_next":
        return Mention("date", i, j, {"wd": wd, "after_next": True, "prep": prep,
                                      "pod": pod})
    return Mention("date", i, j, {"wd": wd, "next": nxt, "prep": prep, "pod": pod})


def _weekday_lead(toks: list[Tok], i: int) -> tuple[str | None, bool, bool, int]:
    """The words before a weekday: a preposition, then прошлый, следующий/next or
    этот/this. Returns (preposition, previous, next, index of the weekday)."""
    n = len(toks)
    k = i
    prep = None
    if toks[k].t in DATE_PREPS:
        prep = toks[k].t
        k += 1
        if k < n and toks[k].t == "the":
            k += 1
    if k < n and toks[k].t in _PREV:
        return prep, True, False, k + 1
    nxt = False
    if k < n and toks[k].t in _NEXT:
        nxt = toks[k].t not in ("ближайший", "ближайшую", "ближайшая", "ближайшее",
                                "ближайшей", "ближайшем", "coming", "upcoming")
        k += 1
    elif k < n and toks[k].t in _THIS:
        k += 1
        prep = prep or "this"
    return prep, False, nxt, k


def _week_after(toks: list[Tok], j: int) -> tuple[str | None, int]:
    """The week said after a weekday: "на следующей неделе", "next week", "of next week"
    ('next'), "this week" ('this'), "after next" ('after_next'); else (None, j)."""
    n = len(toks)
    if j >= n:
        return None, j
    t = toks[j].t
    k2 = j
    if t in ("на", "of", "this", "the", "in") and j + 1 < n:
        k2 = j + 1
        if toks[k2].t == "the" and k2 + 1 < n:
            k2 += 1
    if toks[k2].t in _NEXT and k2 + 1 < n and toks[k2 + 1].t in ("неделе", "week"):
        return "next", k2 + 2
    if toks[k2].t in _THIS and k2 + 1 < n and toks[k2 + 1].t in ("неделе", "week", "недели"):
        return "this", k2 + 2
    if t == "after" and j + 1 < n and toks[j + 1].t == "next":
        return "after_next", j + 2
    return None, j


def match_relative_day(toks: list[Tok], i: int) -> Mention | None:
    n = len(toks)
    k = i
    prep = None
    # "в течение дня", "during the day": today
    if i + 2 < n and toks[i].t == "в" and toks[i + 1].t == "течение" and \
            toks[i + 2].t == "дня":
        return Mention("date", i, i + 3, {"rel": 0, "prep": "в"})
    if i + 2 < n and toks[i].t == "during" and toks[i + 1].t == "the" and \
            toks[i + 2].t == "day":
        return Mention("date", i, i + 3, {"rel": 0, "prep": "during"})
    if toks[k].t in DATE_PREPS and k + 1 < n:
        prep = toks[k].t
        k += 1
    t = toks[k].t
    if t in ("the", "day") and k + 3 < n + 1:
        # "the day after tomorrow", "day after tomorrow"
        k2 = k + 1 if t == "the" else k
        if k2 + 2 < n + 0 and toks[k2].t == "day" and toks[k2 + 1].t == "after" \
                and toks[k2 + 2].t in ("tomorrow", "tomorrows"):
            return Mention("date", i, k2 + 3, {"rel": 2, "prep": prep})
        return None
    off = _REL_DAYS.get(t)
    if off is None:
        for stem_, v in _REL_ADJ.items():
            if t.startswith(stem_):
                off = v
                break
    if off is None:
        return None
    data = {"rel": off, "prep": prep}
    j = k + 1
    if t == "tonight":
        data["pod"] = "pm"
    elif j < n and toks[j].t in _WD_POD:  # "tomorrow night", "today afternoon"
        data["pod"] = _WD_POD[toks[j].t]
        j += 1
    elif j + 1 < n and toks[j].t in ("early", "late") and toks[j + 1].t in _WD_POD:
        data["pod"] = _WD_POD[toks[j + 1].t]  # "tomorrow early morning"
        j += 2
    return Mention("date", i, j, data)


def _explicit(toks: list[Tok], k: int, en: bool) -> tuple[dict, int] | None:
    """Day+month forms, numeric forms. Returns ({'dm': (day, month), 'year': y}, j)."""
    n = len(toks)
    if k >= n:
        return None
    tok = toks[k]
    # ISO 2027-01-05 / 2027.01.05
    if tok.kind == "d" and len(tok.t) == 4 and k + 4 < n and toks[k + 1].t in ("-", ".", "/") \
            and toks[k + 2].kind == "d" and toks[k + 3].t == toks[k + 1].t \
            and toks[k + 4].kind == "d" and toks[k + 2].glued and toks[k + 4].glued \
            and 1900 <= int(tok.t) <= 2200:
        return {"dm": (int(toks[k + 4].t), int(toks[k + 2].t)), "year": int(tok.t)}, k + 5
    # numeric d.m[.y] (or m/d[/y] in English)
    if tok.kind == "d" and len(tok.t) <= 2 and k + 2 < n and toks[k + 1].t in (".", "/") \
            and toks[k + 1].glued and toks[k + 2].kind == "d" and toks[k + 2].glued \
            and len(toks[k + 2].t) <= 2:
        a, b = int(tok.t), int(toks[k + 2].t)
        sep = toks[k + 1].t
        j = k + 3
        year = None
        if j + 1 < n and toks[j].t == sep and toks[j].glued and toks[j + 1].kind == "d" \
                and toks[j + 1].glued and len(toks[j + 1].t) in (2, 4):
            y = int(toks[j + 1].t)
            year = y + 2000 if y < 100 else y
            j += 2
        elif j < n and toks[j].t == "." and toks[j].glued:
            j += 1
        day, month = (b, a) if (sep == "/" and en) else (a, b)
        if sep == "/" and en and month > 12 and 1 <= b <= 12:
            day, month = a, b  # "25/12" in English text can only be day/month
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return None
        return {"dm": (day, month), "year": year}, j
    # day month [year]: 15 марта, 15-го марта, пятнадцатое марта, 15th of march, 14april
    dn = day_number(toks, k)
    if dn is not None:
        j = dn.j
        if j < n and toks[j].t == "of":
            j += 1
        mo = month_at(toks, j)
        if mo is not None:
            y, j2 = year_at(toks, mo[1])
            return {"dm": (dn.value, mo[0]), "year": y}, j2
        return None
    # month day: March 15, march 3rd 2015, march first, february the 15th
    mo = month_at(toks, k)
    if mo is not None:
        j = mo[1]
        if j < n and toks[j].t == "the":
            j += 1
        dn = day_number(toks, j)
        if dn is None:
            return None
        if not dn.digits and dn.j == j:  # pragma: no cover
            return None
        y, j2 = year_at(toks, dn.j)
        return {"dm": (dn.value, mo[0]), "year": y}, j2
    return None


def match_explicit_date(toks: list[Tok], i: int, en: bool) -> Mention | None:
    """[prep] [weekday,] date."""
    n = len(toks)
    k = i
    prep = None
    if toks[k].t in DATE_PREPS and k + 1 < n:
        prep = toks[k].t
        k += 1
        if k < n and toks[k].t == "the":
            k += 1
    elif toks[k].t == "the":
        k += 1
    # a weekday before the date: "понедельник, 18 февраля", "Fri, Jul 18"
    wd = None
    wdr = _weekday_token(toks, k, strong_ctx=True) if k < n else None
    if wdr is not None:
        k2 = wdr[1]
        if k2 < n and toks[k2].t == ",":
            k2 += 1
        r = _explicit(toks, k2, en)
        if r is not None:
            r[0]["prep"] = prep
            r[0]["wd_check"] = wdr[0]  # "Fri, Jul 18": the year where they agree
            return Mention("date", i, r[1], r[0])
        # "Thu 15th", "пятница 13-е", "в пятницу 13-го": a weekday and a day of month
        if k2 < n and toks[k2].t == "the":
            k2 += 1
        dn = day_number(toks, k2)
        if dn is not None and (not dn.digits or dn.j > k2 + 1) and not (
            dn.j < n and toks[dn.j].kind == "w" and toks[dn.j].t in _NOT_DAY_AFTER
        ):
            return Mention("date", i, dn.j, {"dom_wd": (dn.value, wdr[0]), "prep": prep})
    r = _explicit(toks, k, en)
    if r is None:
        return None
    data, j = r
    # a weekday after: "Jul 18, Fri"
    if j + 1 < n and toks[j].t == "," and WEEKDAYS.get(toks[j + 1].t) is not None:
        data["wd_check"] = WEEKDAYS[toks[j + 1].t]
        j += 2
    data["prep"] = prep
    del wd
    return Mention("date", i, j, data)


# Words after an ordinal that show it is not a day of month ("пятница 13-й этаж").
_NOT_DAY_AFTER = frozenset({"этаж", "этаже", "floor", "place", "место", "раз", "time",
                            "урок", "пара", "неделя", "неделе", "week"})


def match_day_of_month(toks: list[Tok], i: int) -> Mention | None:
    """"15 числа", "первого числа", "the 15th", "on the 1st"."""
    n = len(toks)
    k = i
    prep = None
    if toks[k].t in DATE_PREPS and k + 1 < n:
        prep = toks[k].t
        k += 1
    the = False
    if k < n and toks[k].t == "the":
        the = True
        k += 1
    dn = day_number(toks, k)
    if dn is None:
        return None
    j = dn.j
    if j < n and toks[j].t in ("числа", "число", "числу", "числом"):
        return Mention("date", i, j + 1, {"dom": dn.value, "prep": prep})
    # "20 of next month", "the 20th day of this month", "15-го следующего месяца"
    k2 = j
    if k2 < n and toks[k2].t == "day" and k2 + 1 < n and toks[k2 + 1].t == "of":
        k2 += 1
    if k2 + 1 < n and toks[k2].t == "of":
        k3 = k2 + 1
        if toks[k3].t == "the" and k3 + 1 < n:
            k3 += 1
        if k3 + 1 < n and toks[k3].t in ("next", "this", "current", "following") and \
                toks[k3 + 1].t == "month":
            which = "this" if toks[k3].t in ("this", "current") else "next"
            return Mention("date", i, k3 + 2, {"dom": dn.value, "month_of": which,
                                                "prep": prep})
    # "the first of the month", "1st of the month": the coming such day
    if k2 + 2 < n and toks[k2].t == "of" and toks[k2 + 1].t == "the" and \
            toks[k2 + 2].t == "month":
        return Mention("date", i, k2 + 3, {"dom": dn.value, "prep": prep})
    if k2 + 1 < n and toks[k2].t in ("следующего", "этого", "текущего") and \
            toks[k2 + 1].t == "месяца":
        which = "next" if toks[k2].t == "следующего" else "this"
        return Mention("date", i, k2 + 2, {"dom": dn.value, "month_of": which, "prep": prep})
    # "15-го", "1st", English "the 15th", Russian "двадцатого" (ordinal only)
    if (dn.digits and j > k + 1) or (the and toks[k].kind == "w") or (
        not dn.digits and (toks[j - 1].t.endswith(("ого", "его"))
                           or (prep in ("к", "ко") and toks[j - 1].t.endswith(("ому", "ему"))))
    ):
        return Mention("date", i, j, {"dom": dn.value, "prep": prep})
    return None


def match_week(toks: list[Tok], i: int) -> Mention | None:
    """на этой неделе, на следующей неделе, this week, next week, на выходных,
    в эти выходные, this weekend, next weekend, на неделю."""
    n = len(toks)
    k = i
    if toks[k].t in ("на", "в", "во", "this", "next", "on", "for", "over", "до", "к", "by",
                     "the", "in", "of", "at", "по"):
        k += 1
        if k < n and toks[k].t == "the" and toks[k - 1].t != "the":
            k += 1
        if k < n and toks[k].t == "течение" and toks[i].t == "в":
            k += 1  # "в течение недели"
    which = "this"
    if k < n and toks[k].t in _NEXT:
        which = "next"
        k += 1
    elif k < n and toks[k].t in _THIS:
        k += 1
    elif i < k and toks[k - 1].t == "next":
        which = "next"
    if k >= n:
        return None
    t = toks[k].t
    if t in _WEEKEND:
        return Mention("weekend", i, k + 1, {"which": which})
    if t == "week" and k + 1 < n and toks[k + 1].t == "end":
        return Mention("weekend", i, k + 2, {"which": which})
    if t in ("неделе", "неделю", "week", "недели", "неделька"):
        if k + 2 < n and toks[k + 1].t == "after" and toks[k + 2].t == "next":
            return Mention("week", i, k + 3, {"which": "after_next"})  # week after next
        if k == i:
            return None  # a bare "неделю" is a duration word, not a range
        if toks[k - 1].t in ("в", "во") and t == "неделю":
            return None  # "раз в неделю"
        if toks[i].t in ("of", "the") and which == "this":
            return None  # "plan the week", "end of the week" (read elsewhere)
        return Mention("week", i, k + 1, {"which": which})
    return None


def day_parts(toks: list[Tok], k: int, en: bool) -> tuple[dict, int] | None:
    """One end of a date range: a full date or a bare day number ("с 3 по 5 мая")."""
    r = _explicit(toks, k, en)
    if r is not None:
        return r
    wdr = _weekday_token(toks, k, strong_ctx=True)
    if wdr is not None:
        return {"wd": wdr[0]}, wdr[1]
    if k < len(toks) and toks[k].t == "the":
        k += 1
    dn = day_number(toks, k)
    if dn is not None:
        return {"day": dn.value}, dn.j
    return None


_RANGE_SEPS = frozenset({"по", "до", "-", "–", "—", "to", "through", "thru", "till", "until",
                         "/"})


def match_date_range(toks: list[Tok], i: int, en: bool) -> Mention | None:
    """с 3 по 5 мая, 13 - 15 июля, from 13 to 15 July, July 13-15, с понедельника по среду."""
    n = len(toks)
    k = i
    opened = toks[k].t in ("с", "со", "from", "between", "от")
    if opened:
        k += 1
        if k < n and toks[k].t == "the":
            k += 1
    r = _month_days_range(toks, i, k)
    if r is not None:
        return r
    a = day_parts(toks, k, en)
    if a is None:
        return None
    pa, j = a
    if j < n and toks[j].t == "." and "day" in pa:
        j += 1  # "14. - 15.10."
    if j >= n or toks[j].t not in _RANGE_SEPS:
        return None
    sep = toks[j].t
    if sep in ("до", "по") and not opened and "day" in pa:
        return None
    j += 1
    if j < n and toks[j].t == "the":
        j += 1
    b = day_parts(toks, j, en)
    if b is None:
        return None
    pb, j2 = b
    if ("wd" in pa) != ("wd" in pb):
        return None
    if "day" in pa and "day" in pb:
        ordinal_words = toks[k].kind == "w" and toks[j].kind == "w"
        return _days_range(i, j2, pa["day"], pb["day"], opened, sep, ordinal_words)
    if "wd" in pa and not opened and sep not in ("to", "through", "thru", "-", "–", "—"):
        return None  # "monday to wednesday", "пн-ср"; "понедельник по среду" needs "с"
    ends = _fill_month(pa, pb)
    if ends is None:
        return None
    return Mention("drange", i, j2, {"a": ends[0], "b": ends[1],
                                     "moved": (toks[i].t == "from" or not opened)
                                     and sep == "to"})


def _month_days_range(toks: list[Tok], i: int, k: int) -> Mention | None:
    """"July 13-15": a month, then two days of it."""
    n = len(toks)
    mo = month_at(toks, k)
    if mo is None:
        return None
    dn1 = day_number(toks, mo[1])
    if dn1 is not None and dn1.j < n and toks[dn1.j].t in _RANGE_SEPS:
        dn2 = day_number(toks, dn1.j + 1)
        if dn2 is not None:
            y, j = year_at(toks, dn2.j)
            return Mention("drange", i, j, {"a": {"dm": (dn1.value, mo[0]), "year": y},
                                            "b": {"dm": (dn2.value, mo[0]), "year": y}})
    return None


def _days_range(i: int, j: int, a: int, b: int, opened: bool, sep: str,
                ordinal_words: bool) -> Mention | None:
    """Two bare day numbers: "с двадцатого по двадцать пятое", "с 20 по 25" stretch over
    days of the coming month; "до" only with ordinals ("с 9 до 18" is a span of hours)."""
    if opened and (sep == "по" or (ordinal_words and sep in ("до", "-", "–"))) and a != b:
        return Mention("drange", i, j, {"a": {"dom": a}, "b": {"dom": b}, "moved": False})
    return None


def _fill_month(pa: dict, pb: dict) -> tuple[dict, dict] | None:
    """"13 - 15 июля": a bare day takes the month (and year) of the other end; "с 14.10
    по 15.10.2018": the year said at the end covers the start."""
    if "day" in pa:
        if "dm" not in pb:
            return None
        pa = {"dm": (pa["day"], pb["dm"][1]), "year": pb.get("year")}
    if "day" in pb:
        if "dm" not in pa:
            return None
        pb = {"dm": (pb["day"], pa["dm"][1]), "year": pa.get("year")}
    if "dm" in pa and "dm" in pb and pa.get("year") is None and pb.get("year") is not None:
        pa = dict(pa, year=pb["year"])
    return pa, pb
