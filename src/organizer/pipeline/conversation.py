"""A text message (typed, or a voice note's transcript): decide, then act.

The meaning is decided by the pure `dialog.decide` (a new item, a draft and its
question, the answer to an open question, an act on an existing item, an agenda
question …); `apply` carries the decision out: items, the clarifying question,
reminders and the reply, all in the caller's one transaction.
"""

from __future__ import annotations

import dataclasses
import logging

from organizer.db import clarify, items
from organizer.pipeline import (
    baddate,
    dialog,
    followup,
    keep,
    lists_reply,
    multi,
    referent,
    replies,
    reports,
)
from organizer.pipeline.acting import act, reschedule
from organizer.pipeline.agenda_reply import show_agenda
from organizer.pipeline.dialog import Parsed
from organizer.pipeline.expiry import settle_expired, settle_question
from organizer.pipeline.moves import fields, missing
from organizer.pipeline.timefmt import local_day
from organizer.pipeline.turn import (
    MAX_PARSE_CHARS,
    Turn,
    ask,
    changed,
    clean_text,
    get_item,
    parse,
    settled,
    title,
)

log = logging.getLogger(__name__)


def _open_question(
    t: Turn, q: clarify.Question | None
) -> tuple[clarify.Question | None, dialog.OpenQuestion | None, items.Item | None]:
    """The chat's open question with its item, closed when the item is gone or done."""
    if q is None:
        return None, None, None
    item = items.get(t.conn, q.item_id)
    if item is None or item.status not in ("DRAFT", "OPEN"):
        clarify.close(t.conn, t.chat_id)
        return None, None, item
    question = dialog.OpenQuestion(
        item_id=item.id,
        purpose=q.purpose,
        missing=q.missing,
        item_type=item.type,
        item_title=item.title,
        item_start=item.start_at,
        item_all_day=item.all_day,
    )
    if q.lang:
        t.lang = q.lang
    return q, question, item


def process_text(t: Turn, text: str) -> None:
    """Decide and act on one message (inside the caller's transaction)."""
    open_q = clarify.get(t.conn, t.chat_id)  # read once per message (issue 19)
    if open_q is not None and open_q.expired(t.now):
        settle_expired(t.conn, t.settings, t.now, chat_id=t.chat_id)
        open_q = clarify.get(t.conn, t.chat_id)
    clean = clean_text(text)
    if not clean:
        t.reply(replies.empty_text(t.lang))
        return
    if keep.paste_as_note(t, text):  # a long pasted text is a note (pipeline/longtext.py)
        return
    clean = clean[:MAX_PARSE_CHARS]
    q, question, item = _open_question(t, open_q)
    if q is not None and keep.unsure_answer(t, q, clean):  # «не знаю» (pipeline/unsure.py)
        return
    if q is not None:
        clean = keep.answer_text(clean)  # «в 15, но не уверен»: the hedge is no item
    if baddate.handle(t, q, question, clean, ask_again):  # «31 апреля» (pipeline/baddate.py)
        return
    if multi.create_all(t, text, q):  # several items in one message (pipeline/multi.py)
        return
    combined: dialog.Combined = None
    alone = parse(clean, t.now, t.tz, t.settings.canon_path)
    if alone.intent == "complete" and reports.complete_all(t, clean):  # "paid X and did Y"
        return
    alone, ref = followup.prepare(t, alone, clean, question)  # "it", "на 17" about an item
    if alone.start is not None and not alone.all_day and not dialog.says_date(clean):
        alone = dataclasses.replace(alone, date_said=False)
    if q is not None and q.purpose == "complete" and item is not None and item.source_text:
        # a comma between them: "… at 11" + "march 2 at 11" is no "11 march"
        both = f"{item.source_text}, {clean}"[:MAX_PARSE_CHARS]
        # parsed only if the decision uses it (dialog._fill): most answers never get there
        # one item: the draft's words and the answer ("… в 10 встреча …" twice) never cut
        combined = lambda: parse(both, t.now, t.tz, t.settings.canon_path, whole=True)  # noqa: E731
    decision = referent.decide(alone, question, ref, t.now, combined)
    t.suffix = lists_reply.waiting_suffix(t, q, decision)
    log.info(
        "inbox id=%d chat=%d intent=%s decision=%s",
        t.row.id,
        t.chat_id,
        alone.intent,
        type(decision).__name__,
    )
    apply(t, decision, clean, q)


def apply(
    t: Turn, d: dialog.Decision | referent.ActOn | referent.AskWhich, text: str,
    q: clarify.Question | None,
) -> None:
    if followup.apply(t, d):
        return
    if isinstance(d, dialog.NewItem):
        new_item(t, d.parsed, text)
    elif isinstance(d, dialog.NewDraft):
        note = ""
        if d.replaces is not None and q is not None:
            note = settle_question(t.conn, t.settings, q, t.now, t.tz, quiet=True) or ""
        new_draft(t, d.parsed, text, note=note)
    elif isinstance(d, dialog.FillDraft):
        assert q is not None
        fill_draft(t, d, text, q)
    elif isinstance(d, dialog.Reschedule):
        item = get_item(t, d.item_id)
        clarify.close(t.conn, t.chat_id)
        reschedule(t, item, d.parsed)
    elif isinstance(d, dialog.AskAgain):
        assert q is not None
        ask_again(t, q)
    elif isinstance(d, dialog.CancelQuestion):
        cancel_question(t)
    elif isinstance(d, dialog.Act):
        act(t, d.parsed)
    elif isinstance(d, dialog.Agenda):
        show_agenda(t, d.parsed, text)
    elif isinstance(d, lists_reply.LISTING):
        lists_reply.show(t, d)
    else:
        t.reply(replies.unknown_text(t.lang))


