"""Run every matcher over the tokens, left to right, longest match first."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from organizer.parsing import dates, durations, periods, recurrence, times
from organizer.parsing.dates import (
    match_date_range,
    match_day_of_month,
    match_explicit_date,
    match_last_day,
    match_month,
    match_month_name,
    match_nth_weekday,
    match_period_end,
    match_relative_day,
    match_week,
    match_weekday,
)
from organizer.parsing.durations import match_duration, match_relative, match_span
from organizer.parsing.lexicon import CARD, MONTHS, ORD, WEEKDAYS, WEEKDAYS_PLURAL
from organizer.parsing.mention import Mention
from organizer.parsing.recurrence import match_recurrence
from organizer.parsing.times import match_time, match_time_range
from organizer.parsing.tokens import Tok

_POD_WORDS = {
    "утречком": "am", "вечерком": "pm", "поутру": "am", "вечерочком": "pm",
    "утром": "am", "днем": "day", "вечером": "pm", "ночью": "night",
    "утру": "am", "вечеру": "pm", "обеду": "day",
    "morning": "am", "afternoon": "day", "evening": "pm", "tonight": "pm",
}


def match_pod(toks: list[Tok], i: int) -> Mention | None:
    """A part of day on its own: утром, вечером, in the morning, this evening."""
    n = len(toks)
    t = toks[i].t
    if t in _POD_WORDS:
        if i + 1 < n and toks[i + 1].t in ("рождения", "рожденья"):
            return None  # "с днём рождения"
        return Mention("pod", i, i + 1, {"pod": _POD_WORDS[t]})
    if i + 1 >= n:
        return None
    if t in ("рано", "поздно", "early", "late"):
        return _early_late(toks, i)
    if t in ("in", "this", "at"):
        k = i + 1
        if toks[k].t == "the" and k + 1 < n:
            k += 1
        w = toks[k].t
        if w in ("morning", "afternoon", "evening") or (w == "night" and t == "at"):
            return Mention("pod", i, k + 1, {"pod": _POD_WORDS.get(w, "night")})
        return None
    return _russian_pod_phrase(toks, i)


def _early_late(toks: list[Tok], i: int) -> Mention | None:
    """"рано утром", "поздно вечером", "early morning", "late in the evening"."""
    t = toks[i].t
    nxt = toks[i + 1].t
    if nxt in _POD_WORDS or nxt in ("in", "this"):
        inner = match_pod(toks, i + 1)
        if inner is not None:
            return Mention("pod", i, inner.j, inner.data)
        return None
    if t in ("early", "late") and nxt in ("morning", "evening", "afternoon", "night"):
        return Mention("pod", i, i + 2, {"pod": _POD_WORDS.get(nxt, "pm")})
    return None


def _russian_pod_phrase(toks: list[Tok], i: int) -> Mention | None:
    """в обед, в ночь, на вечер, ближе к вечеру, после обеда, с утра, где-то/где-нибудь."""
    n = len(toks)
    t = toks[i].t
    nxt = toks[i + 1].t
    # "в обед" as a time of day (not "обед с Петей", which is an event)
    if t in ("в", "во") and nxt == "обед" and not (i + 2 < n and toks[i + 2].t in ("с", "со")):
        return Mention("pod", i, i + 2, {"pod": "day"})
    if t in ("в", "во") and nxt == "ночь":
        return Mention("pod", i, i + 2, {"pod": "night"})  # "в ночь с пятницы на субботу"
    if t == "на" and nxt in ("вечер", "утро"):
        return Mention("pod", i, i + 2, {"pod": "pm" if nxt == "вечер" else "am"})
    if t == "ближе" and i + 2 < n and nxt in ("к", "ко") and \
            toks[i + 2].t in _POD_WORDS:  # "ближе к вечеру"
        return Mention("pod", i, i + 3, {"pod": _POD_WORDS[toks[i + 2].t]})
    if t == "где" and i + 3 < n and nxt == "-" and toks[i + 2].t in ("то", "нибудь"):
        return Mention("approx", i, i + 3)  # "где-нибудь в четверг": the rest is read next
    if t in ("после", "до") and nxt == "обеда":
        return Mention("pod", i, i + 2, {"pod": "day" if t == "после" else "am"})
    if t in ("с", "со") and nxt == "утра":
        return Mention("pod", i, i + 2, {"pod": "am"})  # "завтра с утра"
    return None


def match_same_time(toks: list[Tok], i: int) -> Mention | None:
    """"в это же время", "в то же время", "at the same time", "same time": the clock time
    of `now` (filled in by the caller), as in "через неделю в это же время"."""
    n = len(toks)
    k = i
    if toks[k].t in ("в", "at") and k + 1 < n:
        k += 1
    def day_next(j: int) -> bool:
        return j < n and (toks[j].t in dates._REL_DAYS or toks[j].t in WEEKDAYS
                          or toks[j].t in ("next", "on", "in", "на", "через", "в", "во"))

    # "в это же время" always; "в то же время" (also "meanwhile") only beside a day
    if k + 2 < n and toks[k].t in ("это", "то") and toks[k + 1].t == "же" and \
            toks[k + 2].t == "время" and (toks[k].t == "это" or day_next(k + 3) or (
                i > 0 and toks[i - 1].t in dates._REL_DAYS)):
        return Mention("time", i, k + 3, {"same": True, "prep": None})
    # English: "same time tomorrow", "at the same time next week", "… tomorrow same time"
    # ("at the same time" alone means "simultaneously")
    the = k + 1 < n and toks[k].t == "the"
    if the:
        k += 1
    the = the or (k > 0 and toks[k - 1].t == "the")
    if k + 1 < n and toks[k].t == "same" and toks[k + 1].t == "time" and (
        day_next(k + 2)
        or (not the and (k + 2 >= n or toks[k + 2].kind == "p"))
    ):
        return Mention("time", i, k + 2, {"same": True, "prep": None})
    return None


def match_all_day(toks: list[Tok], i: int) -> Mention | None:
    """весь день, целый день, на весь день, all day, the whole day."""
    n = len(toks)
    k = i
    if toks[k].t in ("на", "for", "the") and k + 1 < n:
        k += 1
        if toks[k].t == "the" and k + 1 < n:
            k += 1
    t = toks[k].t
    if t in ("весь", "целый", "whole", "full", "entire") and k + 1 < n and \
            toks[k + 1].t in ("день", "day"):
        return Mention("allday", i, k + 2)
    if t == "all" and k + 1 < n:
        if toks[k + 1].t == "day":
            return Mention("allday", i, k + 2)
        if toks[k + 1].t == "-" and k + 2 < n and toks[k + 2].t == "day":
            return Mention("allday", i, k + 3)
    if t == "allday":
        return Mention("allday", i, k + 1)
    # "всю субботу", "весь понедельник", "the whole of Saturday": the day is read next
    if t in ("всю", "весь", "целую", "целый") and k + 1 < n and toks[k + 1].t in WEEKDAYS:
        return Mention("allday", i, k + 1)
    return None


# Words that can begin a mention. Every other word is skipped without trying the
# matchers (speed); tests/test_parse.py checks the gate changes no result.
_STARTERS = frozenset(
    set(CARD) | set(ORD) | set(MONTHS) | set(WEEKDAYS) | set(WEEKDAYS_PLURAL)
    | dates.DATE_PREPS | set(dates._REL_DAYS) | dates._NEXT | dates._THIS | dates._WEEKEND
    | periods._END_WORDS | set(periods._PERIODS) | times.STRONG_PREPS | times._RANGE_OPEN
    | times.NOON | times.MIDNIGHT | durations._HALF_HOUR | durations._HOUR_AND_HALF
    | recurrence._EVERY | set(recurrence._ADVERBS) | set(_POD_WORDS)
    | set(str.split(
        "без четверть half quarter mid day the по раз once on of biweekly fortnightly "
        "weekdays через спустя in within на for длительностью продолжительностью lasting "
        "в весь целый whole full entire all allday ровно exactly примерно приблизительно "
        "this next over за tonight few several несколько couple a an час пол половина "
        "половине половину at tomorrow всю целую следующие ближайшие следующих ближайших "
        "upcoming coming over during часов часа часиков часам часикам где где-то начале "
        "начала начало beginning "
        "минут минуты минуток дней дня недели недель месяцев месяца "
        "start same то не during середине середина middle mid early late beginning конце "
        "конец конца концу начале начало ближе рано поздно прошлый прошлую прошлое прошлой "
        "прошлом прошлая следующем этом текущем первый первую второй вторую третий третью "
        "четвертый "
        "четвертую последний последнюю последнее first second third fourth last day"
    ))
)
_STARTER_PREFIXES = ("пол", "сегодняшн", "завтрашн", "послезавтрашн", "вчерашн")


def can_start(tok: Tok) -> bool:
    if tok.kind == "d":
        return True
    if tok.kind == "p":
        return tok.t == "@"
    return tok.t in _STARTERS or tok.t.startswith(_STARTER_PREFIXES)


# One message's tokens are scanned by more than one step of its turn (the reading, then the
# split into items): the last few scans are kept (issue 19). `tokenize` hands the same Tok
# objects out for the same text and nothing changes a Tok, so the key is the tokens'
# identities; each entry holds its tokens, so an id in a key is never reused while the
# entry lives. Each caller gets new Mention objects (a caller may fill in `data`).
RECENT_MAX = 4
_RECENT: OrderedDict[tuple[object, ...], tuple[tuple[Tok, ...], list[Mention]]] = OrderedDict()
_RECENT_LOCK = threading.Lock()


def scan(toks: list[Tok], en: bool, new_time: bool = False, gate: bool = True
         ) -> list[Mention]:
    """Non-overlapping mentions, greedy by start, longest first; ties go to the earlier
    matcher in the list. `new_time` (a reschedule) lets "на 16" be a clock time."""
    key = (en, new_time, gate, *map(id, toks))
    with _RECENT_LOCK:
        hit = _RECENT.get(key)
    if hit is None:
        found = _scan(toks, en, new_time, gate)
        with _RECENT_LOCK:
            _RECENT[key] = (tuple(toks), found)
            while len(_RECENT) > RECENT_MAX:
                _RECENT.popitem(last=False)
    else:
        found = hit[1]
    return [Mention(m.kind, m.i, m.j, dict(m.data)) for m in found]


def _scan(toks: list[Tok], en: bool, new_time: bool, gate: bool) -> list[Mention]:
    matchers: tuple[Callable[[list[Tok], int], Mention | None], ...] = (
        match_recurrence,
        lambda t, i: match_date_range(t, i, en),
        match_time_range,
        lambda t, i: match_explicit_date(t, i, en),
        match_day_of_month,
        match_relative,
        match_span,
        match_duration,
        match_weekday,
        match_relative_day,
        match_week,
        match_month,
        match_month_name,
        match_nth_weekday,
        match_last_day,
        match_period_end,
        match_all_day,
        match_same_time,
        (lambda t, i: match_time(t, i, loose_na=True)) if new_time else match_time,
        match_pod,
    )
    out: list[Mention] = []
    i = 0
    n = len(toks)
    while i < n:
        if (gate and not can_start(toks[i])) or (toks[i].kind == "p" and toks[i].t != "@"):
            i += 1
            continue
        best: Mention | None = None
        for m in matchers:
            r = m(toks, i)
            if r is not None and r.j > i and (best is None or r.j > best.j):
                best = r
        if best is None:
            i += 1
            continue
        out.append(best)
        i = best.j
    return _bare_hours(toks, out)


def _day_word(m: Mention) -> bool:
    return m.kind == "date" and ("rel" in m.data or "wd" in m.data)


def _bare_hour(toks: list[Tok], k: int) -> Mention | None:
    """A plain number 0..24 at k read as a clock time (the caller saw a day word beside
    it): "9 tomorrow", "tomorrow 9", "в пятницу 6"."""
    c = times.clock(toks, k, loose=True)
    if c is None or (c[1] != k + 1 and not c[2]):
        return None
    return Mention("time", k, c[1], {"clock": c[0], "prep": None, "deadline": False})


# Nouns that take a number as a name, not a time ("room 5 tomorrow", "кабинет 3 завтра").
_NUMBERED = frozenset(str.split(
    "room rooms gate floor level table bus route platform apt apartment unit building "
    "suite desk line chapter page step task item ticket order no number # № "
    "кабинет кабинете аудитория аудитории комната комнате этаж этаже дом доме квартира "
    "квартире офис офисе автобус маршрут маршрутка платформа страница глава пункт задача "
    "номер заказ корпус корпусе подъезд"))


def _bare_hours(toks: list[Tok], out: list[Mention]) -> list[Mention]:
    """A number standing right before a day word ("dentist 9 tomorrow", "call mom six
    tomorrow") or right after one at the end of the message or before punctuation ("встреча
    завтра 9", "sync monday 10, room 4") is a clock time, as said with "at"/"в"."""
    if len(out) > 3 or not any(_day_word(m) for m in out):
        return out
    if any(m.kind in ("time", "trange") for m in out):
        return out
    n = len(toks)
    covered = {k for m in out for k in range(m.i, m.j)}
    for m in list(out):
        if not _day_word(m):
            continue
        k = m.i - 1
        if k >= 0 and k not in covered and toks[k].kind in ("d", "w") and not (
            k > 0 and toks[k - 1].t in ("-", "/", ".", ":", ",") and toks[k].glued
        ) and not (k > 0 and toks[k - 1].t in _NUMBERED):
            t = _bare_hour(toks, k)
            if t is not None and t.j == m.i:  # "9 tomorrow (morning)"
                out.append(t)
                break
        k = m.j
        # "на пятницу на 16", "на завтра на десять": a second "на" after the day
        if k + 1 < n and toks[k].t == "на" and k + 1 not in covered and \
                toks[k + 1].kind in ("d", "w"):
            t = _bare_hour(toks, k + 1)
            if t is not None:
                out.append(Mention("time", k, t.j, dict(t.data, prep="на")))
                break
        if k < n and k not in covered:
            t = _bare_hour(toks, k)
            if t is not None and (t.j >= n or toks[t.j].kind == "p"):
                out.append(t)
                break
    out.sort(key=lambda m: m.i)
    return out
