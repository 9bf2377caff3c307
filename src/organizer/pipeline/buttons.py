"""Button presses on the conversation's messages: done, cancel, reschedule, a picked time.

`<action>:<item_id>[:<arg>]`. One dispatcher (`Dispatcher`, the worker's handler of
callback rows) looks the prefix up in the button table (organizer.registry): this
module owns done, cancel, resched, pick, sel, undo and notes (`BUTTONS`), organizer.reminders owns
snooze, late, cxo and cxs. A series' done/cancel is handed to the reminders by
`item_button` (organizer.reminders.is_series_press decides). A press nobody can act on
is answered here as a button that no longer works. The press acts like the same
request typed, and its reply becomes a toast plus the pressed message rewritten
(`Turn.sink`).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from organizer import reminders
from organizer.db import clarify, items
from organizer.db.connect import transaction
from organizer.model import InboxRow
from organizer.pipeline import dialog, lists, lists_reply, multi, press, replies
from organizer.pipeline.acting import ask_reschedule, cancel, complete, reschedule
from organizer.pipeline.conversation import ask_again, fill_draft
from organizer.pipeline.dialog import Parsed
from organizer.pipeline.moves import pick_time, picked
from organizer.pipeline.turn import Reply, Turn, get_item, load_payload, make_turn, users_lang
from organizer.registry import ButtonHandler, Callback, Context, PermanentError

_DATA = re.compile(r"^([a-z]{1,16}):(\d{1,18})(?::([A-Za-z0-9_]{1,40}))?$")
SELECTED = {"done": "done", "cancel": "cancel", "resched": "resched"}


def parse_callback(data: str) -> tuple[str, int, str] | None:
    """'<action>:<item_id>[:<arg>]' → (action, item_id, arg), or None when malformed."""
    m = _DATA.match(data.strip())
    if not m:
        return None
    return m.group(1), int(m.group(2)), m.group(3) or ""


class Dispatcher:
    """The worker's handler of callback rows: one button table, one handler per prefix."""

    def __init__(self, table: dict[str, ButtonHandler]) -> None:
        self.table = table

    def __call__(self, ctx: Context, row: InboxRow) -> None:
        payload = load_payload(row)
        data = payload.get("data")
        if not isinstance(data, str):
            raise PermanentError("callback payload has no 'data' string")
        parsed = parse_callback(data)
        if parsed is not None:
            handler = self.table.get(parsed[0])
            if handler is not None and handler(ctx, row, Callback(*parsed)):
                return
        answer(ctx, row, payload, parsed)  # malformed, nobody's prefix, or not actionable


def item_button(ctx: Context, row: InboxRow, cb: Callback) -> bool:
    """done, cancel, resched, pick, sel; a series' done/cancel is the reminders'."""
    if reminders.is_series_press(ctx.conn, cb):
        return reminders.on_button(ctx, row, cb)
    answer(ctx, row, load_payload(row), (cb.action, cb.item_id, cb.arg))
    return True


def answer(
    ctx: Context, row: InboxRow, payload: dict[str, Any], parsed: tuple[str, int, str] | None
) -> None:
    """The press as the conversation answers it (once per row, however often processed)."""
    t = make_turn(ctx, row, payload_lang=payload.get("lang"), text=None)
    with transaction(ctx.conn):
        if not items.answered(ctx.conn, row.id):
            on_press(t, payload, parsed)
        ctx.mark_done()  # DONE commits with the reply (registry.Context.mark_done)


@dataclass
class Press:
    """The answer to a button press: a toast, and the new text of the pressed message."""

    toast: str
    text: str | None = None
    keyboard: replies.Keyboard | None = None
    item_id: int | None = None
    new_message: bool = False  # ask something: a new message instead of an edit


