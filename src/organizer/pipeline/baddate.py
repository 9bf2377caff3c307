"""A date that does not exist («31 апреля», "June 31"): said so, and the day asked again.

Hooked into conversation.process_text before the parser's reading is acted on, inside the
caller's one transaction. parsing/baddate.py (pure) finds the date; the grammar would drop
it and store the item on whatever day the rest of the message gives ("в 10" → tomorrow),
so nothing is stored on a day the person did not name:

- no open question, a task or a meeting: a DRAFT with the rest of the message (title,
  time) and the question «На какое число …?»; the answer is read together with that rest
  (conversation: "the answer is parsed together with the draft's text"), so «30 апреля»
  completes it at the time said first. A clearly new item while another question is open
  replaces that question the usual way (the old draft kept as a task);
- the answer to an open question: the question is asked again, said why;
- anything else (a cancel, a move, an agenda question): nothing is changed, and the
  person is asked to send it again. A note keeps its words as they are.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from organizer.db import clarify, items
from organizer.parsing import baddate
from organizer.parsing.date_math import next_day_month
from organizer.pipeline import dialog, lists_reply, referent, replies
from organizer.pipeline.expiry import settle_question
from organizer.pipeline.language import quote
from organizer.pipeline.timefmt import hhmm, local_day, month_day
from organizer.pipeline.turn import Turn, ask, get_item, parse, title
from organizer.texts import tr, trn

AskAgain = Callable[[Turn, clarify.Question, str], None]


def no_such_day(lang: str, text: str, bad: baddate.BadDate) -> str:
    """«Даты «31 апреля» не бывает: в этом месяце 30 дней. »"""
    shown = baddate.said(text, bad)
    if bad.month == 2 and bad.year is None:
        return tr(lang, "baddate.february", date=shown)
    return trn(lang, "baddate.no_such_day", baddate.days_in(bad), date=shown)


def handle(t: Turn, q: clarify.Question | None, question: dialog.OpenQuestion | None,
           text: str, ask_again: AskAgain) -> bool:
    """An impossible date in `text`: answered here (True), or no such date (False)."""
    bad = baddate.find(text)
    if bad is None:
        return False
    rest = baddate.without(text, bad)
    p = parse(rest, t.now, t.tz, t.settings.canon_path) if rest else None
    if p is not None and p.intent == "note":
        return False  # a note's words are content, dates included
    note = no_such_day(t.lang, text, bad)
    creatable = p is not None and p.intent in ("task", "meeting") and bool(p.title)
    if q is not None and question is not None:
        undated = _undated(p) if creatable and p is not None else None
        d = referent.decide(undated, question, None, t.now) if undated is not None else None
        if not isinstance(d, (dialog.NewDraft, dialog.NewItem)):
            ask_again(t, q, note)  # the answer to the open question: ask it again
            return True
        note += _settled_note(t, q)
    if creatable and p is not None:
        _draft(t, p, rest, bad, note)
    else:
        t.reply(note + tr(t.lang, "baddate.say_again"))
    return True


def _undated(p: dialog.Parsed) -> dialog.Parsed:
    """The parse of the rest with its guessed day dropped: the day is what is asked."""
    needs = tuple(n for n in p.needs if n != "date")
    return dataclasses.replace(p, start=None, end=None, all_day=False, rrule=None,
                               needs=("date", *needs))


def _settled_note(t: Turn, q: clarify.Question) -> str:
    """The open question replaced by the new draft: settled as on expiry, said so."""
    settled = settle_question(t.conn, t.settings, q, t.now, t.tz, quiet=True)
    return f"\n\n{settled}\n\n" if settled else ""


def _draft(t: Turn, p: dialog.Parsed, rest: str, bad: baddate.BadDate, note: str) -> None:
    item_id, _ = items.insert(
        t.conn, chat_id=t.chat_id, inbox_id=t.row.id, type=p.intent, title=title(p.title),
        status="DRAFT", start=None, end=None, all_day=False, rrule=p.rrule, tz=t.tz,
        source_text=rest, lang=t.lang, now=t.now,
    )  # fmt: skip
    lacking = _undated(p).needs  # the day, and the time when none was said either
    ask(t, item_id, lacking, "complete")
    item = get_item(t, item_id)
    at = ""
    if p.start is not None and not p.all_day:  # "в 10": the time said is kept
        at = tr(t.lang, "baddate.at", time=hhmm(p.start, t.tz))
    today = local_day(t.now, t.tz)
    assert today is not None
    last = 28 if bad.month == 2 and bad.year is None else baddate.days_in(bad)
    example = next_day_month(today, bad.month, last) or today
    question = tr(t.lang, "baddate.which_day", shown=quote(t.lang, item.title or ""), at=at,
                  example=month_day(example, t.lang))
    keyboard = replies.question_keyboard(item, lacking, tz=t.tz, now=t.now, lang=t.lang,
                                         busy=lists_reply.busy_around(t, None))
    t.reply(note + question, keyboard, item_id)
