"""Dates: relative days, weekdays, explicit dates, days of month, weeks, weekends and
date ranges. Each matcher returns a Mention whose meaning is computed against `today`
(the user's local date) by the caller's Context."""

from __future__ import annotations

from datetime import date, timedelta

from organizer.parsing.lexicon import (
    AMBIGUOUS_MONTHS,
    FREE_WEEKDAYS,
    MONTHS,
    WEAK_WEEKDAYS,
    WEAKEST_WEEKDAYS,
    WEEKDAYS,
)
from organizer.parsing.mention import Mention
from organizer.parsing.numbers import day_number
from organizer.parsing.tokens import Tok

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


def last_day(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - timedelta(days=1)).day


def safe_date(y: int, m: int, d: int) -> date | None:
    if not (1 <= m <= 12 and 1 <= d <= 31 and 1 <= y <= 9998):
        return None
    if d > last_day(y, m):
        return None
    return date(y, m, d)


def next_day_month(today: date, month: int, day: int) -> date | None:
    """The nearest `day`.`month` that is today or later (29 February waits for a leap
    year); None when the date never exists."""
    for y in range(today.year, today.year + 9):
        d = safe_date(y, month, day)
        if d is not None and d >= today:
            return d
    return None


def next_day_of_month(today: date, day: int) -> date | None:
    """The nearest day-of-month `day` that is today or later."""
    y, m = today.year, today.month
    for _ in range(13):
        d = safe_date(y, m, day)
        if d is not None and d >= today:
            return d
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return None


def next_weekday(today: date, wd: int) -> date:
    """The next `wd` strictly after today (1..7 days ahead)."""
    return today + timedelta(days=(wd - today.weekday() - 1) % 7 + 1)


def next_week_day(today: date, wd: int) -> date:
    """Day `wd` of the next calendar week (weeks start on Monday)."""
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    return monday + timedelta(days=wd)


def _year_at(toks: list[Tok], j: int) -> tuple[int | None, int]:
    n = len(toks)
    k = j
    if k < n and toks[k].t == ",":
        k += 1
    if k < n and toks[k].kind == "d" and len(toks[k].t) == 4:
        y = int(toks[k].t)
        if 1900 <= y <= 2200:
            k += 1
            if k < n and toks[k].t in ("года", "год", "г", "году", "year"):
                k += 1
                if k < n and toks[k].t == "." and toks[k].glued:
                    k += 1
            return y, k
    return None, j


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


def _month_at(toks: list[Tok], k: int) -> tuple[int, int] | None:
    if k >= len(toks) or toks[k].kind != "w":
        return None
    mo = MONTHS.get(toks[k].t)
    if mo is None:
        return None
    j = k + 1
    if j < len(toks) and toks[j].t == "." and toks[j].glued:
        j += 1
    return mo, j


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
        mo = _month_at(toks, j)
        if mo is not None:
            y, j2 = _year_at(toks, mo[1])
            return {"dm": (dn.value, mo[0]), "year": y}, j2
        return None
    # month day: March 15, march 3rd 2015, march first, february the 15th
    mo = _month_at(toks, k)
    if mo is not None:
        j = mo[1]
        if j < n and toks[j].t == "the":
            j += 1
        dn = day_number(toks, j)
        if dn is None:
            return None
        if not dn.digits and dn.j == j:  # pragma: no cover
            return None
        y, j2 = _year_at(toks, dn.j)
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


def next_dom_on_weekday(today: date, day: int, wd: int) -> date | None:
    """The nearest `day` of a month that is today or later and falls on weekday `wd`
    ("Thursday the 15th", as Duckling reads it) within a year; else the nearest `day`
    (the writer slipped on the weekday)."""
    y, m = today.year, today.month
    for _ in range(12):
        d = safe_date(y, m, day)
        if d is not None and d >= today and d.weekday() == wd:
            return d
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return next_day_of_month(today, day)


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
    mo = _month_at(toks, j)
    if mo is None:
        return None
    year, j2 = _year_at(toks, mo[1])
    return Mention("date", i, j2, {"last_of": mo[0], "year": year, "prep": toks[i].t})


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
    mo = _month_at(toks, k)
    if mo is None:
        return None
    dn1 = day_number(toks, mo[1])
    if dn1 is not None and dn1.j < n and toks[dn1.j].t in _RANGE_SEPS:
        dn2 = day_number(toks, dn1.j + 1)
        if dn2 is not None:
            y, j = _year_at(toks, dn2.j)
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


