"""One clock time at a token, Russian and English, digits or words.

Forms: 15:00, 15.30, 15ч, 17ч10, 16h00, 3pm, 3 p.m., 3 часа дня, 9 часов 45 минут,
пятнадцать тридцать, пятнадцать ноль ноль, three thirty pm, полтретьего, в половине
четвёртого, четверть седьмого, без четверти пять, без десяти шесть, half past four,
quarter to five, ten past six, полдень, полночь, noon, midnight. The prepositions around a
clock, zones and ranges are read in times.py.
"""

from __future__ import annotations

from organizer.parsing.lexicon import (
    CARD,
    DAY_WORDS,
    MINUTE_WORDS,
    MONTH_WORDS,
    MONTHS,
    ORD_GEN,
    TENS,
    WEEK_WORDS,
    YEAR_WORDS,
)
from organizer.parsing.mention import Clock
from organizer.parsing.numbers import Num, card
from organizer.parsing.tokens import Tok

NOON = frozenset({"полдень", "полудня", "полуднем", "noon", "midday"})
MIDNIGHT = frozenset({"полночь", "полуночи", "полночью", "midnight"})
HOUR_NOUNS = frozenset({"час", "часа", "часов", "ч", "oclock", "hours", "hour", "часам",
                        "часиков", "часика"})
# Words after a bare number that show it is not a clock time ("в 2 раза", "at 5 stores").
_NOT_CLOCK_AFTER = (
    MINUTE_WORDS | (DAY_WORDS - {"день", "day"}) | WEEK_WORDS | MONTH_WORDS | YEAR_WORDS | frozenset(MONTHS)
    | frozenset({"раз", "раза", "человек", "рублей", "руб", "р", "%", "числа", "число",
                 "этаж", "этаже", "кабинете", "times", "people", "percent", "-", "/",
                 "$", "€", "₽", "x", "х", "класс", "классе", "лет", "st", "nd", "rd", "th",
                 "е", "го", "ого", "ое", "ой", "шт", "kg", "кг", "км", "km", "items",
                 "урока", "уроков", "пары", "пар", "занятия", "занятий", "lessons", "classes",
                 "класса", "остановки", "остановок", "stops"})
)


# One-word marks after a clock: "5 утра", "3 дня", "8 вечера", "11 ночи", "9 tonight".
# ("вечер": a speech recogniser's slip; "вечерком": colloquial)
_MARK_WORDS = {
    "утра": "am", "утром": "am", "утречком": "am", "утречка": "am", "поутру": "am",
    "дня": "day", "днем": "day", "пополудни": "day",
    "вечера": "pm", "вечером": "pm", "вечер": "pm", "вечерком": "pm", "вечерочком": "pm",
    "ночи": "night", "ночью": "night",
    "tonight": "pm",
}
# "in the morning", "this afternoon", "at night", "in the pm"
_PHRASE_MARKS = {"morning": "am", "afternoon": "day", "evening": "pm", "pm": "pm", "am": "am"}


def marker(toks: list[Tok], j: int) -> tuple[str | None, int]:
    """A part-of-day mark after a clock: утра, вечера, дня, ночи, am, pm, in the morning…"""
    n = len(toks)
    if j >= n:
        return None, j
    t = toks[j].t
    mark = _MARK_WORDS.get(t)
    if mark is not None:
        return mark, j + 1
    if t == "после" and j + 1 < n and toks[j + 1].t in ("полудня", "обеда"):
        return "day", j + 2
    if t in ("am", "pm"):
        k = j + 1
        if k < n and toks[k].t == "." and toks[k].glued:
            k += 1
        return t, k
    if t in ("a", "p"):
        return _letter_mark(toks, j)
    if t in ("in", "at", "this") and j + 1 < n:
        return _phrase_mark(toks, j)
    return None, j


