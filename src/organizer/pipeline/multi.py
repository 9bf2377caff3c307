"""Several items in one message: all created at once, one reply, an Undo for each.

"в понедельник в 10 планёрка и в среду в 10 планёрка", "завтра купить хлеб и в 18
позвонить маме", a numbered list: the parser cuts the message into items
(organizer.parsing.split; `ParseResult.items`). Here every item is created in the
caller's one transaction (all or nothing), and one reply lists them, each with an Undo
button (`undo:<id>`: the item is cancelled like with its Cancel button, and the list is
shown again with that line changed).

An item that lacks what it needs (a meeting without its time) becomes the draft of the
usual clarifying question, asked in the same reply after the others are created. Only
one question can be open in a chat, so a second incomplete item is kept the way an
unanswered draft is (a task on its day, without a time). An open question of the chat
stays open when every item is complete, and is settled as on expiry (kept as a task)
when a new question replaces it, as for a single new item (docs/PIPELINE.md).
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from organizer.db import batches, clarify, items
from organizer.pipeline import replies
from organizer.pipeline.dialog import CREATABLE, Parsed
from organizer.pipeline.expiry import settle_question
from organizer.pipeline.moves import fields, missing
from organizer.pipeline.turn import MAX_PARSE_CHARS, Turn, ask, changed, get_item, title

log = logging.getLogger(__name__)


def parts_of(t: Turn, text: str) -> list[tuple[Parsed, str]]:
    """The message's items with the text each was read from; [] for a single item.
    `text` is the message as sent: its new lines separate list items."""
    from organizer.canon import load_canon
    from organizer.parsing import parse as parse_text

    try:
        canon = load_canon(t.settings.canon_path)
        result = parse_text(text[:MAX_PARSE_CHARS], t.now.astimezone(ZoneInfo(t.tz)), t.tz, canon)
    except Exception:
        log.exception("parser failed on %d characters; read as one item", len(text))
        return []
    out = [(Parsed.from_result(i), i.text or "") for i in result.items]
    return out if len(out) >= 2 and all(p.intent in CREATABLE for p, _ in out) else []


def create_all(t: Turn, text: str, q: clarify.Question | None) -> bool:
    """Create every item of a message of several (inside the caller's transaction) and
    answer once; False when the message is one item (the caller goes on as usual)."""
    found = parts_of(t, text)
    if not found:
        return False
    created: list[int] = []
    draft: tuple[int, tuple[str, ...]] | None = None
    for pos, (p, source) in enumerate(found):
        inbox_id = t.row.id if pos == 0 else None  # items.inbox_id is UNIQUE: the first
        if p.complete:
            created.append(_insert(t, p, source, "OPEN", inbox_id))
        elif draft is None:
            item_id = _insert(t, p, source, "DRAFT", inbox_id)
            draft = (item_id, missing(p))
            created.append(item_id)
        else:
            created.append(_insert(t, _as_dated_task(p), source, "OPEN", inbox_id))
    batches.add(t.conn, t.row.id, created)
    for item_id in created:
        _settle(t, item_id)
    note = ""
    if draft is not None:
        if q is not None and q.purpose == "complete":
            note = settle_question(t.conn, t.settings, q, t.now, t.tz, quiet=True) or ""
        ask(t, draft[0], draft[1], "complete")
    _reply(t, created, draft, note)
    log.info("inbox id=%d chat=%d several items: %d", t.row.id, t.chat_id, len(created))
    return True


def _insert(t: Turn, p: Parsed, source: str, status: str, inbox_id: int | None) -> int:
    f = fields(p.intent, p, t.tz)
    if status == "DRAFT" and p.intent == "meeting" and "time" in p.needs:
        f["end_at"] = None
    item_id, _ = items.insert(
        t.conn, chat_id=t.chat_id, inbox_id=inbox_id, type=p.intent, title=title(p.title),
        status=status, start=f["start_at"], end=f["end_at"], all_day=f["all_day"],
        rrule=f["rrule"], tz=t.tz, source_text=source[:MAX_PARSE_CHARS], lang=t.lang,
        now=t.now,
    )  # fmt: skip
    return item_id


def _as_dated_task(p: Parsed) -> Parsed:
    """A second incomplete item, kept as an unanswered draft is: a task on its day (if
    one was said), without a time."""
    return Parsed("task", p.title, p.start, None, p.start is not None, p.rrule, (),
                  p.date_said)  # fmt: skip


def _settle(t: Turn, item_id: int) -> None:
    """An open item's calendar request and reminders (what `turn.settled` does, without
    a reply of its own)."""
    item = get_item(t, item_id)
    if item.status != "OPEN":
        return
    if item.type == "meeting":
        items.request_upsert(t.conn, item_id, backend=t.settings.calendar_backend, now=t.now)
    changed(t, item_id)


def _reply(
    t: Turn, created: list[int], draft: tuple[int, tuple[str, ...]] | None, note: str
) -> None:
    listed = [get_item(t, i) for i in created]
    # the draft is not listed: its question follows
    shown = [i for i in listed if i.status != "DRAFT"]
    text = replies.several_text(shown, tz=t.tz, now=t.now, lang=t.lang)
    keyboard = replies.undo_keyboard(listed, tz=t.tz, now=t.now, lang=t.lang)
    if draft is not None:
        item = get_item(t, draft[0])
        text += "\n\n" + replies.question_text(
            item, draft[1], tz=t.tz, now=t.now, lang=t.lang, again=False
        )
        keyboard += replies.question_keyboard(item, draft[1], tz=t.tz, now=t.now, lang=t.lang)
    if note:
        text = note + "\n\n" + text
    t.reply(text, keyboard, draft[0] if draft is not None else created[0])


def relist(t: Turn, item_id: int) -> tuple[str, replies.Keyboard] | None:
    """The list message of the items created with `item_id`, as they stand now (after an
    Undo); None when the item was created alone."""
    ids = batches.siblings(t.conn, item_id)
    if not ids:
        return None
    listed = [i for i in (items.get(t.conn, x) for x in ids) if i is not None]
    text = replies.several_text(listed, tz=t.tz, now=t.now, lang=t.lang)
    return text, replies.undo_keyboard(listed, tz=t.tz, now=t.now, lang=t.lang)
