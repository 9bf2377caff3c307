"""Repetition: каждый понедельник, по будням, раз в две недели, every other Friday,
каждое 1-е число, ежедневно, daily … -> a Mention('rec', freq, interval, byday, …)
and the first occurrence of a series."""

from __future__ import annotations

from datetime import date, timedelta

from organizer.parsing.lexicon import (
    BYDAY,
    DAY_WORDS,
    HOUR_WORDS,
    MINUTE_WORDS,
    MONTH_WORDS,
    MONTHS,
    WEEK_WORDS,
    WEEKDAYS,
    WEEKDAYS_PLURAL,
    YEAR_WORDS,
)
from organizer.parsing.mention import Mention
from organizer.parsing.numbers import card, day_number
from organizer.parsing.tokens import Tok

_EVERY = frozenset({"каждый", "каждую", "каждое", "каждые", "каждого", "каждой", "каждым",
                    "каждом", "every", "each"})
_ADVERBS = {
    "ежедневно": "DAILY", "ежедневный": "DAILY", "ежедневная": "DAILY",
    "ежедневную": "DAILY", "daily": "DAILY",
    "еженедельно": "WEEKLY", "еженедельный": "WEEKLY", "еженедельная": "WEEKLY",
    "еженедельную": "WEEKLY", "weekly": "WEEKLY",
    "ежемесячно": "MONTHLY", "ежемесячный": "MONTHLY", "ежемесячная": "MONTHLY",
    "ежемесячную": "MONTHLY", "monthly": "MONTHLY",
    "ежегодно": "YEARLY", "ежегодный": "YEARLY", "ежегодная": "YEARLY",
    "ежегодную": "YEARLY", "yearly": "YEARLY", "annually": "YEARLY", "annual": "YEARLY",
}
_NTH_WORDS = frozenset(str.split(
    "первый первую второй вторую третий третью четвертый четвертую последний последнюю "
    "first second third fourth last"))
_WORKDAYS = frozenset({0, 1, 2, 3, 4})
_WEEKEND_DAYS = frozenset({5, 6})
_POD = {"утро": "am", "утрам": "am", "morning": "am", "mornings": "am",
        "вечер": "pm", "вечерам": "pm", "evening": "pm", "evenings": "pm",
        "night": "pm", "nights": "pm", "ночь": "night", "ночам": "night",
        "день": None, "дням": None, "afternoon": "day", "afternoons": "day"}


def _unit_freq(t: str) -> str | None:
    if t in HOUR_WORDS and t not in ("h", "ч"):
        return "HOURLY"
    if t in MINUTE_WORDS and t not in ("м", "m"):
        return "MINUTELY"
    if t in DAY_WORDS:
        return "DAILY"
    if t in WEEK_WORDS:
        return "WEEKLY"
    if t in MONTH_WORDS:
        return "MONTHLY"
    if t in YEAR_WORDS:
        return "YEARLY"
    return None


def _weekday_list(toks: list[Tok], k: int, plural_ok: bool) -> tuple[set[int], int] | None:
    """weekday [(и|,|and) weekday]* -> set of weekdays."""
    n = len(toks)
    days: set[int] = set()
    j = k
    while j < n:
        t = toks[j].t
        wd = WEEKDAYS.get(t)
        if wd is None and plural_ok:
            wd = WEEKDAYS_PLURAL.get(t)
        if wd is None:
            break
        days.add(wd)
        j += 1
        if j + 1 < n and toks[j].t in ("и", ",", "and", "&", "or", "или") and (
            WEEKDAYS.get(toks[j + 1].t) is not None
            or WEEKDAYS_PLURAL.get(toks[j + 1].t) is not None
            or (toks[j + 1].t in ("по", "on") and j + 2 < n
                and WEEKDAYS_PLURAL.get(toks[j + 2].t) is not None)
        ):
            j += 1
            if toks[j].t in ("по", "on"):
                j += 1
            continue
        break
    if not days:
        return None
    return days, j