def _letter_mark(toks: list[Tok], j: int) -> tuple[str | None, int]:
    """"9:30a", "10h30p" (glued to the minutes) or "nine fifty nine a m" (speech)."""
    t = toks[j].t
    if toks[j].glued and j >= 2 and toks[j - 1].kind == "d" and toks[j - 2].t in (":", "h"):
        return ("am" if t == "a" else "pm"), j + 1
    if j + 1 < len(toks) and toks[j + 1].t == "m":
        return ("am" if t == "a" else "pm"), j + 2
    return None, j


def _phrase_mark(toks: list[Tok], j: int) -> tuple[str | None, int]:
    """"in the morning", "this afternoon", "in the evening", "at night", "in the pm"."""
    k = j + 1
    if toks[k].t == "the" and k + 1 < len(toks):
        k += 1
    w = toks[k].t
    mark = _PHRASE_MARKS.get(w)
    if mark is not None:
        return mark, k + 1
    if w == "night" and toks[j].t == "at":
        return "night", k + 1
    return None, j


def _minutes_word(toks: list[Tok], k: int) -> tuple[int, int] | None:
    """Minutes spoken after an hour: "тридцать", "сорок пять", "ноль ноль", "ноль пять",
    "oh five", "fifteen"; returns (minutes, next index)."""
    n = len(toks)
    if k >= n or toks[k].kind != "w":
        return None
    t = toks[k].t
    if t in ("ноль", "нуль", "oh", "o", "zero"):
        if k + 1 < n:
            u = CARD.get(toks[k + 1].t)
            if u is not None and 0 <= u <= 9 and toks[k + 1].kind == "w":
                return u, k + 2
            if toks[k + 1].kind == "d" and len(toks[k + 1].t) == 1:
                return int(toks[k + 1].t), k + 2
        return None
    v = CARD.get(t)
    if v is None or v < 10 or v > 59:
        return None
    if v in TENS and k + 1 < n:
        k2 = k + 2 if (toks[k + 1].t == "-" and k + 2 < n) else k + 1
        u = CARD.get(toks[k2].t)
        if u is not None and 1 <= u <= 9 and toks[k2].kind == "w":
            return v + u, k2 + 1
    return v, k + 1


def _hour_value(toks: list[Tok], k: int) -> tuple[int, int] | None:
    """An hour 0..24 as a number or as the word "час" (one o'clock)."""
    if k < len(toks) and toks[k].t == "час":
        return 1, k + 1
    num = card(toks, k)
    if num is None or not 0 <= num.value <= 24:
        return None
    return num.value, num.j


# What a clock reading answers: (clock, next index, strong); strong means the form is a
# clock by itself, not just a number after "в"/"at".
Reading = tuple[Clock, int, bool]
# Words that open "половина третьего"-style forms; the form is all they can start.
_HALF_WORDS = frozenset({"пол", "половина", "половине", "половину", "половины", "половиной"})
# Words read as a number by `card` that still may start a spoken hour ("a", "пару").
_WEAK_HOUR_WORDS = frozenset({"a", "an", "o", "oh", "couple", "пару", "пара"})


def clock(toks: list[Tok], k: int, loose: bool, rel_to: bool = True) -> Reading | None:
    """A clock time starting at token k. Returns (clock, next index, strong) where strong
    means the form is a clock by itself (not just a number after "в"/"at").

    Stages, first that applies wins: a named or spoken form (полдень, полтретьего, без
    четверти пять, half past four); minutes of the coming hour ("пять минут седьмого");
    the word "час" itself; a number with its minutes (15:30, 16h00, 9 часов 45 минут,
    пятнадцать тридцать, military 1030), its part-of-day mark, and the check that a
    number said after a loose preposition reads as a clock."""
    n = len(toks)
    if k >= n:
        return None
    tok = toks[k]
    t = tok.t
    if tok.kind == "w":
        if t in _HALF_WORDS:
            return _half_of(toks, k)
        if t == "без":
            return _before_hour(toks, k)
        r = _named_clock(toks, k, rel_to)
        if r is not None:
            return r
    elif tok.kind == "d" and k + 1 < n and len(t) <= 2:
        r = _english_relative_clock(toks, k, rel_to)
        if r is not None:
            return r
    if t in CARD or tok.kind == "d":
        r = _minutes_of_next_hour(toks, k)
        if r is not None:
            return r
    if tok.kind == "w" and (t not in CARD or t in _WEAK_HOUR_WORDS):
        return _hour_word(toks, k, loose)
    if tok.kind not in ("w", "d"):
        return None
    return _numeric_clock(toks, k, loose, rel_to)


