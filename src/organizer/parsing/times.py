"""Clock times and time intervals as mentions: the preposition before a clock, a named zone
after it, and ranges "с 14 до 15:30", "from 2 to 4pm", "9:30-11:00", "between 3 and 5".
The clock itself (15:00, 3pm, полтретьего, half past four …) is read in clock.py.
"""

from __future__ import annotations

from organizer.parsing.clock import (
    HOUR_NOUNS,
    MIDNIGHT,
    NOON,
    clock,
    marker,
    with_mark,
)
from organizer.parsing.lexicon import ORD_GEN
from organizer.parsing.mention import Clock, Mention
from organizer.parsing.tokens import Tok
from organizer.parsing.zones import match_zone

# Public names of the clock grammar that callers have imported from here.
__all__ = ["DEADLINE_PREPS", "HOUR_NOUNS", "LOOSE_PREPS", "MIDNIGHT", "NOON", "STRONG_PREPS",
           "ZONE_ABBR", "clock", "marker", "match_time", "match_time_range", "zone_after"]

# A preposition that makes a bare number a clock time: "в 5", "at 5", "к 18", "до 9".
LOOSE_PREPS = frozenset({"в", "во", "к", "ко", "до", "около", "at", "@", "around", "by", "due",
                         "until", "till", "til", "approximately", "about", "before", "после",
                         "after"})
# Prepositions allowed before a time that is unambiguous on its own ("на 15:00").
STRONG_PREPS = LOOSE_PREPS | frozenset({"на", "for", "from", "с", "со", "после", "after",
                                        "before", "перед", "to"})
DEADLINE_PREPS = frozenset({"к", "ко", "до", "by", "until", "till", "til", "before", "due"})
_RANGE_SEPS = frozenset({"до", "по", "-", "–", "—", "to", "till", "until", "til", "through",
                         "thru", "and", "и", "/"})
_RANGE_OPEN = frozenset({"с", "со", "from", "between", "от"})


# Fixed offsets of the abbreviations, kept for importers; the parser reads zones as IANA
# names from parsing/zones.py.
ZONE_ABBR = {
    "gmt": 0, "utc": 0, "z": 0, "cet": 60, "cest": 120, "bst": 60, "ist": 330, "eet": 120,
    "eest": 180, "msk": 180, "мск": 180, "мск.": 180, "est": -300, "edt": -240, "cst": -360,
    "cdt": -300, "mst": -420, "mdt": -360, "pst": -480, "pdt": -420, "wet": 0, "west": 60,
}


def zone_after(toks: list[Tok], j: int) -> tuple[int | str | None, int]:
    """A named zone after a clock: "16:00 CET", "9 am (BST)", "в 10 мск", «в 15 по Киеву»,
    "9am New York time", "GMT+3" (parsing/zones.py): an IANA name or a fixed offset in
    minutes east of UTC, and the index after it."""
    n = len(toks)
    paren = j < n and toks[j].t == "("
    zone, k = match_zone(toks, j + 1 if paren else j)
    if zone is None:
        return None, j
    if paren:
        if k < n and toks[k].t == ")":
            return zone, k + 1
        return None, j
    return zone, k


def match_time(toks: list[Tok], i: int, loose_na: bool = False) -> Mention | None:
    """[preposition] clock -> Mention('time', clock=Clock, prep=...)."""
    n = len(toks)
    t = toks[i].t
    prep = None
    k = i
    # "ровно в 12", "примерно в 5", "часов в пять" (spoken approximation)
    skip = 1
    if t == "где" and i + 3 < n and toks[i + 1].t == "-" and toks[i + 2].t == "то":
        t, skip = "где-то", 3  # "где-то в пять"
    # "не раньше девяти" (from nine), "не позже шести" (by six)
    if t == "не" and i + 2 < n and toks[i + 1].t in ("раньше", "позже", "позднее"):
        r = clock(toks, i + 2, loose=True)
        if r is None:
            return None
        c, j, _ = r
        by = toks[i + 1].t != "раньше"
        return Mention("time", i, j, {"clock": c, "prep": "до" if by else "в",
                                       "deadline": by})
    # "в начале девятого": the start of the ninth hour (8:00)
    if t in ("в", "во") and i + 2 < n and toks[i + 1].t == "начале" and \
            toks[i + 2].t in ORD_GEN:
        h = ORD_GEN[toks[i + 2].t] - 1 or 12
        c, j, _ = with_mark(toks, Clock(h, 0), i + 3)
        return Mention("time", i, j, {"clock": c, "prep": "в", "deadline": False})
    if t in ("ровно", "exactly", "примерно", "приблизительно", "часов", "часа", "часиков",
             "часам", "часикам", "где-то") and i + skip < n:
        k = i + skip
        if toks[k].t in STRONG_PREPS and k + 1 < n:
            t = toks[k].t
            i0 = k
        elif t in ("часов", "часа", "часиков", "часам", "часикам"):
            return None
        else:
            t, i0 = "в", i
        prep = t
        k = i0 + 1 if i0 != i else i + skip
    elif t in STRONG_PREPS and i + 1 < n:
        prep = t
        k = i + 1
        if t in ("в", "во") and k < n and toks[k].t == "районе":
            k += 1
    loose = prep in LOOSE_PREPS or (loose_na and prep in ("на", "to", "с", "со", "from"))
    r = clock(toks, k, loose=loose)
    if r is None:
        return None
    c, j, strong = r
    if prep is not None and not strong and not loose:
        return None
    tzo, j2 = zone_after(toks, j)
    if tzo is not None:
        c = Clock(c.h, c.m, c.mark, tzo)
        j = j2
        strong = True
    # "в 15:00 ровно", "в 19:30ч"
    if j < n and (toks[j].t in ("ровно", "sharp") or (toks[j].t == "ч" and toks[j].glued)):
        j += 1
    return Mention("time", i, j, {"clock": c, "prep": prep,
                                   "deadline": prep in DEADLINE_PREPS})


