"""Reading numbers from tokens: digits or words, cardinal or ordinal, with compounds
("двадцать четыре", "twenty-five", "двадцать четвёртого", "18-е", "1st")."""

from __future__ import annotations

from organizer.parsing.lexicon import CARD, ORD, ORD_SUFFIX, TENS, WEAK_CARD
from organizer.parsing.tokens import Tok


class Num:
    """A number read at tokens [i, j): its value, whether it was digits, and the digit
    string as written (to see "03" vs "3")."""

    __slots__ = ("digits", "j", "raw", "value")

    def __init__(self, value: int, j: int, digits: bool, raw: str = "") -> None:
        self.value = value
        self.j = j
        self.digits = digits
        self.raw = raw


def _word_card(toks: list[Tok], i: int, weak: bool) -> Num | None:
    n = len(toks)
    if i >= n or toks[i].kind != "w":
        return None
    t = toks[i].t
    v = CARD.get(t)
    if v is None or (not weak and t in WEAK_CARD):
        return None
    j = i + 1
    if v in TENS and j < n:
        k = j + 1 if (toks[j].t == "-" and toks[j].glued and j + 1 < n) else j
        u = CARD.get(toks[k].t) if toks[k].kind == "w" else None
        if u is not None and 1 <= u <= 9 and toks[k].t not in WEAK_CARD:
            return Num(v + u, k + 1, False)
    return Num(v, j, False)


def card(toks: list[Tok], i: int, weak: bool = False) -> Num | None:
    """A cardinal number at i: digits ("15") or words ("двадцать пять", "twenty-five")."""
    if i >= len(toks):
        return None
    tok = toks[i]
    if tok.kind == "d":
        if len(tok.t) > 4:
            return None
        return Num(int(tok.t), i + 1, True, tok.t)
    return _word_card(toks, i, weak)


def ordinal(toks: list[Tok], i: int) -> Num | None:
    """An ordinal at i: "18-е", "18-го", "1st", "15th", "первое", "двадцать четвёртого"."""
    n = len(toks)
    if i >= n:
        return None
    tok = toks[i]
    if tok.kind == "d":
        if len(tok.t) > 2:
            return None
        j = i + 1
        if j + 1 < n and toks[j].t == "-" and toks[j].glued and \
                toks[j + 1].t in ORD_SUFFIX and toks[j + 1].glued:
            return Num(int(tok.t), j + 2, True, tok.t)
        if j < n and toks[j].kind == "w" and toks[j].glued and toks[j].t in ORD_SUFFIX:
            return Num(int(tok.t), j + 1, True, tok.t)
        return None
    if tok.kind != "w":
        return None
    v = ORD.get(tok.t)
    if v is not None:
        return Num(v, i + 1, False)
    # "двадцать четвёртого", "twenty-first"
    c = CARD.get(tok.t)
    if c in TENS and i + 1 < n:
        k = i + 2 if (toks[i + 1].t == "-" and i + 2 < n) else i + 1
        u = ORD.get(toks[k].t)
        if u is not None and 1 <= u <= 9:
            return Num(c + u, k + 1, False)
    return None


def day_number(toks: list[Tok], i: int) -> Num | None:
    """A day of month: an ordinal, or plain digits 1..31."""
    o = ordinal(toks, i)
    if o is not None:
        return o if 1 <= o.value <= 31 else None
    tok = toks[i] if i < len(toks) else None
    if tok is not None and tok.kind == "d" and len(tok.t) <= 2:
        v = int(tok.t)
        if 1 <= v <= 31:
            return Num(v, i + 1, True, tok.t)
    return None
