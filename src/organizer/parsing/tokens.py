"""Tokens: words, digit runs and single punctuation marks, with their spans.

The parser works on tokens rather than on the raw string, so "15:30", "15ч10", "3pm",
"18-е" and "p.m." are all short token sequences that the grammar reads the same way
whatever spacing the writer (or the speech recogniser) used.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

from organizer.parsing.lexicon import ALIASES, DIGIT_ALIASES, POSSESSIVE_BASES
from organizer.parsing.typos import KNOWN, MIN_LEN, fixed_word

# Letters of any script, digit runs, or any other single non-space character.
_TOKEN = re.compile(r"[^\W\d_]+|\d+|[^\w\s]|_", re.UNICODE)
_CYR = re.compile(r"[а-яё]", re.IGNORECASE)
_LAT = re.compile(r"[a-z]", re.IGNORECASE)
_APOSTROPHES = frozenset("'’`ʼ")


class Tok:
    """One token: normalised text `t`, kind ('w' word, 'd' digits, 'p' punctuation),
    its span [s, e) in the original text, and whether it touches the previous token."""

    __slots__ = ("e", "glued", "kind", "s", "t")

    def __init__(self, t: str, kind: str, s: int, e: int, glued: bool) -> None:
        self.t = t
        self.kind = kind
        self.s = s
        self.e = e
        self.glued = glued

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Tok({self.t!r})"


def norm(word: str) -> str:
    return word.lower().replace("ё", "е")


# One message's text is tokenized by several steps of one turn (the impossible-date check,
# the reading, the split into items): the last few texts' tokens are kept (issue 19). Each
# caller gets a list of its own; the Tok objects are shared, and nothing changes a Tok after
# `tokenize` made it. Only a handful are kept: a memo for one message, not a store.
RECENT_MAX = 4
_RECENT: OrderedDict[str, list[Tok]] = OrderedDict()
_RECENT_LOCK = threading.Lock()


def tokenize(text: str) -> list[Tok]:
    """Split `text` into tokens; merge "p.m."/"a.m." and words joined by an apostrophe."""
    with _RECENT_LOCK:
        hit = _RECENT.get(text)
    if hit is not None:
        return list(hit)
    out = _tokenize(text)
    with _RECENT_LOCK:
        _RECENT[text] = list(out)
        while len(_RECENT) > RECENT_MAX:
            _RECENT.popitem(last=False)
    return out


def _tokenize(text: str) -> list[Tok]:
    out: list[Tok] = []
    prev_end = -1
    for m in _TOKEN.finditer(text):
        raw = m.group()
        s, e = m.span()
        if raw.isdecimal():
            kind = "d"
            # Non-ASCII digits (e.g. Arabic-Indic) become ASCII so int() is safe.
            t = raw if raw.isascii() else (str(int(raw)) if len(raw) < 10 else "#")
            if t == "#":
                kind = "p"
        elif raw[0].isalpha() or (raw[0].isalnum() and not raw[0].isdigit()):
            kind, t = "w", norm(raw)
            t = ALIASES.get(t, t)
        elif raw[0].isdigit() or raw[0].isnumeric():
            kind, t = "p", "#"  # superscripts, fractions: not numbers we read
        else:
            kind, t = "p", raw
        glued = s == prev_end
        prev_end = e
        # "o'clock", "what's", "don't": join word + apostrophe + word.
        if (
            kind == "w"
            and glued
            and len(out) >= 2
            and out[-1].t in _APOSTROPHES
            and out[-1].glued
            and out[-2].kind == "w"
        ):
            out.pop()
            first = out.pop()
            # "Friday's", "next week's": the possessive is the day itself (not "Fridays")
            joined = first.t if (t == "s" and first.t in POSSESSIVE_BASES) else first.t + t
            out.append(Tok(joined, "w", first.s, e, first.glued))
            continue
        # "ten o clock" (as a speech recogniser writes it) reads as "o'clock"
        if kind == "w" and t == "clock" and out and out[-1].t in ("o", "o'") and \
                out[-1].kind == "w":
            first = out.pop()
            out.append(Tok("oclock", "w", first.s, e, first.glued))
            continue
        # "2moro", "2nite": a digit glued to the rest of a day word
        if kind == "w" and glued and out and out[-1].kind == "d" and \
                (out[-1].t, t) in DIGIT_ALIASES:
            first = out.pop()
            out.append(Tok(DIGIT_ALIASES[(first.t, t)], "w", first.s, e, first.glued))
            continue
        # "p.m." / "a.m." -> "pm" / "am"
        if (
            kind == "w"
            and t == "m"
            and glued
            and len(out) >= 2
            and out[-1].t == "."
            and out[-1].glued
            and out[-2].t in ("a", "p")
        ):
            out.pop()
            first = out.pop()
            out.append(Tok(first.t + "m", "w", first.s, e, first.glued))
            continue
        out.append(Tok(t, kind, s, e, glued))
    # misspelt date/time/command words read as the word meant (parsing/typos.py); the span
    # stays the writer's, so the title still cuts their spelling. Only long unknown words
    # are suspects: most messages have few or none.
    suspects = [i for i, tok in enumerate(out)
                if tok.kind == "w" and len(tok.t) >= MIN_LEN and tok.t not in KNOWN]
    if suspects:
        words = [tok.t for tok in out]
        for i in suspects:
            fixed = fixed_word(words, i, text[out[i].s].isupper())
            if fixed is not None:
                out[i].t = words[i] = fixed  # the next word's context is the corrected one
    return out


def language(text: str) -> str:
    """'ru' when the text has more Cyrillic than Latin letters, else 'en'."""
    cyr = len(_CYR.findall(text))
    lat = len(_LAT.findall(text))
    return "ru" if cyr >= lat and cyr > 0 else "en"


# A light Russian stemmer (one ending cut, at least three letters left) and English -s.
_RU_ENDINGS = tuple(
    sorted(
        ["иями", "ями", "ами", "ого", "его", "ому", "ему", "ыми", "ими", "ией", "ой", "ей", "ий", "ый", "ая", "яя", "ое", "ее", "ую", "юю", "ом", "ем", "ам", "ям", "ах", "ях", "ов", "ев", "ью", "ия", "ие", "ию", "а", "я", "о", "е", "у", "ю", "ы", "и", "ь", "й"],
        key=len,
        reverse=True,
    )
)


_ENDINGS_BY_LEN = tuple(
    (size, frozenset(e for e in _RU_ENDINGS if len(e) == size)) for size in (4, 3, 2, 1)
)


def stem(word: str) -> str:
    """Cut one common Russian ending (leaving at least three letters), or English -s."""
    if not word:
        return word
    if "а" <= word[-1] <= "я":
        n = len(word)
        for size, endings in _ENDINGS_BY_LEN:
            if n - size >= 3 and word[-size:] in endings:
                return word[:-size]
        return word
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word