def on_press(t: Turn, payload: dict[str, Any], parsed: tuple[str, int, str] | None) -> None:
    item = None
    if parsed is not None and parsed[0] == lists.MORE:  # «Ещё» under the notes: a page
        text, keyboard = lists_reply.notes_page(t, parsed[1])
        _answer(t, payload, Press(text.split("\n", 1)[0], text, keyboard))
        return
    if parsed is not None:
        item = items.get(t.conn, parsed[1])
        if item is not None and item.chat_id != t.chat_id:
            item = None  # another chat's item is, for this chat, no item at all
        if item is not None and item.lang and not users_lang(t):
            t.lang = item.lang
    if parsed is None:
        result = Press(replies.unknown_button_text(t.lang))
    elif item is None:
        result = Press(replies.gone_text(t.lang))
    else:
        result = button_action(t, item, parsed[0], parsed[2])
    _answer(t, payload, result)


def _answer(t: Turn, payload: dict[str, Any], r: Press) -> None:
    press.toast(t.conn, t.row, t.now, r.toast, payload, r.item_id)
    if r.text is None:
        return
    message_id = payload.get("message_id")
    if r.new_message or not isinstance(message_id, int):
        t.reply(r.text, r.keyboard, r.item_id)
        return
    press.edit(t.conn, t.row, t.now, r.text, message_id, r.keyboard, r.item_id, by_source=True)


def _run(cap: Turn, item: items.Item, action: str, arg: str) -> bool | None:
    """Carry the press out on `cap`; None when the button makes no sense (any more),
    else whether the answer asks something (a new message instead of an edit)."""
    if action == "done":
        if item.status == "DRAFT":
            return None
        complete(cap, item)
    elif action == "cancel":
        cancel(cap, item)
    elif action == "resched":
        if item.status != "DRAFT":
            ask_reschedule(cap, item)
            return True
        q = clarify.get(cap.conn, cap.chat_id)
        if q is None or q.item_id != item.id:
            return None
        ask_again(cap, q)
        return True
    elif action == "pick":
        when = pick_time(arg, cap.tz)
        if when is None:
            return None
        if item.status == "DRAFT":
            pick_for_draft(cap, item, when)
        else:
            reschedule(cap, item, picked(item, when))
    else:
        return None
    return False


def button_action(t: Turn, item: items.Item, action: str, arg: str) -> Press:
    captured: list[Reply] = []
    cap = dataclasses.replace(t, sink=captured.append)
    if action == "sel":
        action = SELECTED.get(arg, "")
    undo = action == "undo"  # an Undo under a list of items (pipeline/multi.py): a cancel
    new_message = _run(cap, item, "cancel" if undo else action, arg)
    if new_message is None:
        return Press(replies.unknown_button_text(t.lang), item_id=item.id)
    text, keyboard = (captured[-1].text, captured[-1].keyboard) if captured else ("", None)
    toast = text.split("\n", 1)[0]
    listed = multi.relist(t, item.id) if undo else None
    if listed is not None and get_item(t, item.id).status != "OPEN":
        text, keyboard = listed  # the list stays, with this line changed
    elif undo:
        new_message = True  # a series asks "only this one?": the list stays as it was
    return Press(toast, text, keyboard, item.id, new_message)


def pick_for_draft(t: Turn, item: items.Item, when: datetime) -> None:
    """An offered time for a draft: the draft is complete with it."""
    p = Parsed(item.type, item.title, when, None, False, item.rrule, ())
    q = clarify.get(t.conn, t.chat_id)
    if q is None or q.item_id != item.id:
        q = clarify.Question(t.chat_id, item.id, ("date", "time"), "complete", 1, t.lang, None,
                             t.now, t.now)  # fmt: skip
    if item.title is None:
        t.reply(replies.question_text(item, ("title",), tz=t.tz, now=t.now, lang=t.lang,
                                      again=False))  # fmt: skip
        return
    fill_draft(t, dialog.FillDraft(item.id, p, ()), "", q)


def page_button(ctx: Context, row: InboxRow, cb: Callback) -> bool:
    """«Ещё» under a list of notes: the next page, in place."""
    answer(ctx, row, load_payload(row), (cb.action, cb.item_id, cb.arg))
    return True


# This module's part of the button table (organizer.registry.button_table).
BUTTONS: dict[str, ButtonHandler] = {
    **dict.fromkeys(("done", "cancel", "resched", "pick", "sel", "undo"), item_button),
    lists.MORE: page_button,
}