def _day_filter(toks: list[Tok], k: int) -> tuple[set[int], int] | None:
    """Days said after "каждый день"/"every day": "кроме выходных", "except weekends",
    "с понедельника по пятницу", "from monday to friday", "mon-fri"."""
    n = len(toks)
    if k + 1 < n and toks[k].t in ("кроме", "except", "but") and toks[k + 1].t in (
        "выходных", "weekends", "weekend", "субботы"
    ):
        j = k + 2
        if toks[k + 1].t == "субботы" and j + 1 < n and toks[j].t == "и" and \
                toks[j + 1].t == "воскресенья":
            j += 2
        elif toks[k + 1].t == "субботы":
            return None
        return set(_WORKDAYS), j
    j = k
    if j < n and toks[j].t in ("с", "со", "from"):
        j += 1
    if j + 2 < n and toks[j].t in WEEKDAYS and toks[j + 1].t in ("по", "до", "to", "-",
                                                                 "through", "thru") \
            and toks[j + 2].t in WEEKDAYS:
        a, b = WEEKDAYS[toks[j].t], WEEKDAYS[toks[j + 2].t]
        if a <= b:
            return set(range(a, b + 1)), j + 3
    return None


def _rec(i: int, j: int, freq: str, interval: int = 1, byday: set[int] | None = None,
         monthday: int | None = None, pod: str | None = None) -> Mention:
    return Mention("rec", i, j, {"freq": freq, "interval": interval,
                                 "byday": frozenset(byday or ()), "monthday": monthday,
                                 "pod": pod})


def match_recurrence(toks: list[Tok], i: int) -> Mention | None:
    """A repetition at i: an adverb (ежедневно, weekly), каждый/every …, по будням/по
    средам, в будни/on weekdays, mondays, раз в неделю/once a week."""
    n = len(toks)
    t = toks[i].t
    k = i
    if t == "of" and i + 1 < n and toks[i + 1].t in _EVERY:
        k = i + 1
        t = toks[k].t
    if t in _ADVERBS:
        return _rec(i, k + 1, _ADVERBS[t])
    if t in ("biweekly", "fortnightly"):
        return _rec(i, k + 1, "WEEKLY", 2)
    if t in _EVERY and k + 1 < n:
        return _every(toks, i, k + 1)
    if t == "по" and k + 1 < n:
        return _po(toks, i, k + 1)
    if t in ("в", "on") and k + 1 < n and toks[k + 1].t in ("будни", "weekdays"):
        return _rec(i, k + 2, "WEEKLY", 1, _WORKDAYS)
    if t == "on" and k + 1 < n and toks[k + 1].t in ("weekends",):
        return _rec(i, k + 2, "WEEKLY", 1, _WEEKEND_DAYS)
    if t in ("weekdays",):
        return _rec(i, k + 1, "WEEKLY", 1, _WORKDAYS)
    if t == "on" and k + 1 < n and toks[k + 1].t in WEEKDAYS_PLURAL and \
            toks[k + 1].t.endswith("s"):
        wl = _weekday_list(toks, k + 1, plural_ok=True)
        if wl is not None:
            return _rec(i, wl[1], "WEEKLY", 1, wl[0])
    if t in WEEKDAYS_PLURAL and t.endswith("s"):
        wl = _weekday_list(toks, k, plural_ok=True)
        if wl is not None:
            return _rec(i, wl[1], "WEEKLY", 1, wl[0])
    # раз в две недели, раз в неделю, once a week, once every two weeks
    if t in ("раз", "once") and k + 1 < n:
        return _once_every(toks, i, k + 1)
    return None


def _every(toks: list[Tok], i: int, j: int) -> Mention | None:
    """What follows каждый/every (at j): an ordinal weekday or the last day of the month,
    an interval ("every other", "каждые 2"), then days, a unit, a part of day or a date."""
    n = len(toks)
    # каждый первый понедельник (месяца), every last Friday of the month: MONTHLY with
    # an ordinal weekday; the date grammar reads "первый понедельник" itself.
    if toks[j].t in _NTH_WORDS and j + 1 < n and toks[j + 1].t in WEEKDAYS and (
        toks[j].t not in ("второй", "вторую", "second")
        or (j + 2 < n and toks[j + 2].t in ("месяца", "of", "in"))
    ):
        return _rec(i, j, "MONTHLY", 1)
    # каждый последний день месяца, every last day of the month: BYMONTHDAY=-1
    if toks[j].t in ("последний", "last") and j + 1 < n and toks[j + 1].t in ("день", "day"):
        return _rec(i, _month_end_words(toks, j + 2), "MONTHLY", 1, monthday=-1)
    interval = 1
    if toks[j].t in ("other", "второй", "вторую", "второе", "second"):
        interval, j = 2, j + 1
    else:
        num = card(toks, j)
        if num is not None and num.j < n and 2 <= num.value <= 99 and (
            _unit_freq(toks[num.j].t) or toks[num.j].t in WEEKDAYS_PLURAL
            or toks[num.j].t in WEEKDAYS
        ):
            interval, j = num.value, num.j
    if j >= n:
        return None
    return _every_days(toks, i, j, interval) or _every_unit(toks, i, j, interval)


