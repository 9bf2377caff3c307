"""What a message means for the conversation. PURE: parse results in, a decision out.

The rules (docs/PIPELINE.md explains why):

No open question
  - task / meeting / note with nothing missing → `NewItem`;
    with something missing → `NewDraft` (stored as a DRAFT, the bot asks).
  - cancel / complete / reschedule → `Act` (find the item, then act).
  - agenda → `Agenda`; anything else → `Unknown`.

A list or search request (the parse's additive `list` / `search`) → `lists.ShowList` /
`lists.Search`, whether or not a question is open (it is never an answer).

An open question (the chat's `clarify` row)
  1. A bare cancel ("отмена", "cancel", "/cancel") → `CancelQuestion`.
  2. A command about other items (cancel/complete/reschedule with a title, agenda) is
     handled as new; the question stays open.
  3. A complete new task/meeting/note whose title is not the draft's → `NewItem`, and
     the question stays open ("купить молоко" while we wait for the meeting's time).
     An incomplete one with another title → `NewDraft` that replaces the question; the
     old draft is settled as on expiry (kept as a task, the person told).
  4. Otherwise the message is the answer. For a draft, the draft's text and the answer
     are parsed together ("встреча с Петей" + "завтра в 15"), so the answer fills the
     SAME item → `FillDraft` (complete, or still missing something → asks again).
     For a reschedule question, the answer's date/time is the new time → `Reschedule`.
     An answer that brings nothing new → `AskAgain`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from organizer.pipeline import lists, matching

CREATABLE = ("task", "meeting", "note")
ACTIONS = ("cancel", "complete", "reschedule")
SAME_TITLE = 0.6


def _dt(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


@dataclass(frozen=True)
class Parsed:
    """The parser's record (organizer.parsing.parse), normalised."""

    intent: str
    title: str | None
    start: datetime | None
    end: datetime | None
    all_day: bool
    rrule: str | None
    needs: tuple[str, ...]
    # False when the text names a clock time but no day ("перенеси на 17"): a reschedule
    # then keeps the item's own day instead of the parser's "next 17:00".
    date_said: bool = True
    # followup: a relative move ("на час позже"), pipeline/shifts.py
    shift_minutes: int | None = None
    shift_days: int | None = None
    # followup: "перенеси на следующую неделю" — the week is new, the weekday the item's
    week_only: bool = False
    # lists lane: the parse record's additive `list` ('tasks'|'notes') and `search` (query)
    listing: str | None = None
    search: str | None = None

    @classmethod
    def from_result(cls, r: Any) -> Parsed:
        """From a parse result object (attributes) or its to_dict() mapping."""
        get = r.get if isinstance(r, Mapping) else (lambda k, d=None: getattr(r, k, d))
        intent = get("intent") or "unknown"
        title = get("title")
        return cls(
            intent=str(intent),
            title=str(title).strip() or None if title is not None else None,
            start=_dt(get("start")),
            end=_dt(get("end")),
            all_day=bool(get("all_day", False)),
            rrule=get("rrule") or None,
            needs=tuple(get("needs") or ()),
            shift_minutes=get("shift_minutes"),
            shift_days=get("shift_days"),
            listing=get("list") or None,
            search=get("search") or None,
        )

    @property
    def complete(self) -> bool:
        return not self.needs


@dataclass(frozen=True)
class OpenQuestion:
    """What the dialog needs to know of the chat's open question and its item."""

    item_id: int
    purpose: str  # 'complete' | 'reschedule'
    missing: tuple[str, ...]
    item_type: str
    item_title: str | None
    item_start: datetime | None
    item_all_day: bool


# ---------------------------------------------------------------- decisions


@dataclass(frozen=True)
class NewItem:
    parsed: Parsed


@dataclass(frozen=True)
class NewDraft:
    parsed: Parsed
    replaces: int | None = None  # the draft of a question this one replaces


@dataclass(frozen=True)
class FillDraft:
    item_id: int
    parsed: Parsed  # the fields the draft gets (type kept)
    missing: tuple[str, ...]  # () = the item is complete now


@dataclass(frozen=True)
class Reschedule:
    item_id: int
    parsed: Parsed


@dataclass(frozen=True)
class AskAgain:
    item_id: int


@dataclass(frozen=True)
class CancelQuestion:
    item_id: int
    purpose: str


@dataclass(frozen=True)
class Act:
    parsed: Parsed  # intent is cancel / complete / reschedule


@dataclass(frozen=True)
class Agenda:
    parsed: Parsed


@dataclass(frozen=True)
class Unknown:
    pass


Decision = (
    NewItem | NewDraft | FillDraft | Reschedule | AskAgain | CancelQuestion | Act | Agenda | Unknown
    | lists.ShowList | lists.Search
)

# The draft's text + the message, parsed: given as is, or as a function that parses it
# only when the decision gets as far as using it (issue 19: most messages never do).
Combined = Parsed | Callable[[], Parsed | None] | None


# Words an answer leads with that do not make a title ("давай в 16", "ok, 4pm then").
_FILLER_TEXT = (
    "давай давайте лучше можно тогда пусть ну наверное ладно ок окей хорошо да нет "
    "ok okay let lets then maybe sure yes no well better"
)
FILLERS = frozenset(matching.stem(w) for w in _FILLER_TEXT.split())


def clearly_new(p: Parsed) -> bool:
    """A task/meeting/note that names something itself, not a time said with a filler.

    One remaining word plus a time on a task ("давай в 16" parses as a task «Давай»)
    is read as an answer, not as a new item.
    """
    if p.intent not in CREATABLE or not p.title:
        return False
    words = [w for w in matching.stems(p.title) if w not in FILLERS]
    if not words:
        return False
    return not (p.intent == "task" and p.start is not None and len(words) <= 1)