def _named_clock(toks: list[Tok], k: int, rel_to: bool) -> Reading | None:
    """полдень, полночь, midday, полтретьего, четверть седьмого, half past four."""
    n = len(toks)
    t = toks[k].t
    if t in NOON:
        return Clock(12, 0, "fixed"), k + 1, True
    if t in MIDNIGHT:
        return Clock(0, 0, "fixed"), k + 1, True
    if t == "mid" and k + 1 < n and toks[k + 1].t == "day":
        return Clock(12, 0, "fixed"), k + 2, True
    # полтретьего (2:30)
    if t.startswith("пол") and t[3:] in ORD_GEN:
        h = ORD_GEN[t[3:]] - 1 or 12
        return _strong(with_mark(toks, Clock(h, 30), k + 1))
    # четверть седьмого (6:15)
    if t in ("четверть", "четверти") and k + 1 < n and toks[k + 1].t in ORD_GEN:
        h = ORD_GEN[toks[k + 1].t] - 1 or 12
        return _strong(with_mark(toks, Clock(h, 15), k + 2))
    # half past four, quarter to five, ten past six, 20 minutes to 2
    if t in ("half", "quarter") or (t in CARD and k + 1 < n):
        return _english_relative_clock(toks, k, rel_to)
    return None


def _half_of(toks: list[Tok], k: int) -> Reading | None:
    """пол третьего, пол-третьего, в половине третьего (2:30)."""
    n = len(toks)
    k2 = k + 1
    if k2 < n and toks[k2].t == "-":
        k2 += 1
    if k2 < n and toks[k2].t in ORD_GEN:
        h = ORD_GEN[toks[k2].t] - 1 or 12
        return _strong(with_mark(toks, Clock(h, 30), k2 + 1))
    return None


def _before_hour(toks: list[Tok], k: int) -> Reading | None:
    """без четверти пять (4:45), без десяти шесть (5:50), без 5 минут 12."""
    n = len(toks)
    k2 = k + 1
    if k2 < n and toks[k2].t == "четверти":
        mins, k2 = 15, k2 + 1
    else:
        num = card(toks, k2)
        after = num.j + 1 if num is not None and num.j < n and \
            toks[num.j].t in MINUTE_WORDS else (num.j if num else 0)
        if num is not None and not num.digits and num.j > k2 + 1 and (
            num.value > 30 or _hour_value(toks, after) is None
        ):
            # "без двадцати девять": the tens alone, the hour next
            num = Num(CARD[toks[k2].t], k2 + 1, False)
        if num is None or not 1 <= num.value <= 30:
            return None
        mins, k2 = num.value, num.j
        if k2 < n and toks[k2].t in MINUTE_WORDS:
            k2 += 1
    hv = _hour_value(toks, k2)
    if hv is None or not 1 <= hv[0] <= 24:
        return None
    h = hv[0] - 1
    if h == 0 and hv[0] == 1:
        h = 12  # "без четверти час" = 12:45
    c, j, _ = with_mark(toks, Clock(h, 60 - mins), hv[1])
    if j < n and toks[j].t in HOUR_NOUNS:
        j += 1
    return c, j, True


