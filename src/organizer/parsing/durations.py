"""Amounts of time: durations ("на полчаса", "for 45 minutes") and relative moments
("через 20 минут", "in 2 hours", "через неделю", "in 3 days")."""

from __future__ import annotations

from organizer.parsing.lexicon import (
    DAY24_WORDS,
    DAY_WORDS,
    HOUR_WORDS,
    MINUTE_WORDS,
    MONTH_WORDS,
    SECOND_WORDS,
    WEEK_WORDS,
    YEAR_WORDS,
)
from organizer.parsing.mention import Mention
from organizer.parsing.numbers import Num, card
from organizer.parsing.tokens import Tok

_HALF_HOUR = frozenset({"полчаса", "получаса", "полчасика"})
_HOUR_AND_HALF = frozenset({"полтора", "полторы", "полутора"})


def _unit(t: str) -> str | None:
    if t in MINUTE_WORDS and t != "м":
        return "minutes"
    if t in HOUR_WORDS and t not in ("h", "ч"):
        return "hours"
    if t in SECOND_WORDS:
        return "seconds"
    if t in DAY_WORDS:
        return "days"
    if t in DAY24_WORDS:
        return "days24"
    if t in WEEK_WORDS:
        return "weeks"
    if t in MONTH_WORDS:
        return "months"
    if t in YEAR_WORDS:
        return "years"
    if t in ("fortnight", "fortnights"):
        return "fortnight"
    return None


# An amount read so far: {unit: count} and the index after it.
Amount = tuple[dict[str, float], int]
# A bare unit that does not stand for "one" of it ("через час" does; "через мин" does not).
_ABBREVIATED_UNITS = frozenset({"m", "h", "min", "mins", "hr", "hrs", "sec", "secs", "сек",
                                "мин"})


def amount(toks: list[Tok], k: int) -> Amount | None:
    """An amount of time at k: "20 минут", "полтора часа", "2 часа 30 минут", "an hour and a
    half", "half an hour", "неделю", "1,5 часа". Returns ({unit: count}, next index).

    Stages: a fraction ("1/2 hour"), a quarter of an hour, a vague count ("a few minutes",
    "a couple of hours"), полгода; else the first part (полчаса, полтора часа, a number and
    its unit, a bare unit) and the minutes after it ("2 часа 30 минут")."""
    n = len(toks)
    if k >= n:
        return None
    t = toks[k].t
    # "1/2 hour", "3/4h"
    if toks[k].kind == "d" and k + 2 < n and toks[k + 1].t == "/" and \
            toks[k + 2].kind == "d" and toks[k + 1].glued and toks[k + 2].glued:
        return _fraction(toks, k)
    r = _quarter_hour(toks, k)
    if r is not None:
        return r
    if t in ("few", "several", "несколько") or (t == "a" and k + 1 < n and toks[k + 1].t == "few"):
        return _vague(toks, k + 2 if t == "a" else k + 1, 3)
    if t in ("a", "couple") and k + 1 < n and toks[k + 1].t in ("couple", "pair", "of"):
        k2 = k + 1
        while k2 < n and toks[k2].t in ("couple", "pair", "of"):
            k2 += 1
        return _vague(toks, k2, 2)
    if t in ("полгода", "полугода"):
        return {"months": 6}, k + 1
    head = _first_part(toks, k)
    if head is None:
        return None
    out, j = head
    return out, _more_minutes(toks, j, out)


def _fraction(toks: list[Tok], k: int) -> Amount | None:
    """"1/2 hour", "3/4h": a fraction of an hour."""
    den = int(toks[k + 2].t)
    j = k + 3
    if den and j < len(toks) and (toks[j].t in HOUR_WORDS):
        return {"minutes": 60 * int(toks[k].t) / den}, j + 1
    return None


def _quarter_hour(toks: list[Tok], k: int) -> Amount | None:
    """"a quarter of an hour", "three-quarters of an hour"."""
    n = len(toks)
    q = k
    if toks[q].t in ("a", "one") and q + 1 < n:
        q += 1
    qn = 1
    if toks[q].t == "three" and q + 2 < n and toks[q + 1].t == "-":
        qn, q = 3, q + 2
    if toks[q].t in ("quarter", "quarters") and q + 3 < n and toks[q + 1].t == "of" and \
            toks[q + 2].t in ("an", "a") and toks[q + 3].t == "hour":
        return {"minutes": 15 * qn}, q + 4
    return None


def _vague(toks: list[Tok], k: int, count: int) -> Amount | None:
    """The unit after "a few"/"несколько" (3 of it) or "a couple of" (2 of it)."""
    if k < len(toks) and _unit(toks[k].t):
        return {_unit(toks[k].t) or "minutes": count}, k + 1
    return None