def _month_end_words(toks: list[Tok], e: int) -> int:
    """The end of "… last day [of [the]] [month|месяца]" from e."""
    n = len(toks)
    if e < n and toks[e].t == "of":
        e += 1
        if e < n and toks[e].t == "the":
            e += 1
    if e < n and toks[e].t in ("месяца", "month"):
        e += 1
    return e


def _every_days(toks: list[Tok], i: int, j: int, interval: int) -> Mention | None:
    """каждый будний день, every weekday, every weekend, каждый понедельник и среду,
    every thursday night."""
    n = len(toks)
    w = toks[j].t
    if w in ("будний", "рабочий", "будние", "рабочие", "weekday", "workday",
             "business") and j + 1 < n and toks[j + 1].t in ("день", "дни", "day"):
        return _rec(i, j + 2, "WEEKLY", interval, _WORKDAYS)
    if w in ("weekday", "weekdays", "workday", "workdays"):
        return _rec(i, j + 1, "WEEKLY", interval, _WORKDAYS)
    if w in ("выходные", "weekend", "weekends"):
        return _rec(i, j + 1, "WEEKLY", interval, _WEEKEND_DAYS)
    wl = _weekday_list(toks, j, plural_ok=True)
    if wl is not None:
        end, pod = wl[1], None
        if end < n and toks[end].t in _POD and _POD[toks[end].t] is not None and \
                toks[end].t.isascii():
            pod, end = _POD[toks[end].t], end + 1  # "every thursday night"
        return _rec(i, end, "WEEKLY", interval, wl[0], pod=pod)
    return None


def _every_unit(toks: list[Tok], i: int, j: int, interval: int) -> Mention | None:
    """каждый день (кроме выходных), every 2 weeks, every morning, every January 1st,
    каждое 1-е число."""
    n = len(toks)
    w = toks[j].t
    f = _unit_freq(w)
    if f is not None:
        if w in ("день", "day") and j + 1 < n and toks[j + 1].t == "рождения":
            return None
        if f == "DAILY" and interval == 1:
            days = _day_filter(toks, j + 1)
            if days is not None:  # каждый день кроме выходных, every day mon-fri
                return _rec(i, days[1], "WEEKLY", 1, days[0])
        return _rec(i, j + 1, f, interval)
    if w in _POD and _POD[w] is not None:
        return _rec(i, j + 1, "DAILY", interval, pod=_POD[w])
    # every January 1st, every March 3: yearly; the date grammar reads the date
    if w in MONTHS and j + 1 < n and day_number(toks, j + 1) is not None:
        return _rec(i, j, "YEARLY", interval)
    # каждое 1-е число, каждое первое число, каждого 15 числа
    dn = day_number(toks, j)
    if dn is not None:
        if dn.j < n and toks[dn.j].t in ("число", "числа"):
            return _rec(i, dn.j + 1, "MONTHLY", interval, monthday=dn.value)
        if dn.j < n and toks[dn.j].t in MONTHS:
            # каждое 5 мая: yearly; the date itself is read by the date grammar
            return _rec(i, j, "YEARLY", interval)
        if not dn.digits or dn.j > j + 1:
            return _rec(i, dn.j, "MONTHLY", interval, monthday=dn.value)
    return None


def _po(toks: list[Tok], i: int, k: int) -> Mention | None:
    """по будням, по рабочим дням, по выходным, по утрам, по средам, по пн и ср (k is just
    after "по")."""
    n = len(toks)
    w = toks[k].t
    if w in ("будням", "будним"):
        j = k + 1
        if j < n and toks[j].t in ("дням",):
            j += 1
        return _rec(i, j, "WEEKLY", 1, _WORKDAYS)
    if w == "рабочим" and k + 1 < n and toks[k + 1].t == "дням":
        return _rec(i, k + 2, "WEEKLY", 1, _WORKDAYS)
    if w in ("выходным",):
        j = k + 1
        if j < n and toks[j].t == "дням":
            j += 1
        return _rec(i, j, "WEEKLY", 1, _WEEKEND_DAYS)
    if w in ("утрам", "вечерам", "ночам"):
        return _rec(i, k + 1, "DAILY", 1, pod=_POD[w])
    wl = _weekday_list(toks, k, plural_ok=True)
    if wl is not None and w in WEEKDAYS_PLURAL:
        return _rec(i, wl[1], "WEEKLY", 1, wl[0])
    # "по пн и ср": abbreviations repeat when two or more are listed ("по пт" alone
    # may be "until Friday")
    if wl is not None and len(wl[0]) >= 2 and len(w) <= 3:
        return _rec(i, wl[1], "WEEKLY", 1, wl[0])
    return None


