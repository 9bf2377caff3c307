"""Task and note lists, search, busy times and overlaps (issue 16 #8, #12). PURE.

Plain values in, plain values out: the shell (organizer.pipeline.lists_reply) reads
the items from the database (organizer.db.lists) and sends what these functions build.

- `wanted`: a parse result's additive `list` / `search` fields → the decision.
- `render_notes`: one page of notes, newest first, with a «Ещё» button to the next.
- `search`: items whose title (or the message they came from) contain every word of the
  query, compared as stems with a fuzzy match (rapidfuzz), best first; failing that, half.
- `busy_intervals`, `is_busy`: the timed items a suggested time must not fall on.
- `overlapping`: the meetings a new meeting's time overlaps.
- `nudge_due`: an open question asked by another process (before a restart) and not
  answered by this message is shown again once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rapidfuzz import fuzz

from organizer.parsing.lists import QUERY_FILLERS
from organizer.pipeline import matching
from organizer.pipeline.replies import (
    ItemLike,
    Keyboard,
    button,
    echo,
    found_head_text,
    found_nothing_text,
    more_button_text,
    no_notes_text,
    notes_head_text,
)
from organizer.pipeline.timefmt import clock, local

_FILLERS = frozenset(matching.stem(w) for w in QUERY_FILLERS)  # as the stems compared
PAGE = 10  # notes per page
MAX_PAGES = 1000  # a page number in a button beyond this is not ours
MAX_HITS = 10
FUZZY = 80  # rapidfuzz ratio (0..100) above which two stems are the same word
POINT = timedelta(minutes=30)  # how long an item with no end keeps its time busy
SLOT = timedelta(hours=1)  # a suggested time is for an hour-long meeting
MORE = "notes"  # callback `notes:<page>`: the «Ещё» button
# This worker process (or `organizer chat` session, `new_run`), as the one that last showed
# a chat's open question (clarify.shown_by): a question shown by another was asked before a
# restart.
PROCESS = uuid.uuid4().hex


@dataclass(frozen=True)
class ShowList:
    what: str  # 'tasks' | 'notes'


@dataclass(frozen=True)
class Search:
    query: str


def wanted(listing: str | None, query: str | None) -> ShowList | Search | None:
    if listing in ("tasks", "notes"):
        return ShowList(listing)
    if query and query.strip():
        return Search(query.strip())
    return None


# ---------------------------------------------------------------- notes


def _stamp(dt: datetime | None, tz: str) -> str:
    return "" if dt is None else local(dt, tz).strftime("%d.%m ")


def render_notes(
    notes: Sequence[ItemLike],
    created: Sequence[datetime | None],
    *,
    page: int,
    total: int,
    tz: str,
    lang: str,
) -> tuple[str, Keyboard]:
    """Page `page` (0-based) of the notes, already newest first; `created` in step."""
    if total == 0 or not notes:
        return no_notes_text(lang), []
    first = page * PAGE + 1
    last = first + len(notes) - 1
    lines = [
        f"• {_stamp(when, tz)}{echo(n.title, lang)}" for n, when in zip(notes, created, strict=True)
    ]
    text = notes_head_text(first, last, total, lang) + "\n" + "\n".join(lines)
    keyboard: Keyboard = []
    if last < total and page + 1 < MAX_PAGES:
        keyboard = [[button(more_button_text(lang), f"{MORE}:{page + 1}")]]
    return text, keyboard


# ---------------------------------------------------------------- search


def _words(text: str | None) -> list[str]:
    """The text's word stems; hyphenated words also joined ("wi-fi" is "wifi" too)."""
    out = [w for w in matching.stems(text) if len(w) >= 2]
    if text and "-" in text:
        out += [w for w in matching.stems(text.replace("-", "")) if len(w) >= 2 and w not in out]
    return out


def _same(q: str, w: str) -> float:
    """0..100: how alike a query stem and an item stem are (0 when not the same word)."""
    if q == w:
        return 100.0
    if min(len(q), len(w)) >= 4 and (q.startswith(w) or w.startswith(q)):
        return 90.0  # a partial word («резин», "passw") or another ending
    if min(len(q), len(w)) >= 4:
        r = fuzz.ratio(q, w)
        return r if r >= FUZZY else 0.0
    if matching.same_short(q, w):
        return 85.0  # a short name in another case
    return 0.0


