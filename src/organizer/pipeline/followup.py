"""The conversation's follow-ups about an item: the shell around pipeline/referent.py.

`prepare` loads the chat's referent and re-reads a bare time said about an item
("на 17", "в пятницу", "на то же время в пятницу", "на час позже") as a move; `apply`
carries out `ActOn` / `AskWhich`. An item becomes the referent in the transaction that
created, edited or settled it (`turn.settled`) or sent its reminder (`reminders/tick.py`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from organizer.db import items
from organizer.db import referent as referent_db
from organizer.pipeline import choice, corrections, dialog, matching, replies
from organizer.pipeline.acting import perform
from organizer.pipeline.dialog import Parsed
from organizer.pipeline.referent import ActOn, AskWhich, Referent, live, unnamed
from organizer.pipeline.shifts import has_new_time
from organizer.pipeline.turn import MAX_PARSE_CHARS, Turn, get_item, parse

_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
# what a correction may have been parsed as (never a note, an agenda question, a cancel)
_REREAD = ("unknown", "task", "meeting", "reschedule")


def shown(t: Turn, listed: Sequence[items.Item]) -> None:
    """An answer that shows one item alone makes it the referent ("что у меня завтра" →
    one meeting → "перенеси её на 12")."""
    if len({i.id for i in listed}) == 1:
        referent_db.remember(t.conn, t.chat_id, listed[0].id, t.now, cause=f"inbox:{t.row.id}")


def load(t: Turn) -> Referent | None:
    ids, at = referent_db.latest(t.conn, t.chat_id)
    found = tuple(i for i in (items.get(t.conn, x) for x in ids) if i is not None)
    return Referent(found, at) if found and at is not None else None


def _as_move(t: Turn, clean: str, *, verb_said: bool = False) -> Parsed | None:
    """The text read after a move verb ("на 17" → "перенеси на 17"): a reschedule with
    a new time and no title of its own, or None."""
    moved = _move_parse(t, clean, verb_said=verb_said)
    return dataclasses.replace(moved, title=None) if _nameless(moved) else None


def _nameless(p: Parsed | None) -> bool:
    """A move that names no item: no title, "it", or words that say nothing."""
    return p is not None and (unnamed(p) or corrections.says_nothing(p.title))


def _move_parse(t: Turn, clean: str, *, verb_said: bool = False) -> Parsed | None:
    """`clean` parsed as a move (after «перенеси» / "move" unless `verb_said`): the
    reschedule with a new time, or None."""
    if not verb_said:  # "no wait, 4pm" → "move 4pm"
        clean = corrections.without_lead(clean)
        clean = f"{'перенеси' if _CYRILLIC.search(clean) else 'move'} {clean}"
    moved = parse(clean[:MAX_PARSE_CHARS], t.now, t.tz, t.settings.canon_path)
    return moved if moved.intent == "reschedule" and has_new_time(moved) else None


def _names_open_item(t: Turn, p: Parsed) -> bool:
    return matching.find(p.title, items.open_items(t.conn, t.chat_id)).outcome != "none"


def _corrected(
    t: Turn, clean: str, focus: bool, question: dialog.OpenQuestion | None
) -> Parsed | None:
    """The move meant by "make it 12 instead", «давай лучше на 14», «перекинь созвон на
    пятницу», or None (pipeline/corrections.py)."""
    said = corrections.reread(clean)
    if said is None:
        return None
    moved = _move_parse(t, said.text, verb_said=True)
    if moved is None:
        return None
    if not _nameless(moved):  # «перекинь созвон на пятницу»: only an item that exists
        return moved if said.named and _names_open_item(t, moved) else None
    moved = dataclasses.replace(moved, title=None)
    if question is not None and question.purpose == "complete":
        # the open draft's question takes a bare new time as its answer
        return dataclasses.replace(moved, intent=question.item_type, title=None)
    return moved if focus or said.sure else None


def prepare(
    t: Turn, alone: Parsed, clean: str, question: dialog.OpenQuestion | None
) -> tuple[Parsed, Referent | None]:
    """The message as meant (a bare new time about an item is a move) and the referent."""
    meant, ref = _meant(t, alone, clean, question)
    if meant.intent == "reschedule" and meant.all_day and corrections.week_only(clean):
        meant = dataclasses.replace(meant, week_only=True)
    return meant, ref


def _meant(
    t: Turn, alone: Parsed, clean: str, question: dialog.OpenQuestion | None
) -> tuple[Parsed, Referent | None]:
    ref = load(t)
    about_item = (question is not None and question.purpose == "reschedule") or (
        question is None and bool(live(ref, t.now))
    )
    if alone.intent in _REREAD and not alone.search:  # "let's do half an hour later" too
        corrected = _corrected(t, clean, about_item, question)
        if corrected is not None:
            return corrected, ref
    if about_item and alone.intent in dialog.CREATABLE and alone.title:
        # «созвон давай на четверг»: «давай» is no part of what is talked about
        alone = dataclasses.replace(alone, title=corrections.without_fillers(alone.title))
    if alone.intent in dialog.CREATABLE and alone.title and corrections.names_a_move(clean):
        # "call with Bob to tomorrow, same time": an existing item and where it goes
        moved = _move_parse(t, corrections.without_now(clean))
        if moved is not None and moved.title and _names_open_item(t, moved):
            return moved, ref
    bare = alone.intent == "unknown" or (
        alone.intent in dialog.CREATABLE and corrections.says_nothing(alone.title)
    )  # «на 17», "no wait, 4pm" (a title «No wait» names nothing)
    # a lone number is a move only as the answer to "На когда перенести?"
    if question is None and clean.strip().isdigit():
        bare = False
    if about_item and bare:
        moved = _as_move(t, clean)
        if moved is not None:
            return moved, ref
    return alone, ref


def apply(t: Turn, d: object) -> bool:
    """Carry out a referent decision; False when `d` is not one (dialog's own)."""
    if isinstance(d, ActOn):
        perform(t, get_item(t, d.item_id), d.parsed.intent, d.parsed)
        return True
    if isinstance(d, AskWhich):
        found = [get_item(t, i) for i in d.item_ids]
        keyboard = choice.choice_keyboard(found, d.parsed, tz=t.tz, now=t.now, lang=t.lang)
        t.reply(replies.choose_text(d.parsed.intent, t.lang, title=None), keyboard)
        return True
    return False
