"""Token-level pieces shared by the date grammars (dates.py, periods.py): a month name
and a year said after a date."""

from __future__ import annotations

from organizer.parsing.lexicon import MONTHS
from organizer.parsing.tokens import Tok


def year_at(toks: list[Tok], j: int) -> tuple[int | None, int]:
    """A year after a date at j ("2027", ", 2027", "2027 года", "2027 г."): (year, next
    index), or (None, j)."""
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


def month_at(toks: list[Tok], k: int) -> tuple[int, int] | None:
    """A month name at k ("марта", "Jul.", "october"): (month 1..12, next index)."""
    if k >= len(toks) or toks[k].kind != "w":
        return None
    mo = MONTHS.get(toks[k].t)
    if mo is None:
        return None
    j = k + 1
    if j < len(toks) and toks[j].t == "." and toks[j].glued:
        j += 1
    return mo, j