def _minutes_of_next_hour(toks: list[Tok], k: int) -> Reading | None:
    """"пять минут седьмого" (6:05), "двадцать минут восьмого" (7:20)."""
    n = len(toks)
    num = card(toks, k)
    if num is None or not 1 <= num.value <= 59:
        return None
    k2 = num.j
    if k2 < n and toks[k2].t in MINUTE_WORDS:
        k2 += 1
    if k2 < n and toks[k2].t in ORD_GEN and k2 > num.j:
        h = ORD_GEN[toks[k2].t] - 1 or 12
        return _strong(with_mark(toks, Clock(h, num.value), k2 + 1))
    return None


def _hour_word(toks: list[Tok], k: int, loose: bool) -> Reading | None:
    """The word "час" as one o'clock after a loose preposition: "в час", "до часу ночи",
    "к часу дня", "около часу", "с часа до трёх"."""
    t = toks[k].t
    if t == "час" and loose:
        return with_mark(toks, Clock(1, 0), k + 1)
    # the hour itself, in the case the preposition asks for ("около часа" alone is a
    # duration)
    if loose and k > 0 and (t == "часу" or (t == "часа" and toks[k - 1].t in (
            "с", "со", "до", "около"))):
        c, j, strong = with_mark(toks, Clock(1, 0), k + 1)
        if t == "часа" and toks[k - 1].t == "около" and not strong:
            return None
        return c, j, strong
    return None


def _numeric_clock(toks: list[Tok], k: int, loose: bool, rel_to: bool) -> Reading | None:
    """An hour said as a number (digits or words), its minutes and its mark."""
    num = card(toks, k)
    if num is None:
        return None
    if num.digits and len(num.raw) in (3, 4):
        return _military(toks, num, loose)
    if num.value > 24:
        return None
    got = _minutes_after(toks, k, num, loose)
    if got is None:
        return None
    m, j, strong, padded = got
    c, j, marked = with_mark(toks, Clock(num.value, m, "fixed" if padded else None), j)
    if marked:
        strong = True
    if not strong and not _loose_number_is_clock(toks, j, loose, rel_to):
        return None
    return c, j, strong


def _military(toks: list[Tok], num: Num, loose: bool) -> Reading | None:
    """"1030", "930" after at/around; four digits are 24-hour time."""
    j = num.j
    if j < len(toks) and toks[j].t in (":", ".", "-", "/", ","):
        return None
    h, m = divmod(num.value, 100)
    if h > 23 or m > 59:
        return None
    c, j2, marked = with_mark(toks, Clock(h, m, "fixed" if len(num.raw) == 4 else None), j)
    if not loose and not marked:
        return None
    return c, j2, True


def _minutes_after(toks: list[Tok], k: int, num: Num, loose: bool
                   ) -> tuple[int, int, bool, bool] | None:
    """The minutes said after the hour `num`: (minute, next index, strong, padded), where
    padded means a 24-hour reading ("09:00", "3h18"); None when the form is not a clock."""
    n = len(toks)
    j = num.j
    padded = num.digits and len(num.raw) == 2 and num.raw.startswith("0")
    if j + 1 < n and toks[j].t in (":", ".") and toks[j].glued and toks[j + 1].kind == "d" \
            and toks[j + 1].glued and len(toks[j + 1].t) == 2:
        return _colon_minutes(toks, j, loose, padded)
    if loose and num.digits and j + 1 < n and toks[j].t == "-" and toks[j].glued and \
            toks[j + 1].kind == "d" and toks[j + 1].glued and len(toks[j + 1].t) == 2 and (
                toks[j + 1].t.startswith("0") or 24 <= int(toks[j + 1].t) <= 59):
        # "в 9-30", "с 10-00 до 11-30" (typed or dictated)
        return int(toks[j + 1].t), j + 2, True, padded
    if j < n and toks[j].t in ("h", "ч") and toks[j].glued and num.digits:
        return _h_minutes(toks, j + 1, padded)
    if j < n and toks[j].t in HOUR_NOUNS and toks[j].t not in ("hours", "hour") and \
            not (toks[j].t == "ч" and not num.digits):
        # 3 часа, 15 часов, 9 часов 45 минут, 3 oclock
        m, j = _noun_minutes(toks, j + 1)
        return m, j, True, padded
    m, j, strong = _spoken_minutes(toks, k, num, loose)
    return m, j, strong, padded