def _once_every(toks: list[Tok], i: int, j: int) -> Mention | None:
    """раз в две недели, раз в неделю, once a week, once every other week (j is just after
    раз/once)."""
    n = len(toks)
    if toks[j].t in ("в", "a", "per", "every", "each"):
        j += 1
    else:
        return None
    interval = 1
    num = card(toks, j)
    if num is not None and num.j < n and _unit_freq(toks[num.j].t):
        interval, j = num.value, num.j
    elif j < n and toks[j].t == "other":
        interval, j = 2, j + 1
    if j < n and _unit_freq(toks[j].t):
        return _rec(i, j + 1, _unit_freq(toks[j].t) or "WEEKLY", interval)
    return None


def merge(recs: list[Mention]) -> dict:
    """Combine several repetition phrases ("раз в две недели" + "по пятницам")."""
    order = {"MINUTELY": -2, "HOURLY": -1, "DAILY": 0, "WEEKLY": 1, "MONTHLY": 2,
             "YEARLY": 3}
    out = {"freq": None, "interval": 1, "byday": frozenset(), "monthday": None, "pod": None,
           "nth": None}
    for r in recs:
        f = r["freq"]
        if r["byday"]:
            out["byday"] = out["byday"] | r["byday"]
        if out["freq"] is None or (order[f] > order[out["freq"]] and not out["byday"]) or (
            out["freq"] == "DAILY" and f == "WEEKLY"
        ):
            out["freq"] = f
        if r["interval"] > out["interval"]:
            out["interval"] = r["interval"]
        if r["monthday"]:
            out["monthday"] = r["monthday"]
        if r["pod"]:
            out["pod"] = r["pod"]
    if out["byday"] and out["freq"] in ("DAILY", None):
        out["freq"] = "WEEKLY"
    return out


def rrule_text(rec: dict) -> str:
    parts = [f"FREQ={rec['freq']}"]
    if rec["interval"] and rec["interval"] > 1:
        parts.append(f"INTERVAL={rec['interval']}")
    if rec["byday"] and rec["freq"] == "WEEKLY":
        parts.append("BYDAY=" + ",".join(BYDAY[d] for d in sorted(rec["byday"])))
    if rec["monthday"] and rec["freq"] == "MONTHLY":
        parts.append(f"BYMONTHDAY={rec['monthday']}")
    if rec.get("nth") and rec["freq"] == "MONTHLY":
        parts.append(f"BYDAY={rec['nth'][0]}{BYDAY[rec['nth'][1]]}")
    return ";".join(parts)


def _is_nth(d: date, nth: int, wd: int) -> bool:
    if d.weekday() != wd:
        return False
    if nth > 0:
        return (d.day - 1) // 7 + 1 == nth
    return (d + timedelta(days=7)).month != d.month


def first_day(rec: dict, today: date, include_today: bool, anchor: date | None) -> date:
    """The first day of the series: `anchor` (a date said with it) when it fits, else
    the first day from today (or tomorrow) on that matches BYDAY / BYMONTHDAY."""
    start = today if include_today else today + timedelta(days=1)
    if anchor is not None:
        if rec["freq"] == "YEARLY" or not rec["byday"]:
            if anchor >= start:
                return anchor
            if rec["freq"] == "YEARLY":
                try:
                    return anchor.replace(year=anchor.year + 1)
                except ValueError:
                    return anchor.replace(year=anchor.year + 4)
        else:
            start = max(start, anchor)
    d = start
    for _ in range(400):
        if rec["byday"] and rec["freq"] in ("WEEKLY", "DAILY") and d.weekday() not in \
                rec["byday"]:
            d += timedelta(days=1)
            continue
        if rec["monthday"] and rec["freq"] == "MONTHLY" and (
            d.day != rec["monthday"] if rec["monthday"] > 0
            else (d + timedelta(days=1)).day != 1
        ):
            d += timedelta(days=1)
            continue
        if rec.get("nth") and rec["freq"] == "MONTHLY" and not _is_nth(d, *rec["nth"]):
            d += timedelta(days=1)
            continue
        return d
    return start
