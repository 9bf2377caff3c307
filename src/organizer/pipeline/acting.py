"""Acting on an existing item: find it, then complete, cancel or reschedule it.

"отмени встречу с Петей", "готово: купить молоко", "перенеси созвон на 17": which item
is meant is decided by organizer.pipeline.choice (pure) among the chat's open items;
one is acted on here, several are offered as buttons, none is said so.
"""

from __future__ import annotations

from datetime import datetime

from organizer import reminders
from organizer.db import clarify, items
from organizer.pipeline import choice, lists_reply, replies
from organizer.pipeline.dialog import Parsed
from organizer.pipeline.expiry import settle_question
from organizer.pipeline.moves import new_times
from organizer.pipeline.shifts import has_new_time
from organizer.pipeline.timefmt import local_day
from organizer.pipeline.turn import Turn, ask, changed, get_item, settled


def act(t: Turn, p: Parsed) -> None:
    """cancel / complete / reschedule: the pure `choice.choose` picks the item among the
    chat's open ones (or the question to ask); one is acted on here."""
    c = choice.choose(p, items.open_items(t.conn, t.chat_id), tz=t.tz, now=t.now, lang=t.lang)
    if isinstance(c, choice.One):
        assert isinstance(c.item, items.Item)
        perform(t, c.item, p.intent, p)
    elif isinstance(c, choice.Ask):
        t.reply(c.text, c.keyboard)
    else:
        t.reply(c.text)


def perform(t: Turn, item: items.Item, intent: str, p: Parsed | None) -> None:
    if intent == "complete":
        complete(t, item)
    elif intent == "cancel":
        cancel(t, item)
    elif p is not None and has_new_time(p):
        reschedule(t, item, p)
    else:
        ask_reschedule(t, item)


def complete(t: Turn, item: items.Item) -> None:
    if item.status != "OPEN":
        t.reply(replies.already_text(item, tz=t.tz, now=t.now, lang=t.lang), item_id=item.id)
        return
    clarify.close_for_item(t.conn, item.id)
    if reminders.on_complete(t.conn, item.id, t.now):
        item = get_item(t, item.id)
        t.reply(
            replies.next_occurrence_text(item, tz=t.tz, now=t.now, lang=t.lang),
            replies.item_keyboard(item, t.lang),
            item.id,
        )
        return
    items.update(t.conn, item.id, t.now, status="DONE")
    changed(t, item.id)
    t.reply(replies.done_text(get_item(t, item.id), tz=t.tz, now=t.now, lang=t.lang),
            item_id=item.id)  # fmt: skip


def cancel(t: Turn, item: items.Item) -> None:
    if item.status not in ("OPEN", "DRAFT"):
        t.reply(replies.already_text(item, tz=t.tz, now=t.now, lang=t.lang), item_id=item.id)
        return
    if item.rrule and item.status == "OPEN":
        # a series: "only this one or the whole series?" (cxo/cxs are the reminders')
        text, keyboard = reminders.series_question(item, tz=t.tz, lang=t.lang, now=t.now)
        t.reply(text, keyboard, item.id)
        return
    clarify.close_for_item(t.conn, item.id)
    items.update(t.conn, item.id, t.now, status="CANCELLED")
    if item.type == "meeting":
        items.request_delete(t.conn, item.id, now=t.now)
    changed(t, item.id)
    t.reply(
        replies.cancelled_text(get_item(t, item.id), tz=t.tz, now=t.now, lang=t.lang),
        item_id=item.id,
    )


def reschedule(t: Turn, item: items.Item, p: Parsed) -> None:
    if item.status != "OPEN":
        t.reply(replies.already_text(item, tz=t.tz, now=t.now, lang=t.lang), item_id=item.id)
        return
    start, end, all_day = new_times(item, p, t.tz, t.now)
    move(t, item, start, end, all_day)


def move(t: Turn, item: items.Item, start: datetime, end: datetime | None, all_day: bool) -> None:
    clarify.close_for_item(t.conn, item.id)
    items.update(t.conn, item.id, t.now, start_at=start, end_at=end, all_day=all_day)
    settled(t, item.id, item.type, replies.rescheduled_text)


def ask_reschedule(t: Turn, item: items.Item) -> None:
    if item.status != "OPEN":
        t.reply(replies.already_text(item, tz=t.tz, now=t.now, lang=t.lang), item_id=item.id)
        return
    note = ""
    q = clarify.get(t.conn, t.chat_id)
    if q is not None and q.item_id != item.id and q.purpose == "complete":
        # a draft must not lose its question: settle it as on expiry (kept as a task)
        note = settle_question(t.conn, t.settings, q, t.now, t.tz, quiet=True) or ""
    ask(t, item.id, ("date", "time"), "reschedule")
    day = local_day(item.start_at, t.tz)
    times = replies.suggest_times(day, now=t.now, tz=t.tz,
                                  busy=lists_reply.busy_around(t, item.start_at))
    question = replies.reschedule_question(item, tz=t.tz, now=t.now, lang=t.lang, again=False)
    t.reply(
        (note + "\n\n" if note else "") + question,
        replies.pick_keyboard(item.id, times, tz=t.tz, now=t.now, lang=t.lang, cancel=False),
        item.id,
    )