def resolve_dm(today: date, d: dict) -> date | None:
    """A {'dm': (day, month), 'year': y} part to a date. With a weekday said beside a date
    without a year ("Fri, Jul 18"), the nearest date or the one a year later, whichever
    falls on that weekday; else the nearest date (the writer slipped on the weekday)."""
    day, month = d["dm"]
    y = d.get("year")
    if y is not None:
        return safe_date(y, month, day)
    got = next_day_month(today, month, day)
    wd = d.get("wd_check")
    if got is not None and wd is not None and got.weekday() != wd:
        for year in range(got.year + 1, got.year + 2):
            cand = safe_date(year, month, day)
            if cand is not None and cand.weekday() == wd:
                return cand
    return got


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


def period_start(today: date, period: str, which: str) -> date:
    """The first day of a week, month or year that is today or later, or of the next one
    when "next" is said ("в начале следующей недели" = next Monday)."""
    if period == "week":
        monday = today - timedelta(days=today.weekday())
        return monday if which != "next" and monday == today else monday + timedelta(days=7)
    if period == "month":
        first = date(today.year, today.month, 1)
        if which != "next" and first == today:
            return today
        return date(today.year + 1, 1, 1) if today.month == 12 else \
            date(today.year, today.month + 1, 1)
    if period == "year":
        first = date(today.year, 1, 1)
        return today if which != "next" and first == today else date(today.year + 1, 1, 1)
    return today


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


def period_end(today: date, period: str, which: str) -> date:
    """The day a period ends: a working week ends on Friday (Sunday once Friday has
    passed), a month on its last day, a year on 31 December, a day on itself."""
    if period == "day":
        return today
    if period == "week":
        monday = today - timedelta(days=today.weekday())
        if which == "next":
            return monday + timedelta(days=11)
        friday = monday + timedelta(days=4)
        return friday if today <= friday else monday + timedelta(days=6)
    if period == "month":
        y, m = today.year, today.month
        if which == "next":
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return date(y, m, last_day(y, m))
    return date(today.year + (1 if which == "next" else 0), 12, 31)


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
        mo = _month_at(toks, j)
        if mo is None:
            if i > 0 and toks[i - 1].t in ("каждый", "каждую", "каждое", "every", "each"):
                return Mention("date", i, j, {"nth": nth, "wd": wd, "prep": prep,
                                              "generic": True})
            return None
        month, j = mo
    year, j = _year_at(toks, j)
    return Mention("date", i, j, {"nth": nth, "wd": wd, "month": month, "year": year,
                                  "which": which, "prep": prep})


def nth_weekday_in(y: int, m: int, nth: int, wd: int) -> date | None:
    if nth > 0:
        first = date(y, m, 1)
        d = first + timedelta(days=(wd - first.weekday()) % 7 + 7 * (nth - 1))
        return d if d.month == m else None
    last = date(y, m, last_day(y, m))
    return last - timedelta(days=(last.weekday() - wd) % 7)


def resolve_nth_weekday(today: date, d: dict) -> date | None:
    """The nth weekday of the month named (this year, or next once passed), or of this
    month (the next month once passed)."""
    y, m = today.year, today.month
    if d.get("month"):
        m = d["month"]
        y = d.get("year") or y
        got = nth_weekday_in(y, m, d["nth"], d["wd"])
        if d.get("year") is None and (got is None or got < today):
            got = nth_weekday_in(y + 1, m, d["nth"], d["wd"])
        return got
    if d.get("which") == "next":
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    for _ in range(13):
        got = nth_weekday_in(y, m, d["nth"], d["wd"])
        if got is not None and got >= today:
            return got
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
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
    year, j = _year_at(toks, k + 1)
    return Mention("date", i, j, {"month_name": mo, "part": part, "year": year,
                                  "prep": prep})


def resolve_month_name(today: date, d: dict) -> date:
    """The day a month said alone stands for: its start (today when it is this month),
    its middle (the 15th) or its end (last day); the coming such month."""
    mo = d["month_name"]
    y = d.get("year") or (today.year if mo >= today.month else today.year + 1)
    part = d.get("part")
    if part == "end":
        return date(y, mo, last_day(y, mo))
    day = 15 if part == "mid" else 1
    got = date(y, mo, day)
    if got < today and (y, mo) == (today.year, today.month) and part != "mid":
        return today
    if got < today and part == "mid":
        return today
    return got


def period_mid(today: date, period: str, which: str) -> date:
    """The middle of a week (Wednesday) or month (the 15th), today or later."""
    if period == "week":
        monday = today - timedelta(days=today.weekday())
        if which == "next":
            monday += timedelta(days=7)
        wed = monday + timedelta(days=2)
        return wed if wed >= today else wed + timedelta(days=7)
    first = date(today.year, today.month, 1)
    if which == "next":
        first = date(today.year + 1, 1, 1) if today.month == 12 else \
            date(today.year, today.month + 1, 1)
    mid = first.replace(day=15)
    if mid < today:
        mid = (date(mid.year + 1, 1, 15) if mid.month == 12
               else date(mid.year, mid.month + 1, 15))
    return mid
