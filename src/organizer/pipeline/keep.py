"""Keeping what has no time: a draft answered «не знаю», a long paste kept as a note.

The shell side of pipeline/unsure.py and pipeline/longtext.py (both pure), hooked into
conversation.process_text. Each runs in the caller's one transaction.

A draft answered «не знаю» / "whenever" becomes OPEN as it is: a task without a date,
or a meeting whose time is to be set (its day kept when one was said). Such a meeting is
not sent to the calendar (no request_upsert): it gets an event once it gets a time
(a reschedule goes through `settled`, which requests the upsert).
"""

from __future__ import annotations

from organizer.db import clarify, items
from organizer.pipeline import replies
from organizer.pipeline.longtext import is_paste, note_title
from organizer.pipeline.turn import MAX_PARSE_CHARS, Turn, changed, get_item, parse
from organizer.pipeline.unsure import beside_hedge, is_unsure, unwrapped

# A paste is kept whole; this only bounds what one message can store (Telegram sends at
# most 4,096 characters, `organizer chat` lines are unbounded).
MAX_NOTE_CHARS = 20_000


def unsure_answer(t: Turn, q: clarify.Question, text: str) -> bool:
    """«не знаю» as the answer to the open question: handled here (True) or not."""
    if not is_unsure(text):
        return _day_beside_hedge(t, q, text)
    item = items.get(t.conn, q.item_id)
    if item is None or item.status not in ("DRAFT", "OPEN"):
        return False
    clarify.close(t.conn, t.chat_id)
    if q.purpose != "complete" or item.status != "DRAFT":
        # "на когда перенести?" — «не знаю»: the item stays as it was
        t.reply(replies.left_as_is_text(item, tz=t.tz, now=t.now, lang=t.lang),
                replies.item_keyboard(item, t.lang), item.id)  # fmt: skip
        return True
    if "title" in q.missing and not item.title:
        items.update(t.conn, item.id, t.now, status="CANCELLED")
        changed(t, item.id)
        t.reply(replies.question_closed_text(t.lang, None), item_id=item.id)
        return True
    all_day = item.start_at is not None
    items.update(t.conn, item.id, t.now, status="OPEN", end_at=None, all_day=all_day)
    changed(t, item.id)
    item = get_item(t, item.id)
    t.reply(replies.kept_untimed_text(item, tz=t.tz, now=t.now, lang=t.lang),
            replies.item_keyboard(item, t.lang), item.id)  # fmt: skip
    return True


def _day_beside_hedge(t: Turn, q: clarify.Question, text: str) -> bool:
    """«в субботу, время пока не знаю»: the day said is kept, the draft saved without a
    time (a time said after all — «в 15, но это не точно» — is an ordinary answer)."""
    if q.purpose != "complete":
        return False
    rest = beside_hedge(text)
    if rest is None:  # most answers: the item is not read
        return False
    item = items.get(t.conn, q.item_id)
    if item is None or item.status != "DRAFT":
        return False
    p = parse(f"{item.source_text or ''} {rest}"[:MAX_PARSE_CHARS], t.now, t.tz,
              t.settings.canon_path)  # fmt: skip
    if p.start is None or not p.all_day or p.intent not in ("task", "meeting"):
        return False
    clarify.close(t.conn, t.chat_id)
    items.update(t.conn, item.id, t.now, status="OPEN", start_at=p.start, end_at=None,
                 all_day=True)  # fmt: skip
    changed(t, item.id)
    item = get_item(t, item.id)
    t.reply(replies.kept_untimed_text(item, tz=t.tz, now=t.now, lang=t.lang),
            replies.item_keyboard(item, t.lang), item.id)  # fmt: skip
    return True


def answer_text(text: str) -> str:
    """An answer to an open question without its hedge: «в 15, но это не точно» → «в 15»
    (else the hedge would be read as a new item's title), and without the fillers it is
    wrapped in ("march 2 at 11 then" → "march 2 at 11")."""
    text = beside_hedge(text) or text
    return unwrapped(text)


def paste_as_note(t: Turn, text: str) -> bool:
    """A long pasted text (pipeline/longtext.py) saved as a note: True when it was one."""
    body = text.strip()
    if not is_paste(body):
        return False
    body = body[:MAX_NOTE_CHARS]
    item_id, _ = items.insert(
        t.conn,
        chat_id=t.chat_id,
        inbox_id=t.row.id,
        type="note",
        title=note_title(body),
        status="OPEN",
        start=None,
        end=None,
        all_day=False,
        rrule=None,
        tz=t.tz,
        source_text=body,
        lang=t.lang,
        now=t.now,
    )
    item = get_item(t, item_id)
    t.reply(replies.paste_note_text(item, len(body), t.lang), replies.item_keyboard(item, t.lang),
            item_id)  # fmt: skip
    return True