_DATE_WORDS = re.compile(
    # stems: any ending may follow
    r"\b(?:сегодн|завтр|послезавтр|понедельн|вторник|сред[ауы]\b|четверг|пятниц|суббот|"
    r"воскресен|числ|январ|феврал|март|апрел|ма[яй]\b|июн|июл|август|сентябр|октябр|ноябр|"
    r"декабр|недел|месяц|через|следующ|выходн|будн|today|tonight|tomorrow|monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday|january|february|march|april|june|july|"
    r"august|september|october|november|december|next|week|month|weekend)"
    # short forms: whole words only
    r"|\b(?:пн|вт|ср|чт|пт|сб|вс|mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|"
    r"aug|sep|oct|nov|dec)\b"
    r"|\bin\s+\d+\s+days?\b|\d{1,2}[./]\d{1,2}|\d{4}-\d{2}-\d{2}",
    re.IGNORECASE,
)


def says_date(text: str) -> bool:
    """Does the text name a day (a weekday, a date, today/tomorrow, next week …)?"""
    return _DATE_WORDS.search(text) is not None


def similar_titles(a: str | None, b: str | None) -> bool:
    if not a or not b or matching.numbers_clash(a, b):
        return False
    qa, qb = matching.stems(a), matching.stems(b)
    if not qa or not qb:
        return False
    hits = sum(1 for x in qa if any(matching._same(x, y) for y in qb))
    back = sum(1 for y in qb if any(matching._same(x, y) for x in qa))
    return (hits + back) / (len(qa) + len(qb)) >= SAME_TITLE


def decide(alone: Parsed, question: OpenQuestion | None, combined: Combined = None) -> Decision:
    """`alone`: the message parsed by itself; `combined`: draft text + message (or None)."""
    asked = lists.wanted(alone.listing, alone.search)  # a list or a search: never an answer
    if asked is not None:
        return asked
    if question is None:
        return _fresh(alone)
    # 1. a bare cancel closes the question
    if alone.intent == "cancel" and not alone.title and alone.start is None:
        return CancelQuestion(question.item_id, question.purpose)
    # 2. commands about other items, and agenda questions, are handled as new
    if alone.intent in ACTIONS and alone.title:
        return Act(alone)
    if alone.intent == "agenda":
        return Agenda(alone)
    # 3. a clearly new item
    if (
        clearly_new(alone)
        and "title" not in question.missing
        and not similar_titles(alone.title, question.item_title)
    ):
        if alone.complete:
            return NewItem(alone)
        if question.purpose == "complete":
            return NewDraft(alone, replaces=question.item_id)
        return NewDraft(alone)
    # 4. the answer
    if question.purpose == "reschedule":
        if alone.start is not None:
            return Reschedule(question.item_id, alone)
        return AskAgain(question.item_id)
    return _fill(alone, question, combined)


def _fresh(p: Parsed) -> Decision:
    if p.intent in CREATABLE:
        return NewItem(p) if p.complete else NewDraft(p)
    if p.intent in ACTIONS:
        return Act(p)
    if p.intent == "agenda":
        return Agenda(p)
    return Unknown()


def _missing_for(
    item_type: str, p: Parsed, asked: tuple[str, ...], *, trusted: bool
) -> tuple[str, ...]:
    """What the draft still lacks once `p`'s fields are applied.

    `trusted`: `p` is the parse of the whole utterance as the draft's own kind, so its
    `needs` knows whole-day events ("отпуск в пятницу" needs no time).
    """
    out = []
    if "title" in asked and not p.title:
        out.append("title")
    if p.start is None:
        if "date" in asked:
            out.append("date")
        if "time" in asked and item_type == "meeting":
            out.append("time")
    elif (
        p.all_day
        and "time" in asked
        and item_type == "meeting"
        and (not trusted or "time" in p.needs)
    ):
        out.append("time")
    return tuple(out)


def _fill(alone: Parsed, q: OpenQuestion, lazy: Combined) -> Decision:
    combined = lazy() if callable(lazy) else lazy
    candidates = []
    if combined is not None and combined.intent in CREATABLE:
        candidates.append(combined)
    if alone.start is not None or alone.title:
        # the answer alone: its time, and its words as the title when the title was asked
        candidates.append(
            Parsed(
                intent=q.item_type,
                title=alone.title if "title" in q.missing else q.item_title,
                start=alone.start,
                end=alone.end,
                all_day=alone.all_day,
                rrule=alone.rrule,
                needs=tuple(n for n in alone.needs if n != "title" or "title" in q.missing),
            )
        )
    best: FillDraft | None = None
    for c in candidates:
        fields = Parsed(
            intent=q.item_type,
            title=c.title if ("title" in q.missing or not q.item_title) else q.item_title,
            start=c.start,
            end=c.end,
            all_day=c.all_day,
            rrule=c.rrule,
            needs=c.needs,
        )
        if fields.start is None and q.item_start is not None:
            fields = Parsed(
                fields.intent, fields.title, q.item_start, None, q.item_all_day,
                fields.rrule, fields.needs,
            )  # fmt: skip
        trusted = c is combined and c.intent == q.item_type
        still = _missing_for(q.item_type, fields, q.missing, trusted=trusted)
        progressed = still != q.missing or (
            fields.start is not None
            and (fields.start != q.item_start or fields.all_day != q.item_all_day)
        )
        if not progressed:
            continue
        if best is None or len(still) < len(best.missing):
            best = FillDraft(q.item_id, fields, still)
        if not still:
            break
    return best if best is not None else AskAgain(q.item_id)