def _insert(t: Turn, p: Parsed, text: str, status: str, f: dict[str, object]) -> int:
    """The item for this inbox row (unique on inbox_id, so a replay finds the same one)."""
    item_id, _ = items.insert(
        t.conn,
        chat_id=t.chat_id,
        inbox_id=t.row.id,
        type=p.intent,
        title=title(p.title),
        status=status,
        start=f["start_at"],
        end=f["end_at"],
        all_day=f["all_day"],
        rrule=f["rrule"],
        tz=t.tz,
        source_text=text,
        lang=t.lang,
        now=t.now,
    )
    return item_id


def new_item(t: Turn, p: Parsed, text: str) -> None:
    item_id = _insert(t, p, text, "OPEN", fields(p.intent, p, t.tz))
    settled(t, item_id, p.intent, replies.created_text)


def question_keyboard(t: Turn, item: items.Item, lacking: tuple[str, ...]) -> replies.Keyboard:
    busy = lists_reply.busy_around(t, item.start_at)
    return replies.question_keyboard(item, lacking, tz=t.tz, now=t.now, lang=t.lang, busy=busy)


def new_draft(t: Turn, p: Parsed, text: str, *, note: str = "") -> None:
    f = fields(p.intent, p, t.tz)
    if p.intent == "meeting" and "time" in p.needs:
        f["end_at"] = None
    item_id = _insert(t, p, text, "DRAFT", f)
    lacking = missing(p)
    ask(t, item_id, lacking, "complete")
    item = get_item(t, item_id)
    question = replies.question_text(item, lacking, tz=t.tz, now=t.now, lang=t.lang, again=False)
    t.reply(
        (note + "\n\n" if note else "") + question, question_keyboard(t, item, lacking), item_id
    )


def fill_draft(t: Turn, d: dialog.FillDraft, text: str, q: clarify.Question) -> None:
    item = get_item(t, d.item_id)
    p = d.parsed
    f = fields(item.type, p, t.tz)
    source = f"{item.source_text or ''} {text}".strip()[:MAX_PARSE_CHARS]
    if d.missing:
        if item.type == "meeting" and "time" in d.missing:
            f["end_at"] = None
        items.update(
            t.conn, item.id, t.now, title=title(p.title) or item.title, source_text=source, **f
        )
        ask(t, item.id, d.missing, "complete", asks=q.asks + 1)
        item = get_item(t, item.id)
        t.reply(
            replies.question_text(item, d.missing, tz=t.tz, now=t.now, lang=t.lang, again=False),
            question_keyboard(t, item, d.missing),
            item.id,
        )
        return
    items.update(
        t.conn,
        item.id,
        t.now,
        status="OPEN",
        title=title(p.title) or item.title,
        source_text=source,
        **f,
    )
    clarify.close(t.conn, t.chat_id)
    settled(t, item.id, item.type, replies.created_text)


def ask_again(t: Turn, q: clarify.Question, note: str = "") -> None:
    """The open question once more; `note` says why first (pipeline/baddate.py)."""
    item = get_item(t, q.item_id)
    ask(t, item.id, q.missing, q.purpose, asks=q.asks + 1)
    if q.purpose == "reschedule":
        text = replies.reschedule_question(item, tz=t.tz, now=t.now, lang=t.lang,
                                           again=not note)
        busy = lists_reply.busy_around(t, item.start_at)
        times = replies.suggest_times(local_day(item.start_at, t.tz), now=t.now, tz=t.tz,
                                      busy=busy)
        t.reply(
            note + text,
            replies.pick_keyboard(item.id, times, tz=t.tz, now=t.now, lang=t.lang, cancel=False),
        )
        return
    text = replies.question_text(item, q.missing, tz=t.tz, now=t.now, lang=t.lang,
                                 again=not note)
    t.reply(note + text, question_keyboard(t, item, q.missing), item.id)


def cancel_question(t: Turn) -> None:
    q = clarify.get(t.conn, t.chat_id)
    if q is None:
        t.reply(replies.question_closed_text(t.lang, None))
        return
    clarify.close(t.conn, t.chat_id)
    item = items.get(t.conn, q.item_id)
    if item is None:
        t.reply(replies.question_closed_text(t.lang, None))
        return
    if q.purpose == "complete" and item.status == "DRAFT":
        items.update(t.conn, item.id, t.now, status="CANCELLED")
        changed(t, item.id)
        t.reply(replies.question_closed_text(t.lang, item.title), item_id=item.id)
        return
    text = replies.left_as_is_text(item, tz=t.tz, now=t.now, lang=t.lang)
    t.reply(text, replies.item_keyboard(item, t.lang), item.id)
