"""What "it" means: the item the conversation was last about. PURE.

The shell (pipeline/followup.py) keeps, per chat, the item(s) last created, reminded,
edited or whose question was answered, with when (db/referent.py); for REFERENT_TTL
they are the default item of a command that names none:
  - "готово" / "done", "отмени это" / "cancel it", "перенеси её на завтра",
    "move it to 5pm", "на час позже" → that item (`ActOn`); several of the same moment
    (two reminders at once) → "which one?" among them only (`AskWhich`);
  - "тренировку на завтра", "gym tomorrow" (its title in another case form, or with a
    new day alone, no command) → a move of it; the same title with a new day and time
    ("планёрка в среду в 10") is still a new item.
Everything else goes to `dialog.decide` unchanged; an open question keeps its rules
(a bare "отмена" closes it; the answer to "На когда перенести?" moves its item).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from organizer.pipeline import dialog, matching
from organizer.pipeline.dialog import ACTIONS, CREATABLE, OpenQuestion, Parsed
from organizer.pipeline.replies import ItemLike
from organizer.pipeline.shifts import has_new_time, has_shift

# Long enough for a conversation about one thing; short enough that "готово" an hour
# later is not silently taken as being about it.
REFERENT_TTL = timedelta(minutes=30)
PRONOUNS = frozenset(
    matching.stem(w)
    for w in ["it", "its", "её", "ее", "его", "это", "эту", "этот", "эти", "them", "that", "this"]
)
# Words said around "cancel that" that name nothing: "actually, scrap that", "never mind,
# delete it", «вообще-то отмени это», «на самом деле удали его». ("не" stays out: «не
# отменяй это» must not read as a cancel of "it".)
_DISCOURSE_TEXT = (
    "actually never mind oh wait forget please just ok okay well so hmm no nope nah sorry one "
    "вообще вообще-то на самом деле забудь об этом ладно лучше короче пожалуй ну нет ой "
    "блин стоп хотя "
    "таки давай слушай извини пожалуйста"
)
_DISCOURSE = frozenset(matching.stems(_DISCOURSE_TEXT)) | {"этом", "то"}


@dataclass(frozen=True)
class Referent:
    """The chat's latest referents (loaded by the shell) and when they became so."""

    items: tuple[ItemLike, ...]
    at: datetime


@dataclass(frozen=True)
class ActOn:
    """Complete / cancel / reschedule this item (the one talked about)."""

    item_id: int
    parsed: Parsed


@dataclass(frozen=True)
class AskWhich:
    """Several items are equally "it": ask which, offering only them."""

    item_ids: tuple[int, ...]
    parsed: Parsed


def live(ref: Referent | None, now: datetime) -> tuple[ItemLike, ...]:
    """The referents still open and recent enough to be "it"."""
    if ref is None or now - ref.at > REFERENT_TTL or now < ref.at - REFERENT_TTL:
        return ()
    return tuple(i for i in ref.items if i.status == "OPEN")


def unnamed(p: Parsed) -> bool:
    """No title, or only "it" / «её» / «это» (and words that name nothing: "actually")."""
    words = matching.stems(p.title) if p.title else []
    return all(w in PRONOUNS or w in _DISCOURSE for w in words)


def decide(
    alone: Parsed,
    question: OpenQuestion | None,
    ref: Referent | None,
    now: datetime,
    combined: dialog.Combined = None,
) -> dialog.Decision | ActOn | AskWhich:
    """`dialog.decide`, with the referent and relative moves taken into account first."""
    d = _followup(alone, question, ref, now)
    return d if d is not None else dialog.decide(alone, question, combined)


def _followup(
    alone: Parsed, question: OpenQuestion | None, ref: Referent | None, now: datetime
) -> dialog.Decision | ActOn | AskWhich | None:
    if question is not None and question.purpose == "reschedule":
        if alone.intent == "reschedule" and unnamed(alone) and has_shift(alone):
            return dialog.Reschedule(question.item_id, alone)  # "на час позже"
        return None  # the question's own rules: its answer moves its item
    items = live(ref, now)
    if not items:
        return None
    if alone.intent in ACTIONS and unnamed(alone):
        if question is not None and alone.intent == "cancel" and alone.start is None:
            return None  # a bare "отмена" closes the open question
        p = dataclasses.replace(alone, title=None)
        if len(items) == 1:
            return ActOn(items[0].id, p)
        return AskWhich(tuple(i.id for i in items), p)
    if question is None and alone.intent in CREATABLE and has_new_time(alone):
        same = _named(alone.title, items)
        if same is not None and _reads_as_move(alone, same):
            return ActOn(same.id, dataclasses.replace(alone, intent="reschedule"))
    return None


def _named(title: str | None, items: Sequence[ItemLike]) -> ItemLike | None:
    found = [i for i in items if dialog.similar_titles(title, i.title)]
    return found[0] if len(found) == 1 else None


def _fold(text: str | None) -> str:
    return (text or "").casefold().replace("ё", "е").strip()


def _reads_as_move(p: Parsed, item: ItemLike) -> bool:
    """"тренировку на завтра" (the item as an object: another case form) or "gym
    tomorrow" (a new day alone: the same thing on another day) is a move; "планёрка в
    среду в 10" after "планёрка в понедельник в 10" is a second item."""
    return p.all_day or has_shift(p) or _fold(p.title) != _fold(item.title)