def _colon_minutes(toks: list[Tok], j: int, loose: bool, padded: bool
                   ) -> tuple[int, int, bool, bool] | None:
    """15:30, 15.30, 15:00:00; "1.12" and "10.12.2026" are dates, not clocks."""
    n = len(toks)
    mm = int(toks[j + 1].t)
    if mm > 59:
        return None
    if toks[j].t == "." and not loose and 1 <= mm <= 12:
        return None  # "1.12" is a date; "10.00" is not
    if j + 3 < n and toks[j + 2].t in (".", "/") and toks[j + 2].glued and \
            toks[j + 3].kind == "d" and toks[j + 3].glued:
        return None  # 10.12.2026
    j += 2
    # seconds "15:00:00"
    if j + 1 < n and toks[j].t == ":" and toks[j].glued and toks[j + 1].kind == "d":
        j += 2
    return mm, j, True, padded


def _h_minutes(toks: list[Tok], j: int, padded: bool) -> tuple[int, int, bool, bool] | None:
    """16h00, 16h, 17ч10, 15ч (j is just after the "h"/"ч")."""
    if j < len(toks) and toks[j].kind == "d" and toks[j].glued and len(toks[j].t) == 2:
        mm = int(toks[j].t)
        if mm > 59:
            return None
        if toks[j - 1].t == "h":
            padded = True  # "3h18" is 24-hour notation
        return mm, j + 1, True, padded
    return 0, j, True, padded


def _noun_minutes(toks: list[Tok], j: int) -> tuple[int, int]:
    """Minutes after "часов": "9 часов 45 минут", "9 часов сорок пять минут"."""
    n = len(toks)
    mn = card(toks, j)
    if mn is not None and 0 <= mn.value <= 59 and mn.j < n and toks[mn.j].t in MINUTE_WORDS:
        return mn.value, mn.j + 1
    mw = _minutes_word(toks, j)
    if mw is not None and mw[1] < n and toks[mw[1]].t in MINUTE_WORDS:
        return mw[0], mw[1] + 1
    return 0, j


def _spoken_minutes(toks: list[Tok], k: int, num: Num, loose: bool) -> tuple[int, int, bool]:
    """Spoken minutes: "пятнадцать тридцать", "three thirty", "at 3 15"."""
    n = len(toks)
    j = num.j
    mw = _minutes_word(toks, j)
    if mw is None and loose and num.digits and j < n and toks[j].kind == "d" and \
            not toks[j].glued and len(toks[j].t) == 2 and (
                10 <= int(toks[j].t) <= 59 or toks[j].t.startswith("0")):
        mw = int(toks[j].t), j + 1  # "at 3 15"
    if mw is None or num.value > 23 or (num.digits and not loose):
        return 0, j, False
    m, j = mw
    strong = not num.digits and ("а" <= toks[k].t[0] <= "я")
    if j < n and toks[j].t in MINUTE_WORDS:
        j += 1
    return m, j, strong


def _loose_number_is_clock(toks: list[Tok], j: int, loose: bool, rel_to: bool) -> bool:
    """A bare number is a clock time only after a loose preposition ("в 5", "at 5") and
    when no unit or decimal follows ("в 2 раза", "at 5 stores", "1,5")."""
    n = len(toks)
    if not loose:
        return False
    if j < n and toks[j].t in _NOT_CLOCK_AFTER and not (
        not rel_to and toks[j].t in ("-", "–", "—")  # a range's start: "3-4pm"
    ):
        return False
    return not (j < n and toks[j].t in (".", ",") and toks[j].glued and j + 1 < n
                and toks[j + 1].kind == "d" and toks[j + 1].glued)  # 1,5 / 1.5


