"""Which existing item a request means, or what to ask instead. PURE.

"отмени встречу", "готово молоко", "перенеси созвон на 17": given the parse and the
chat's open items (the shell loads them), `choose` returns one item to act on, the
question with its buttons when several fit, or the "not found" answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from organizer.pipeline import matching, replies
from organizer.pipeline.dialog import Parsed
from organizer.pipeline.moves import new_times
from organizer.pipeline.replies import ItemLike
from organizer.pipeline.shifts import has_new_time
from organizer.pipeline.timefmt import local_day

ACTION_OF_INTENT = {"cancel": "cancel", "complete": "done", "reschedule": "resched"}


@dataclass(frozen=True)
class One:
    """Act on this item."""

    item: ItemLike


@dataclass(frozen=True)
class Ask:
    """Several fit (or nothing was named): ask which, with a button each."""

    text: str
    keyboard: replies.Keyboard


@dataclass(frozen=True)
class NotFound:
    text: str


Choice = One | Ask | NotFound


def choice_keyboard(
    choices: Sequence[ItemLike], p: Parsed, *, tz: str, now: datetime, lang: str
) -> replies.Keyboard:
    """A button per item: for a reschedule to a known time, the new time itself."""
    if p.intent == "reschedule" and has_new_time(p):
        rows = []
        for i in choices:
            start, _, _ = new_times(i, p, tz, now)
            label = replies.short_label(i, tz=tz, now=now, lang=lang)
            rows.append([replies.button(label, replies.pick_data(i.id, start, tz))])
        return rows
    action = ACTION_OF_INTENT.get(p.intent, "cancel")
    return replies.select_keyboard(choices, action, tz=tz, now=now, lang=lang)


def choose(
    p: Parsed, candidates: Sequence[ItemLike], *, tz: str, now: datetime, lang: str
) -> Choice:
    """cancel / complete / reschedule: the item meant, among the chat's open items."""
    if p.intent == "reschedule":
        m = matching.find(p.title, candidates, tz=tz)
    else:
        day = local_day(p.start, tz)
        at = p.start if p.start is not None and not p.all_day else None
        m = matching.find(p.title, candidates, day=day, at=at, tz=tz)
    if m.outcome == "one":
        return One(m.items[0])
    if m.outcome == "several":
        return Ask(
            replies.choose_text(p.intent, lang, title=p.title),
            choice_keyboard(m.items, p, tz=tz, now=now, lang=lang),
        )
    if not p.title and p.start is None and len(candidates) == 1 and p.intent == "complete":
        return One(candidates[0])  # followup: never "which one?" with a single choice
    if not p.title and p.start is None and candidates:
        return Ask(
            replies.choose_text(p.intent, lang, title=None),
            choice_keyboard(candidates[: matching.MAX_CHOICES], p, tz=tz, now=now, lang=lang),
        )
    return NotFound(replies.not_found_text(p.title, p.intent, lang))
