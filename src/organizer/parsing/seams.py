"""Cuts without a conjunction, and two errands joined by «и» (issue 16, after the multi lane).

"завтра в 9 планёрка в 12 обед с Ириной", "movie with Maria on Friday at 7, brunch with
Kate on Saturday at 11:30", "купить корм коту и позвонить бабушке": a person hears two or
three items. This module finds where such a message may be cut and what a part must say
to stand alone; parsing/split.py decides with the rest of its rules (docs/PARSING.md,
"Several items in one message").

- **A sequence** "<when> <event> <when> <event>" (or "<event> <when> <event> <when>") may
  be cut before (after) each when: which side a when belongs to is told by the message's
  first time, said before any word ("в 9 планёрка в 12 обед") or after one ("standup at 9
  lunch at 12").
- **A comma** may be cut like «и».
- For both, each part must say its own day or time and the part after the cut must lead
  with its own event or action word ("созвон в 10 по поводу встречи в пятницу" stays one).
- **Two errands** «X и Y» with no day or time anywhere in the message are two items when
  each side is an action with an object of its own ("купить корм коту и позвонить
  бабушке"); "позвонить бабушке и поздравить", "позвонить и поздравить бабушку",
  "позвонить бабушке и поздравить её", "сходить в магазин и купить хлеб" stay one.

Pure: tokens, mentions and canon hits in, positions and yes/no out.
"""

from __future__ import annotations

import itertools

from organizer.parsing.intent import Hit, _infinitive
from organizer.parsing.mention import Mention
from organizer.parsing.scan import scan
from organizer.parsing.tokens import Tok, language, tokenize

_DAY_KINDS = frozenset(("date", "drange", "month", "week", "weekend", "rec"))
_TIME_KINDS = frozenset(("time", "trange"))
_WHEN_KINDS = _DAY_KINDS | _TIME_KINDS | frozenset(("pod", "rel"))
_CLOCK_UNITS = frozenset(("minutes", "hours", "seconds"))
# Words a part may say before its own event word: articles.
_ARTICLES = frozenset(("a", "an", "the"))
# What an action's object is not: a preposition or a clause ("поздравить с праздником",
# "сказать, что опоздаю"), or a pronoun that points back at the other side ("и поздравить
# её"): then both verbs are one errand.
_NOT_OBJECT = frozenset(str.split(
    "в во на с со к ко у о об обо по за из от до для про при через без под над перед между "
    "что чтобы как когда где куда если ли же тоже "
    "его её ее их ей ему им него неё нее них нему ней ним нём нем "
    "to for with at in on about from into by of that if when whether it him her them "
    "too also"))
# Nor does a part after a cut start with a conjunction or a particle.
_NOT_LEADING = frozenset(str.split("и а но или не ни да ещё еще уже and or but not nor yet"))


def _has_time(m: Mention) -> bool:
    if m.kind == "rel":
        return set(m["amount"] or {}) <= _CLOCK_UNITS
    return m.kind in _TIME_KINDS


def _runs(mentions: list[Mention]) -> list[tuple[int, int, bool]]:
    """Adjacent day/time mentions as one run: (first token, end token, says a time)."""
    out: list[list[int]] = []
    for m in sorted((m for m in mentions if m.kind in _WHEN_KINDS), key=lambda m: m.i):
        if out and m.i <= out[-1][1]:
            out[-1][1] = max(out[-1][1], m.j)
            out[-1][2] = out[-1][2] or int(_has_time(m))
        else:
            out.append([m.i, m.j, int(_has_time(m))])
    return [(i, j, bool(t)) for i, j, t in out]


def _stretches(n: int, bounds: list[int]) -> list[tuple[int, int]]:
    edges = [0, *sorted(b for b in bounds if 0 < b < n), n]
    return [(a, b) for a, b in itertools.pairwise(edges) if a < b]


def sequence_cuts(toks: list[Tok], mentions: list[Mention], joins: list[tuple[int, int]]
                  ) -> list[int]:
    """Token indices where a sequence of timed items may be cut, within each stretch
    between the joins (`joins`: the tokens [i, j) each join takes)."""
    covered = {k for m in mentions for k in range(m.i, m.j)}
    covered |= {k for i, j in joins for k in range(i, j)}
    bounds = [j for _, j in joins]
    word = [t.kind in ("w", "d") and k not in covered for k, t in enumerate(toks)]
    runs = _runs(mentions)
    out: list[int] = []
    for a, b in _stretches(len(toks), bounds):
        inner = [r for r in runs if a <= r[0] and r[1] <= b]
        timed = [r for r in inner if r[2]]
        if len(timed) < 2:
            continue
        time_first = not any(word[a : timed[0][0]])
        for k, (i, j, _) in enumerate(inner):
            if time_first and k > 0 and any(word[inner[k - 1][1] : i]):
                out.append(i)  # "… планёрка | в 12 обед"
            elif not time_first and any(word[a:i]) and j < b and word[j]:
                out.append(j)  # "standup at 9 | lunch …"
    return out


def leads(text: str, toks: list[Tok], mentions: list[Mention], hits: list[Hit]) -> bool:
    """The part's first word (after its day/time and an article) names what happens: "в
    12 обед с Ириной", "в 9 завтрак", "a call with the contractor at 4" (not "по поводу
    встречи в пятницу", "в офисе", "и Маша тоже", nor a name: "в 11 Петя придёт")."""
    covered = {k for m in mentions for k in range(m.i, m.j)}
    first = next((k for k, t in enumerate(toks)
                  if k not in covered and t.kind != "p" and t.t not in _ARTICLES), None)
    if first is None or toks[first].kind != "w" or toks[first].t in _NOT_OBJECT | _NOT_LEADING:
        return False
    if any(h.i == first and h.intent in ("task", "meeting") for h in hits):
        return True
    return _infinitive(toks[first].t) or not text[toks[first].s].isupper()


def errand(toks: list[Tok], hits: list[Hit]) -> bool:
    """An action with an object of its own: "купить корм коту", "call grandma" (not
    "поздравить", "поздравить с праздником", "поздравить её", nor a reminder)."""
    if any(h.group == "reminder" for h in hits):
        return False  # "напомни оплатить интернет и вынести мусор": one reminder of both
    actions = {k for h in hits if h.intent == "task" for k in range(h.i, h.j)}
    words = [(k, t) for k, t in enumerate(toks) if t.kind != "p"]
    if not words or not (words[0][0] in actions or _infinitive(words[0][1].t)):
        return False
    pos = 0
    while pos < len(words) and (words[pos][0] in actions or _infinitive(words[pos][1].t)):
        pos += 1  # "напомни оплатить …": the verbs, then what they act on
    return pos < len(words) and words[pos][1].t not in _NOT_OBJECT


def bare(text: str) -> str:
    """A part without its day and time words: what it is ("планёрка" of "в понедельник
    в 10 планёрка"), to be said again with another day or time."""
    toks = tokenize(text)
    covered = {k for m in scan(toks, language(text) == "en") if m.kind in _WHEN_KINDS
               for k in range(m.i, m.j)}
    return " ".join(text[t.s : t.e] for k, t in enumerate(toks)
                    if k not in covered and t.kind != "p")