def _strong(r: tuple[Clock, int, bool]) -> tuple[Clock, int, bool]:
    return r[0], r[1], True


def with_mark(toks: list[Tok], c: Clock, j: int) -> tuple[Clock, int, bool]:
    mark, j2 = marker(toks, j)
    if mark is None:
        return c, j, False
    if c.h > 12 and mark in ("am", "pm", "day"):
        return c, j2, True  # "15:00 дня" -> literal
    if c.mark == "fixed" and c.h <= 12:
        return Clock(c.h, c.m, mark), j2, True
    return Clock(c.h, c.m, mark), j2, True


def _english_relative_clock(toks: list[Tok], k: int, rel_to: bool = True) -> Reading | None:
    """half past four, quarter to five, ten past six, 20 minutes to 2, five to noon;
    British "half three" (3:30)."""
    n = len(toks)
    t = toks[k].t
    if t == "half" and k + 1 < n and toks[k + 1].t not in ("past", "after"):
        hv = _hour_value(toks, k + 1)  # British "half three" = 3:30
        if hv is None or not 1 <= hv[0] <= 12 or toks[k + 1].t == "час":
            return None
        return _strong(with_mark(toks, Clock(hv[0], 30), hv[1]))
    lead = _minutes_lead(toks, k)
    if lead is None:
        return None
    mins, j, said_minutes = lead
    if j >= n:
        return None
    rel = toks[j].t
    if rel not in ("past", "after", "to", "till", "before", "of"):
        return None
    to_noon = rel_to and j + 1 < n and toks[j + 1].t in NOON | MIDNIGHT
    if rel not in ("past", "after") and t not in ("half", "quarter", "a") and (
        not rel_to or (toks[k].kind == "d" and not said_minutes)
    ) and not to_noon:
        return None  # "from 10 to 11:30" is a range, not 10:50
    if rel in ("after", "before") and mins == 30:
        return None
    if j + 1 < n and toks[j + 1].t in NOON | MIDNIGHT:
        h = 12 if toks[j + 1].t in NOON else 24
        c = Clock(h, mins, "fixed") if rel in ("past", "after") else \
            Clock(h - 1, 60 - mins, "fixed")
        return c, j + 2, True
    return _relative_to_hour(toks, j, mins, rel in ("past", "after"))


def _minutes_lead(toks: list[Tok], k: int) -> tuple[int, int, bool] | None:
    """The minutes before past/to: "half", "quarter", "a quarter", "ten", "20 minutes";
    returns (minutes, next index, whether "minutes" was said)."""
    n = len(toks)
    t = toks[k].t
    if t == "half":
        return 30, k + 1, False
    if t == "quarter":
        return 15, k + 1, False
    if t == "a" and k + 1 < n and toks[k + 1].t == "quarter":
        return 15, k + 2, False
    num = card(toks, k)
    if num is None or not 1 <= num.value <= 30:
        return None
    j = num.j
    said_minutes = j < n and toks[j].t in MINUTE_WORDS
    if said_minutes:
        return num.value, j + 1, True
    if num.value not in (5, 10, 20, 25) and not (j < n and toks[j].t == "past") and not (
        j + 1 < n and toks[j].t in ("to", "till") and toks[j + 1].t in NOON | MIDNIGHT
    ):
        return None
    return num.value, j, False


def _relative_to_hour(toks: list[Tok], j: int, mins: int, past: bool) -> Reading | None:
    """The hour after past/to at j + 1: "ten past six" (6:10), "quarter to one" (12:45)."""
    hv = _hour_value(toks, j + 1)
    if hv is None or not 1 <= hv[0] <= 24:
        return None
    h = hv[0]
    if past:
        c = Clock(h, mins)
    else:
        h -= 1
        if h == 0:
            h = 12
        c = Clock(h, 60 - mins)
    c2, j2, _ = with_mark(toks, c, hv[1])
    if j2 < len(toks) and toks[j2].t in ("oclock",):
        j2 += 1
    return c2, j2, True
