"""The shell of the lists lane (issue 16 #8, #12): reads, then the pure organizer.pipeline.lists.

- «какие у меня задачи» → the open tasks (dated by date, then undated), as /tasks;
  «покажи заметки» → the notes, newest first, PAGE at a time («Ещё» button `notes:<page>`);
  «найди про стоматолога» → titles and note texts searched.
- `busy_around`: the intervals suggested times must skip (organizer.pipeline.busy).
- `waiting_suffix`: an open question asked before a restart, shown again under the reply
  to a message that leaves it open; `shown`: the question was shown by this process.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from organizer.db import clarify, items
from organizer.db import lists as lists_db
from organizer.pipeline import agenda, busy, dialog, lists, replies

if TYPE_CHECKING:  # turn imports this module: a type only, no import cycle at run time
    from organizer.pipeline.turn import Turn

MAX_SEARCHED = 500  # the chat's newest open items a search looks through
LISTING = (lists.ShowList, lists.Search)


def show(t: Turn, d: lists.ShowList | lists.Search) -> None:
    if isinstance(d, lists.Search):
        found = items.open_items(t.conn, t.chat_id, limit=MAX_SEARCHED)
        hits = lists.search(d.query, found, [i.source_text for i in found])
        t.reply(lists.render_found(d.query, hits, tz=t.tz, lang=t.lang))
    elif d.what == "tasks":
        tasks = items.open_tasks(t.conn, t.chat_id)
        text = agenda.render_tasks(tasks, tz=t.tz, now=t.now, lang=t.lang)
        t.reply(text, agenda.agenda_keyboard(tasks, t.lang))
    else:
        t.reply(*notes_page(t, 0))


def notes_page(t: Turn, page: int) -> tuple[str, replies.Keyboard]:
    """Page `page` of the chat's notes (also the «Ещё» button's answer)."""
    page = max(0, min(page, lists.MAX_PAGES))
    notes, total = lists_db.notes_page(
        t.conn, t.chat_id, offset=page * lists.PAGE, limit=lists.PAGE
    )
    if not notes and total:
        page = (total - 1) // lists.PAGE  # a stale button past the end: the last page
        notes, total = lists_db.notes_page(
            t.conn, t.chat_id, offset=page * lists.PAGE, limit=lists.PAGE
        )
    return lists.render_notes(
        notes, [n.created_at for n in notes], page=page, total=total, tz=t.tz, lang=t.lang
    )


def busy_around(t: Turn, at: datetime | None) -> list[lists.Interval]:
    """The intervals suggested times (around the item's day `at`) must skip."""
    return busy.busy(t.conn, t.chat_id, t.tz, t.now, at)


def shown(t: Turn) -> None:
    """The chat's open question was (re)asked by this process."""
    lists_db.mark_shown(t.conn, t.chat_id, lists.PROCESS)


def _leaves_question(d: dialog.Decision, q: clarify.Question) -> bool:
    """Does carrying `d` out leave the open question as it is (and say nothing of it)?"""
    if isinstance(d, (dialog.NewItem, dialog.Agenda, *LISTING)):
        return True
    if isinstance(d, dialog.Act):
        # a draft's question is untouched by acts on OPEN items; a reschedule question's
        # item may be the one acted on, and "перенеси X" with no time asks anew
        return q.purpose == "complete" and (d.parsed.intent != "reschedule" or
                                            d.parsed.start is not None)
    return False


def waiting_suffix(t: Turn, q: clarify.Question | None, d: dialog.Decision) -> str:
    """'\\n\\nКстати, я всё ещё жду ответа. Когда «Встреча с Петей»? …' once, when the
    question was last shown by another process (before a restart); '' otherwise."""
    if q is None:
        return ""
    leaves = _leaves_question(d, q)
    if not lists.nudge_due(leaves_question=leaves, shown_by=lists_db.shown_by(t.conn, t.chat_id),
                           me=lists.PROCESS):
        return ""
    item = items.get(t.conn, q.item_id)
    if item is None:
        return ""
    if q.purpose == "reschedule":
        text = replies.reschedule_question(item, tz=t.tz, now=t.now, lang=t.lang, again=False)
    else:
        text = replies.question_text(item, q.missing, tz=t.tz, now=t.now, lang=t.lang,
                                     again=False)
    shown(t)
    return "\n\n" + replies.still_waiting_text(text, t.lang)