def match_time_range(toks: list[Tok], i: int) -> Mention | None:
    """[с|from|between] clock (до|-|to|and) clock."""
    n = len(toks)
    t = toks[i].t
    k = i
    opened = t in _RANGE_OPEN
    if opened:
        k += 1
    elif t in ("в", "at") and i + 1 < n:
        k += 1  # "в 10-11"
    r1 = clock(toks, k, loose=True, rel_to=False)
    if r1 is None:
        return None
    c1, j, s1 = r1
    tz1, j = zone_after(toks, j)
    if j >= n or toks[j].t not in _RANGE_SEPS:
        return None
    sep = toks[j].t
    if (sep in ("and", "и") and t != "between") or (sep == "/" and not s1):
        return None
    j += 1
    if j < n and toks[j].t in ("в", "at") and sep not in ("-", "–", "—"):
        j += 1
    r2 = clock(toks, j, loose=True)
    if r2 is None:
        return None
    c2, j2, s2 = r2
    tz2, j2 = zone_after(toks, j2)
    tzo = tz2 if tz2 is not None else tz1
    if tzo is not None:
        c1 = Clock(c1.h, c1.m, c1.mark, tzo)
        c2 = Clock(c2.h, c2.m, c2.mark, tzo)
    if t in ("в", "at") and sep in ("-", "–", "—"):
        opened = True  # "в 10-11"
    if not _range_said(toks, j, sep, opened, s1, s2):
        return None
    if j2 < n and toks[j2].t in HOUR_NOUNS:
        j2 += 1
    c1, c2 = _share_mark(c1, c2)
    return Mention("trange", i, j2, {"start": c1, "end": c2,
                                     "moved": (t in ("from", "с", "со") and sep in ("to", "на"))
                                     or (not opened and sep == "to")})


def _range_said(toks: list[Tok], j: int, sep: str, opened: bool, s1: bool, s2: bool) -> bool:
    """Whether two clocks around `sep` are a range: opened by с/from/between, or both ends
    (or one, with a dash or "to") clock forms by themselves; "15 to noon" is 11:45."""
    if not opened and not s1 and sep == "to" and toks[j].t in NOON | MIDNIGHT:
        return False  # "15 to noon" is 11:45, read as a single clock time
    if not opened and not (s1 and s2) and not (sep in ("-", "–", "—", "to") and (s1 or s2)):
        return False
    return not (sep == "по" and not (s1 or s2))


def _share_mark(c1: Clock, c2: Clock) -> tuple[Clock, Clock]:
    """A mark said once covers both ends: "с 2 до 4 дня", "from 8 to 10 pm", "с 8 вечера
    до 10"."""
    if c2.mark in ("am", "pm", "day", "night") and c1.mark is None and c1.h <= 12 and (
        c1.h <= (c2.h if c2.h != 12 else 0) or (c2.mark == "am" and c1.h < c2.h)
    ):
        c1 = c1.with_mark(c2.mark)
    if c1.mark in ("pm", "day", "night") and c2.mark is None and c2.h <= 12 \
            and c1.h < 12 and c2.h > c1.h:
        c2 = c2.with_mark(c1.mark)
    return c1, c2