def _first_part(toks: list[Tok], k: int) -> Amount | None:
    """полчаса, half an hour, пол часа, полтора часа; else a number and its unit or a unit
    alone ("через неделю")."""
    n = len(toks)
    t = toks[k].t
    if t in _HALF_HOUR:
        return {"minutes": 30}, k + 1
    if t == "half" and k + 2 < n and toks[k + 1].t in ("an", "a") and \
            toks[k + 2].t in ("hour",):
        return {"minutes": 30}, k + 3
    if t in ("пол",) and k + 1 < n and _unit(toks[k + 1].t) == "hours":
        return {"minutes": 30}, k + 2
    if t in _HOUR_AND_HALF and k + 1 < n:
        u = _unit(toks[k + 1].t)
        if u is None:
            return None
        return {u: 1.5}, k + 2
    num = card(toks, k, weak=True)
    if num is not None:
        return _counted(toks, num)
    u = _unit(t)
    if u is None or toks[k].kind != "w":
        return None
    # a bare unit: "через час", "через неделю", "in a week" (handled above)
    if t in _ABBREVIATED_UNITS:
        return None
    return {u: 1}, k + 1


def _counted(toks: list[Tok], num: Num) -> Amount | None:
    """A number and its unit: "20 минут", "1,5 часа", "2 с половиной часа", "two and a half
    hours", "5 more minutes", "1h", "45m"."""
    n = len(toks)
    count: float = num.value
    j = num.j
    # 1,5 / 1.5
    if j + 1 < n and toks[j].t in (",", ".") and toks[j].glued and \
            toks[j + 1].kind == "d" and toks[j + 1].glued and len(toks[j + 1].t) == 1:
        count += int(toks[j + 1].t) / 10
        j += 2
    if j < n and toks[j].t in ("с", "and") and j + 2 < n and \
            toks[j + 1].t in ("половиной", "a", "an", "half"):
        # "2 с половиной часа", "two and a half hours"
        if toks[j + 1].t == "половиной":
            count += 0.5
            j += 2
        elif toks[j + 1].t in ("a", "an") and toks[j + 2].t == "half":
            count += 0.5
            j += 3
    if j < n and toks[j].t == "more":
        j += 1
    if j >= n:
        return None
    u = _unit(toks[j].t)
    if u is None and toks[j].t in ("h", "ч") and num.digits:
        u = "hours"  # "1h", "2ч", "2 ч"
    if u is None and toks[j].t in ("m", "м") and num.digits and toks[j].glued:
        u = "minutes"  # "45m", "30м"
    if u is None:
        return None
    return {u: count}, j + 1


def _more_minutes(toks: list[Tok], j: int, out: dict[str, float]) -> int:
    """"2 часа 30 минут", "час и 15 минут", "an hour and a half": added to `out` in place;
    returns the index after them."""
    n = len(toks)
    if j >= n:
        return j
    k2 = j + 1 if toks[j].t in ("и", "and") else j
    if k2 + 1 < n and toks[k2].t == "a" and toks[k2 + 1].t == "half" and "hours" in out:
        out["hours"] += 0.5
        return k2 + 2
    num = card(toks, k2)
    if num is not None and num.j < n and _unit(toks[num.j].t) in ("minutes", "seconds"):
        u2 = _unit(toks[num.j].t)
        if u2 not in out:
            out[u2] = num.value
            return num.j + 1
    return j


def _is_clock_like(out: dict[str, float]) -> bool:
    return set(out) <= {"minutes", "hours", "seconds", "days24"}


_COUNTED_UNITS = frozenset({"минут", "минуты", "часа", "часов", "дня", "дней", "недели",
                            "недель", "месяца", "месяцев"})


def match_relative(toks: list[Tok], i: int) -> Mention | None:
    """через 20 минут, через неделю, in 2 hours, in 3 days, 3 days from now."""
    n = len(toks)
    t = toks[i].t
    if t in ("через", "спустя", "in", "within") and i + 1 < n:
        return _after_word(toks, i)
    # "минут через 10", "часа через два" (spoken approximation)
    u = _unit(t) if toks[i].kind == "w" else None
    if u is not None and i + 2 < n and toks[i + 1].t == "через":
        num = card(toks, i + 2)
        if num is not None:
            return Mention("rel", i, num.j, {"amount": {u: num.value}})
    r = amount(toks, i)
    if r is not None:
        out, j = r
        if j + 1 < n and toks[j].t == "from" and toks[j + 1].t in ("now", "today"):
            return Mention("rel", i, j + 2, {"amount": out})
        if j + 2 < n and toks[j].t == "from" and toks[j + 1].t == "right" and \
                toks[j + 2].t == "now":
            return Mention("rel", i, j + 3, {"amount": out})
        if j < n and toks[j].t in ("later", "спустя", "hence"):
            return Mention("rel", i, j + 1, {"amount": out})
    return None