def _hits(query: Sequence[str], words: Sequence[str], kind: str) -> list[float]:
    """Each query word's best likeness among the words (0 when it is not there). A word
    naming a kind of item («заметку», "task") is there when the item is of that kind."""
    out = []
    for q in query:
        best = max((_same(q, w) for w in words), default=0.0)
        if best == 0 and matching.GENERIC.get(q) == kind:
            best = 100.0
        out.append(best)
    return out


def hit_score(query: Sequence[str], text: str | None, kind: str = "") -> float:
    """The mean best likeness of each query word in the text; 0 when one is missing."""
    words = _words(text)
    if not query or not words:
        return 0.0
    hits = _hits(query, words, kind)
    return 0.0 if min(hits) == 0 else sum(hits) / len(query)


def _partial(query: Sequence[str], text: str | None, kind: str) -> float:
    """For a query of 2+ words none of the items has all of: the share of its words found
    (at least half of them), as a weaker score below any full hit."""
    words = _words(text)
    if len(query) < 2 or not words:
        return 0.0
    hits = [h for h in _hits(query, words, kind) if h > 0]
    return sum(hits) / len(query) / 2 if 2 * len(hits) >= len(query) else 0.0


def search(query: str, candidates: Sequence[ItemLike], texts: Sequence[str | None]) -> list[ItemLike]:
    """Items matching every word of the query, best first (then in the given order); when
    none does, those matching at least half of its words.

    `texts`: each candidate's own text besides its title (the message it came from: a
    note's whole text, a task's words beyond its 60-character title), in step.
    """
    q = [w for w in _words(query) if w not in _FILLERS] or _words(query)
    for score in (hit_score, _partial):
        scored = []
        for n, (item, extra) in enumerate(zip(candidates, texts, strict=True)):
            s = max(score(q, item.title, item.type), score(q, extra, item.type))
            if s > 0:
                scored.append((-s, n, item))
        if scored:
            scored.sort(key=lambda p: (p[0], p[1]))
            return [item for _, _, item in scored[:MAX_HITS]]
    return []


def _mark(item: ItemLike) -> str:
    if item.type == "task":
        return "☐ "
    return "✎ " if item.type == "note" else ""


def _when(item: ItemLike, tz: str) -> str:
    if item.start_at is None:
        return ""
    s = local(item.start_at, tz)
    day = s.strftime("%d.%m")
    return f" — {day}" if item.all_day else f" — {day} {clock(s)}"


def render_found(query: str, found: Sequence[ItemLike], *, tz: str, lang: str) -> str:
    if not found:
        return found_nothing_text(query, lang)
    lines = [f"• {_mark(i)}{echo(i.title, lang)}{_when(i, tz)}" for i in found]
    return found_head_text(query, len(found), lang) + "\n" + "\n".join(lines)


# ---------------------------------------------------------------- busy times, overlaps


Interval = tuple[datetime, datetime]


def busy_intervals(
    spans: Sequence[tuple[datetime | None, datetime | None, bool]],
) -> list[Interval]:
    """(start, end, all_day) of items → the intervals they keep busy. All-day items and
    undated ones keep no clock time busy; one with no end keeps POINT."""
    out: list[Interval] = []
    for start, end, all_day in spans:
        if start is None or all_day:
            continue
        out.append((start, end if end is not None and end > start else start + POINT))
    return out


def is_busy(at: datetime, busy: Sequence[Interval], length: timedelta = SLOT) -> bool:
    """Does [at, at+length) meet any busy interval?"""
    return any(s < at + length and at < e for s, e in busy)


def overlapping(
    start: datetime | None, end: datetime | None, others: Sequence[ItemLike], *, self_id: int
) -> list[ItemLike]:
    """Timed meetings other than `self_id` whose time meets [start, end)."""
    if start is None or end is None or end <= start:
        return []
    out = []
    for o in others:
        if o.id == self_id or o.type != "meeting" or o.all_day or o.start_at is None:
            continue
        o_end = o.end_at if o.end_at is not None and o.end_at > o.start_at else o.start_at + POINT
        if o.start_at < end and start < o_end:
            out.append(o)
    return out


# ---------------------------------------------------------------- a question still open


def new_run() -> None:
    """This process starts its pipeline afresh (a new `organizer chat` session on the same
    database, as a restarted worker would): a question shown before is shown again."""
    global PROCESS
    PROCESS = uuid.uuid4().hex


def nudge_due(*, leaves_question: bool, shown_by: str | None, me: str) -> bool:
    """Show the open question again? Only when this message did not touch it and it
    was last shown by another worker process (asked before a restart, or before this
    column existed: `shown_by` None). Within one process the question was just asked,
    and repeating it under every reply would be noise."""
    return leaves_question and shown_by != me