def _after_word(toks: list[Tok], i: int) -> Mention | None:
    """The amount after через/спустя/in/within at i."""
    n = len(toks)
    t = toks[i].t
    k = i + 1
    if t == "in" and toks[k].t == "about":
        k += 1
    r = _spoken_count(toks, i, k)
    if r is not None:
        return r
    got = amount(toks, k)
    if got is None:
        # "text Sarah in 5", "перезвоню через 10": a bare count at the end is minutes
        num = card(toks, k)
        if num is not None and t in ("in", "через") and 1 <= num.value <= 60 and (
            num.j >= n or toks[num.j].kind == "p"
        ):
            return Mention("rel", i, num.j, {"amount": {"minutes": num.value}})
        return None
    out, j = got
    if t == "in" and j < n and toks[j].t == "time":
        return None
    # "через неделю-две", "через 2-3 дня": the nearer end of a rough range
    if j + 1 < n and toks[j].t in ("-", "–", "или") and card(toks, j + 1) is not None:
        j = card(toks, j + 1).j  # type: ignore[union-attr]
        if j < n and _unit(toks[j].t):
            j += 1
    return Mention("rel", i, j, {"amount": out})


def _spoken_count(toks: list[Tok], i: int, k: int) -> Mention | None:
    """"через 2-3 дня", "in 2 or 3 weeks" (the nearer end of a rough range) and "через минут
    10", "через часа два" (a counted form of the unit before the number; "через час",
    "через неделю" alone stay one unit)."""
    n = len(toks)
    a = card(toks, k)
    if a is not None and a.j + 1 < n and toks[a.j].t in ("-", "–", "или", "or"):
        b = card(toks, a.j + 1)
        if b is not None and b.j < n and _unit(toks[b.j].t) and b.value > a.value:
            return Mention("rel", i, b.j + 1, {"amount": {_unit(toks[b.j].t): a.value}})
    if toks[i].t in ("через", "спустя") and toks[k].t in _COUNTED_UNITS:
        num = card(toks, k + 1)
        if num is not None and not (num.j < n and _unit(toks[num.j].t)):
            return Mention("rel", i, num.j, {"amount": {_unit(toks[k].t): num.value}})
    return None


def match_duration(toks: list[Tok], i: int) -> Mention | None:
    """на полчаса, на 2 часа, for 45 minutes, в течение часа, длительностью 90 минут."""
    n = len(toks)
    t = toks[i].t
    k = i + 1
    if t in ("на", "for", "длительностью", "продолжительностью", "lasting"):
        pass
    elif t == "в" and i + 1 < n and toks[i + 1].t == "течение":
        k = i + 2
    else:
        r = amount(toks, i)
        if r is not None and _is_clock_like(r[0]) and r[1] < n and \
                toks[r[1]].t in ("long",):
            return Mention("dur", i, r[1] + 1, {"amount": r[0]})
        return None
    if k < n and toks[k].t in ("the", "about", "around", "примерно", "около"):
        k += 1
    r = amount(toks, k)
    if r is None:
        return None
    out, j = r
    if not _is_clock_like(out):
        return None
    return Mention("dur", i, j, {"amount": out})


def minutes_of(out: dict[str, float]) -> float:
    return (out.get("days24", 0) * 1440 + out.get("hours", 0) * 60 + out.get("minutes", 0)
            + out.get("seconds", 0) / 60)


_SPAN_WORDS = frozenset({"следующие", "ближайшие", "следующих", "ближайших", "next",
                         "upcoming", "coming"})


def match_span(toks: list[Tok], i: int) -> Mention | None:
    """"в ближайшие 3 дня", "следующие 2 часа", "the next 3 days", "over the next week":
    a stretch of time from now (an agenda range; no clock time)."""
    n = len(toks)
    k = i
    if toks[k].t in ("в", "на", "за", "over", "in", "for", "within", "during") and k + 1 < n:
        k += 1
    if k < n and toks[k].t == "the":
        k += 1
    if k >= n or toks[k].t not in _SPAN_WORDS:
        return None
    r = amount(toks, k + 1)
    if r is None:
        return None
    out, j = r
    if set(out) - {"days", "weeks", "hours", "minutes", "seconds"}:
        return None
    if toks[k + 1].kind == "w" and toks[k + 1].t in ("week", "неделю", "неделя", "day"):
        return None  # "next week" is a calendar week, read elsewhere
    return Mention("span", i, j, {"amount": out})
