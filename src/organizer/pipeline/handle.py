"""The worker's handlers for inbox kinds text, voice, callback and command.

One inbox row = one short transaction holding every effect (item, clarify, calendar
request, reminders hook) AND the outbox reply. The reply's dedup_key is tied to the
row (`reply:<inbox_id>` …), and a row that already has an outbox row is skipped, so a
message processed twice after a crash is acted on once and answered once.
The meaning of a message is decided by the pure `dialog.decide`; this module does I/O.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from organizer import reminders
from organizer.config import Settings
from organizer.db import clarify, items, outbox, users
from organizer.db.connect import transaction
from organizer.model import InboxRow, to_db
from organizer.pipeline import agenda, dialog, matching, replies
from organizer.pipeline.dialog import Parsed
from organizer.worker import Context, PermanentError

log = logging.getLogger(__name__)

MAX_PARSE_CHARS = 1000
MAX_TITLE_CHARS = 300
DEFAULT_MEETING = timedelta(hours=1)
_SPACES = re.compile(r"\s+")


# ---------------------------------------------------------------- helpers


def load_payload(row: InboxRow) -> dict[str, Any]:
    try:
        payload = json.loads(row.payload)
    except (TypeError, ValueError) as e:
        raise PermanentError(f"payload is not JSON: {e}") from None
    if not isinstance(payload, dict):
        raise PermanentError(f"payload is {type(payload).__name__}, not an object")
    return payload


def parse(text: str, now: datetime, tz: str, canon_path: Path | None = None) -> Parsed:
    """The parser (organizer.parsing.parse), normalised; never raises for odd text."""
    from organizer.canon import load_canon
    from organizer.parsing import parse as parse_text

    try:
        canon = load_canon(canon_path)  # cached per path; CANON_PATH was checked at start
        return Parsed.from_result(parse_text(text, now.astimezone(ZoneInfo(tz)), tz, canon))
    except Exception:
        log.exception("parser failed on %d characters; treated as unknown", len(text))
        return Parsed("unknown", None, None, None, False, None, ())


def clean_text(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _title(text: str | None) -> str | None:
    if not text:
        return None
    text = text.strip()
    if not text:
        return None
    text = text[0].upper() + text[1:]
    return text if len(text) <= MAX_TITLE_CHARS else text[: MAX_TITLE_CHARS - 1] + "…"


@dataclass
class Turn:
    """One inbox row being handled: where to answer, in which zone and language."""

    conn: sqlite3.Connection
    settings: Settings
    row: InboxRow
    now: datetime
    tz: str
    lang: str
    prefix: str = ""  # e.g. the voice transcript, shown before the answer

    @property
    def chat_id(self) -> int:
        return self.row.chat_id

    def reply(
        self, text: str, keyboard: replies.Keyboard | None = None, item_id: int | None = None
    ) -> None:
        outbox.enqueue(
            self.conn,
            chat_id=self.chat_id,
            text=self.prefix + text,
            now=self.now,
            dedup_key=f"reply:{self.row.id}",
            keyboard=keyboard or None,
            item_id=item_id,
            inbox_id=self.row.id,
        )

    def describe(self, item: items.Item) -> str:
        return replies.describe(item, tz=self.tz, now=self.now, lang=self.lang)


def _turn(ctx: Context, row: InboxRow, *, payload_lang: Any, text: str | None) -> Turn:
    tz = users.tz_for(ctx.conn, row.chat_id, ctx.settings.organizer_tz)
    user = users.get(ctx.conn, row.chat_id)
    lang = replies.pick_lang(
        user_lang=user.lang if user else None,
        payload_lang=payload_lang if isinstance(payload_lang, str) else None,
        text=text,
    )
    return Turn(ctx.conn, ctx.settings, row, ctx.now, tz, lang)


def _changed(t: Turn, item_id: int) -> None:
    reminders.on_item_changed(t.conn, item_id, t.now)


def _settled(t: Turn, item_id: int, item_type: str, text: Callable[..., str]) -> None:
    """An item got its final fields: calendar request, reminders, and the card reply."""
    if item_type == "meeting":
        items.request_upsert(t.conn, item_id, backend=t.settings.calendar_backend, now=t.now)
    _changed(t, item_id)
    item = _get(t, item_id)
    t.reply(
        text(item, tz=t.tz, now=t.now, lang=t.lang),
        replies.item_keyboard(item, t.lang),
        item_id,
    )


def _get(t: Turn, item_id: int) -> items.Item:
    item = items.get(t.conn, item_id)
    assert item is not None
    return item


# ---------------------------------------------------------------- text


def handle_text(ctx: Context, row: InboxRow) -> None:
    payload = load_payload(row)
    text = payload.get("text")
    if not isinstance(text, str):
        raise PermanentError("text payload has no 'text' string")
    t = _turn(ctx, row, payload_lang=payload.get("lang"), text=text)
    with transaction(ctx.conn):
        if items.answered(ctx.conn, row.id):
            log.info("inbox id=%d already answered; nothing to redo", row.id)
            return
        process_text(t, text)


def process_text(t: Turn, text: str) -> None:
    """Decide and act on one message (inside the caller's transaction)."""
    settle_expired(t.conn, t.settings, t.now, chat_id=t.chat_id)
    clean = clean_text(text)
    if not clean:
        t.reply(replies.empty_text(t.lang))
        return
    clean = clean[:MAX_PARSE_CHARS]
    q = clarify.get(t.conn, t.chat_id)
    question: dialog.OpenQuestion | None = None
    combined: Parsed | None = None
    item: items.Item | None = None
    if q is not None:
        item = items.get(t.conn, q.item_id)
        if item is None or item.status not in ("DRAFT", "OPEN"):
            clarify.close(t.conn, t.chat_id)
            q = None
        else:
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
    alone = parse(clean, t.now, t.tz, t.settings.canon_path)
    if alone.start is not None and not alone.all_day and not dialog.says_date(clean):
        alone = dataclasses.replace(alone, date_said=False)
    if q is not None and q.purpose == "complete" and item is not None and item.source_text:
        combined = parse(
            f"{item.source_text} {clean}"[:MAX_PARSE_CHARS], t.now, t.tz, t.settings.canon_path
        )
    decision = dialog.decide(alone, question, combined)
    log.info(
        "inbox id=%d chat=%d intent=%s decision=%s",
        t.row.id,
        t.chat_id,
        alone.intent,
        type(decision).__name__,
    )
    apply(t, decision, clean, q)


def apply(t: Turn, d: dialog.Decision, text: str, q: clarify.Question | None) -> None:
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
        item = _get(t, d.item_id)
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
    else:
        t.reply(replies.unknown_text(t.lang))


def _fields(t: Turn, item_type: str, p: Parsed) -> dict[str, Any]:
    """start/end/all_day/rrule for an item of `item_type` from parse fields."""
    start, end, all_day = p.start, p.end, p.all_day
    if item_type == "note":
        return {"start_at": None, "end_at": None, "all_day": False, "rrule": None}
    if item_type == "meeting" and start is not None and end is None:
        if all_day:
            day = start.astimezone(ZoneInfo(t.tz)).date()
            end = _midnight(day + timedelta(days=1), t.tz)
        else:
            end = start + DEFAULT_MEETING
    return {"start_at": start, "end_at": end, "all_day": all_day, "rrule": p.rrule}


def _midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, datetime.min.time(), ZoneInfo(tz))


def _insert(t: Turn, p: Parsed, text: str, status: str, f: dict[str, Any]) -> int:
    """The item for this inbox row (unique on inbox_id, so a replay finds the same one)."""
    item_id, _ = items.insert(
        t.conn,
        chat_id=t.chat_id,
        inbox_id=t.row.id,
        type=p.intent,
        title=_title(p.title),
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
    f = _fields(t, p.intent, p)
    item_id = _insert(t, p, text, "OPEN", f)
    _settled(t, item_id, p.intent, replies.created_text)


def _question_keyboard(t: Turn, item: items.Item, missing: tuple[str, ...]) -> replies.Keyboard:
    if "title" in missing:
        return [[replies.button("Отменить" if t.lang == "ru" else "Cancel", f"cancel:{item.id}")]]
    day = item.start_at.astimezone(ZoneInfo(t.tz)).date() if item.start_at else None
    times = replies.suggest_times(day, now=t.now, tz=t.tz)
    return replies.pick_keyboard(item.id, times, tz=t.tz, now=t.now, lang=t.lang)


def _missing(p: Parsed) -> tuple[str, ...]:
    known = tuple(n for n in p.needs if n in ("date", "time", "title"))
    return known or ("date",)


def new_draft(t: Turn, p: Parsed, text: str, *, note: str = "") -> None:
    f = _fields(t, p.intent, p)
    if p.intent == "meeting" and "time" in p.needs:
        f["end_at"] = None
    item_id = _insert(t, p, text, "DRAFT", f)
    missing = _missing(p)
    clarify.ask(
        t.conn,
        chat_id=t.chat_id,
        item_id=item_id,
        missing=missing,
        purpose="complete",
        inbox_id=t.row.id,
        lang=t.lang,
        now=t.now,
        ttl_s=t.settings.clarify_ttl_sec,
    )
    item = _get(t, item_id)
    question = replies.question_text(item, missing, tz=t.tz, now=t.now, lang=t.lang, again=False)
    t.reply(
        (note + "\n\n" if note else "") + question, _question_keyboard(t, item, missing), item_id
    )


def fill_draft(t: Turn, d: dialog.FillDraft, text: str, q: clarify.Question) -> None:
    item = _get(t, d.item_id)
    p = d.parsed
    f = _fields(t, item.type, p)
    source = f"{item.source_text or ''} {text}".strip()[:MAX_PARSE_CHARS]
    if d.missing:
        if item.type == "meeting" and "time" in d.missing:
            f["end_at"] = None
        items.update(
            t.conn, item.id, t.now, title=_title(p.title) or item.title, source_text=source, **f
        )
        clarify.ask(
            t.conn,
            chat_id=t.chat_id,
            item_id=item.id,
            missing=d.missing,
            purpose="complete",
            inbox_id=t.row.id,
            lang=t.lang,
            now=t.now,
            ttl_s=t.settings.clarify_ttl_sec,
            asks=q.asks + 1,
        )
        item = _get(t, item.id)
        t.reply(
            replies.question_text(item, d.missing, tz=t.tz, now=t.now, lang=t.lang, again=False),
            _question_keyboard(t, item, d.missing),
            item.id,
        )
        return
    items.update(
        t.conn,
        item.id,
        t.now,
        status="OPEN",
        title=_title(p.title) or item.title,
        source_text=source,
        **f,
    )
    clarify.close(t.conn, t.chat_id)
    _settled(t, item.id, item.type, replies.created_text)


def ask_again(t: Turn, q: clarify.Question) -> None:
    item = _get(t, q.item_id)
    clarify.ask(
        t.conn,
        chat_id=t.chat_id,
        item_id=item.id,
        missing=q.missing,
        purpose=q.purpose,
        inbox_id=t.row.id,
        lang=t.lang,
        now=t.now,
        ttl_s=t.settings.clarify_ttl_sec,
        asks=q.asks + 1,
    )
    if q.purpose == "reschedule":
        text = replies.reschedule_question(item, tz=t.tz, now=t.now, lang=t.lang, again=True)
        day = item.start_at.astimezone(ZoneInfo(t.tz)).date() if item.start_at else None
        times = replies.suggest_times(day, now=t.now, tz=t.tz)
        t.reply(
            text,
            replies.pick_keyboard(item.id, times, tz=t.tz, now=t.now, lang=t.lang, cancel=False),
        )
        return
    text = replies.question_text(item, q.missing, tz=t.tz, now=t.now, lang=t.lang, again=True)
    t.reply(text, _question_keyboard(t, item, q.missing), item.id)


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
        _changed(t, item.id)
        t.reply(replies.question_closed_text(t.lang, item.title), item_id=item.id)
        return
    text = ("Хорошо, оставил как есть: " if t.lang == "ru" else "OK, left as it was: ") + (
        t.describe(item)
    )
    t.reply(text, replies.item_keyboard(item, t.lang), item.id)


# ---------------------------------------------------------------- acting on items


def _local_day(dt: datetime | None, tz: str) -> date | None:
    return dt.astimezone(ZoneInfo(tz)).date() if dt else None


ACTION_OF_INTENT = {"cancel": "cancel", "complete": "done", "reschedule": "resched"}


def act(t: Turn, p: Parsed) -> None:
    """cancel / complete / reschedule: find the item, act on one, ask among several."""
    candidates = items.open_items(t.conn, t.chat_id)
    if p.intent == "reschedule":
        m = matching.find(p.title, candidates, tz=t.tz)
    else:
        day = _local_day(p.start, t.tz)
        at = p.start if p.start is not None and not p.all_day else None
        m = matching.find(p.title, candidates, day=day, at=at, tz=t.tz)
    if m.outcome == "one":
        item = m.items[0]
        assert isinstance(item, items.Item)
        perform(t, item, p.intent, p)
        return
    if m.outcome == "several":
        choices = [i for i in m.items if isinstance(i, items.Item)]
        t.reply(
            replies.choose_text(p.intent, t.lang, title=p.title),
            _choice_keyboard(t, choices, p),
        )
        return
    if not p.title and p.start is None and candidates:
        t.reply(
            replies.choose_text(p.intent, t.lang, title=None),
            _choice_keyboard(t, candidates[: matching.MAX_CHOICES], p),
        )
        return
    t.reply(replies.not_found_text(p.title, p.intent, t.lang))


def _choice_keyboard(t: Turn, choices: list[items.Item], p: Parsed) -> replies.Keyboard:
    if p.intent == "reschedule" and p.start is not None:
        rows = []
        for i in choices:
            start, _, _ = new_times(i, p, t.tz, t.now)
            label = replies.short_label(i, tz=t.tz, now=t.now, lang=t.lang)
            rows.append([replies.button(label, replies.pick_data(i.id, start, t.tz))])
        return rows
    action = ACTION_OF_INTENT.get(p.intent, "cancel")
    return replies.select_keyboard(choices, action, tz=t.tz, now=t.now, lang=t.lang)


def perform(t: Turn, item: items.Item, intent: str, p: Parsed | None) -> None:
    if intent == "complete":
        complete(t, item)
    elif intent == "cancel":
        cancel(t, item)
    elif p is not None and p.start is not None:
        reschedule(t, item, p)
    else:
        ask_reschedule(t, item)


def complete(t: Turn, item: items.Item) -> None:
    if item.status != "OPEN":
        t.reply(replies.already_text(item, tz=t.tz, now=t.now, lang=t.lang), item_id=item.id)
        return
    clarify.close_for_item(t.conn, item.id)
    if reminders.on_complete(t.conn, item.id, t.now):
        item = _get(t, item.id)
        t.reply(
            replies.next_occurrence_text(item, tz=t.tz, now=t.now, lang=t.lang),
            replies.item_keyboard(item, t.lang),
            item.id,
        )
        return
    items.update(t.conn, item.id, t.now, status="DONE")
    _changed(t, item.id)
    t.reply(replies.done_text(_get(t, item.id), tz=t.tz, now=t.now, lang=t.lang), item_id=item.id)


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
    _changed(t, item.id)
    t.reply(
        replies.cancelled_text(_get(t, item.id), tz=t.tz, now=t.now, lang=t.lang), item_id=item.id
    )


def new_times(
    item: items.Item, p: Parsed, tz: str, now: datetime
) -> tuple[datetime, datetime | None, bool]:
    """The item's new (start, end, all_day) for a reschedule to `p.start`.

    A new date alone keeps the item's clock time; the duration is kept; an untimed
    item moved to a date stays all-day.
    """
    zone = ZoneInfo(tz)
    assert p.start is not None
    old_len = None
    if item.start_at is not None and item.end_at is not None and item.end_at > item.start_at:
        old_len = item.end_at - item.start_at
    if p.all_day:
        day = p.start.astimezone(zone).date()
        if item.start_at is not None and not item.all_day:
            clock = item.start_at.astimezone(zone).timetz().replace(tzinfo=None)
            start = datetime.combine(day, clock, zone)
            end = start + old_len if old_len else None
            if end is None and item.type == "meeting":
                end = start + DEFAULT_MEETING
            return start, end, False
        start = _midnight(day, tz)
        if item.type == "meeting":
            days = max(1, round(old_len.total_seconds() / 86400)) if old_len else 1
            return start, _midnight(day + timedelta(days=days), tz), True
        return start, None, True
    start = p.start
    if not p.date_said and item.start_at is not None:
        # "перенеси на 17": the same day as the item, at the new clock time
        clock = p.start.astimezone(zone).timetz().replace(tzinfo=None)
        same_day = datetime.combine(item.start_at.astimezone(zone).date(), clock, zone)
        if same_day > now:
            start = same_day
    if p.end is not None and p.end > p.start:
        return start, start + (p.end - p.start), False
    if old_len is not None and not item.all_day:
        return start, start + old_len, False
    return start, (start + DEFAULT_MEETING if item.type == "meeting" else None), False


def reschedule(t: Turn, item: items.Item, p: Parsed) -> None:
    if item.status != "OPEN":
        t.reply(replies.already_text(item, tz=t.tz, now=t.now, lang=t.lang), item_id=item.id)
        return
    start, end, all_day = new_times(item, p, t.tz, t.now)
    move(t, item, start, end, all_day)


def move(t: Turn, item: items.Item, start: datetime, end: datetime | None, all_day: bool) -> None:
    clarify.close_for_item(t.conn, item.id)
    items.update(t.conn, item.id, t.now, start_at=start, end_at=end, all_day=all_day)
    _settled(t, item.id, item.type, replies.rescheduled_text)


def ask_reschedule(t: Turn, item: items.Item) -> None:
    if item.status != "OPEN":
        t.reply(replies.already_text(item, tz=t.tz, now=t.now, lang=t.lang), item_id=item.id)
        return
    note = ""
    q = clarify.get(t.conn, t.chat_id)
    if q is not None and q.item_id != item.id and q.purpose == "complete":
        # a draft must not lose its question: settle it as on expiry (kept as a task)
        note = settle_question(t.conn, t.settings, q, t.now, t.tz, quiet=True) or ""
    clarify.ask(
        t.conn,
        chat_id=t.chat_id,
        item_id=item.id,
        missing=("date", "time"),
        purpose="reschedule",
        inbox_id=t.row.id,
        lang=t.lang,
        now=t.now,
        ttl_s=t.settings.clarify_ttl_sec,
    )
    day = _local_day(item.start_at, t.tz)
    times = replies.suggest_times(day, now=t.now, tz=t.tz)
    question = replies.reschedule_question(item, tz=t.tz, now=t.now, lang=t.lang, again=False)
    t.reply(
        (note + "\n\n" if note else "") + question,
        replies.pick_keyboard(item.id, times, tz=t.tz, now=t.now, lang=t.lang, cancel=False),
        item.id,
    )


# ---------------------------------------------------------------- agenda


def agenda_range(p: Parsed, now: datetime, tz: str) -> tuple[datetime, datetime]:
    today = now.astimezone(ZoneInfo(tz)).date()
    if p.start is not None and p.end is not None and p.end > p.start:
        return p.start, p.end
    if p.start is not None:
        return agenda.day_range(p.start.astimezone(ZoneInfo(tz)).date(), 1, tz)
    return agenda.day_range(today, 7, tz)


def show_agenda(t: Turn, p: Parsed, text: str = "") -> None:
    start, end = agenda_range(p, t.now, t.tz)
    send_agenda(t, start, end, only=agenda.kind_asked(text))


MAX_AGENDA_DAYS = 62


def agenda_items(t: Turn, start: datetime, end: datetime) -> list[items.Item]:
    """Open items in [start, end), recurring ones expanded to their occurrences there
    (day by day through `reminders.agenda_entries`, the same source as the daily agenda)."""
    zone = ZoneInfo(t.tz)
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    out: list[items.Item] = []
    seen: set[tuple[int, datetime | None]] = set()
    for k in range(min((last - first).days + 1, MAX_AGENDA_DAYS)):
        meetings, tasks, _ = reminders.agenda_entries(
            t.conn, t.chat_id, first + timedelta(days=k), t.tz
        )
        for entry in (*meetings, *tasks):
            it = entry.item
            if entry.start is not None and it.start_at is not None and entry.start != it.start_at:
                shift = entry.start - it.start_at
                it = dataclasses.replace(
                    it, start_at=entry.start, end_at=it.end_at + shift if it.end_at else None
                )
            if (it.id, it.start_at) in seen or it.start_at is None or it.start_at >= end:
                continue
            if it.start_at < start and (it.end_at is None or it.end_at <= start):
                continue
            seen.add((it.id, it.start_at))
            out.append(it)
    out.sort(key=lambda i: (i.start_at or start, not i.all_day, i.id))
    return out


def send_agenda(t: Turn, start: datetime, end: datetime, *, only: str | None = None) -> None:
    """The range's items (all, or only meetings / only tasks), overdue tasks when the
    range includes now, and how many tasks have no date."""
    found = agenda_items(t, start, end)
    today_start = agenda.day_range(t.now.astimezone(ZoneInfo(t.tz)).date(), 1, t.tz)[0]
    overdue: list[items.Item] = []
    undated = 0
    if start <= t.now < end and only != "meeting":
        overdue = [i for i in items.overdue_tasks(t.conn, t.chat_id, today_start) if not i.rrule]
        undated = items.count_undated_tasks(t.conn, t.chat_id)
    if only is not None:
        found = [i for i in found if i.type == only]
    text = agenda.render_agenda(
        found, start, end, tz=t.tz, now=t.now, lang=t.lang, overdue=overdue, undated=undated
    )
    t.reply(text, agenda.agenda_keyboard([*found, *overdue], t.lang))


# ---------------------------------------------------------------- expiry


def settle_question(
    conn: sqlite3.Connection,
    settings: Settings,
    q: clarify.Question,
    now: datetime,
    tz: str,
    *,
    quiet: bool = False,
) -> str | None:
    """Close an unanswered question: a titled draft is kept as a task, an untitled one
    is dropped, a reschedule question leaves the item as it was. The person is told
    (an outbox message), unless `quiet`, where the text is returned for the caller's
    own reply instead. Runs inside the caller's transaction."""
    clarify.close(conn, q.chat_id, q.item_id)
    item = items.get(conn, q.item_id)
    lang = q.lang or (item.lang if item else None) or "ru"
    if item is None:
        return None
    keyboard: replies.Keyboard = []
    if q.purpose == "reschedule" or item.status != "DRAFT":
        text = (
            "Не дождался новой даты — оставил как было: "
            if lang == "ru"
            else "No new time came — left as it was: "
        ) + replies.describe(item, tz=tz, now=now, lang=lang)
    elif item.title:
        all_day = item.start_at is not None
        items.update(
            conn,
            item.id,
            now,
            type="task",
            status="OPEN",
            end_at=None,
            all_day=all_day,
        )
        reminders.on_item_changed(conn, item.id, now)
        item = items.get(conn, item.id)
        assert item is not None
        text = replies.expired_kept_text(item, tz=tz, now=now, lang=lang, replaced=quiet)
        keyboard = replies.item_keyboard(item, lang)
    else:
        items.update(conn, item.id, now, status="CANCELLED")
        reminders.on_item_changed(conn, item.id, now)
        text = replies.expired_dropped_text(lang)
    log.info("clarify chat=%d item=%d expired -> %s", q.chat_id, q.item_id, item.status)
    if quiet:
        return text
    outbox.enqueue(
        conn,
        chat_id=q.chat_id,
        text=text,
        now=now,
        dedup_key=f"clarify:{q.chat_id}:{q.item_id}:{to_db(q.created_at)}",
        keyboard=keyboard or None,
        item_id=item.id,
    )
    return text


def settle_expired(
    conn: sqlite3.Connection, settings: Settings, now: datetime, *, chat_id: int | None = None
) -> int:
    """Settle every question past its CLARIFY_TTL_SEC (or only `chat_id`'s)."""
    if chat_id is not None:
        q = clarify.get(conn, chat_id)
        due = [q] if q is not None and q.expired(now) else []
    else:
        due = clarify.expired(conn, now)
    for q in due:
        tz = users.tz_for(conn, q.chat_id, settings.organizer_tz)
        settle_question(conn, settings, q, now, tz)
    return len(due)


def expire_job(settings: Settings, conn: sqlite3.Connection):  # -> Callable[[datetime], int]
    def run(now: datetime) -> int:
        with transaction(conn):
            return settle_expired(conn, settings, now)

    return run


# ---------------------------------------------------------------- buttons

_DATA = re.compile(r"^([a-z]{1,16}):(\d{1,18})(?::([A-Za-z0-9_]{1,40}))?$")


def parse_callback(data: str) -> tuple[str, int, str] | None:
    """'<action>:<item_id>[:<arg>]' → (action, item_id, arg), or None when malformed."""
    m = _DATA.match(data.strip())
    if not m:
        return None
    return m.group(1), int(m.group(2)), m.group(3) or ""


def handle_callback(ctx: Context, row: InboxRow) -> None:
    payload = load_payload(row)
    data = payload.get("data")
    if not isinstance(data, str):
        raise PermanentError("callback payload has no 'data' string")
    parsed = parse_callback(data)
    if parsed is not None:
        action, item_id, arg = parsed
        if reminders.handle_callback(ctx, row, action, item_id, arg):
            return
    t = _turn(ctx, row, payload_lang=payload.get("lang"), text=None)
    with transaction(ctx.conn):
        if items.answered(ctx.conn, row.id):
            return
        press(t, payload, parsed)


@dataclass
class Press:
    """The answer to a button press: a toast, and the new text of the pressed message."""

    toast: str
    text: str | None = None
    keyboard: replies.Keyboard | None = None
    item_id: int | None = None
    new_message: bool = False  # ask something: a new message instead of an edit


def press(t: Turn, payload: dict[str, Any], parsed: tuple[str, int, str] | None) -> None:
    item = None
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
    _answer_press(t, payload, result)


def users_lang(t: Turn) -> str | None:
    user = users.get(t.conn, t.chat_id)
    return user.lang if user else None


def _answer_press(t: Turn, payload: dict[str, Any], r: Press) -> None:
    outbox.enqueue(
        t.conn,
        chat_id=t.chat_id,
        kind="callback_answer",
        text=r.toast[:190],
        now=t.now,
        dedup_key=f"cbans:{t.row.id}",
        callback_query_id=str(payload.get("callback_query_id") or "") or None,
        item_id=r.item_id,
        inbox_id=t.row.id,
    )
    if r.text is None:
        return
    message_id = payload.get("message_id")
    if r.new_message or not isinstance(message_id, int):
        t.reply(r.text, r.keyboard, r.item_id)
        return
    target = (
        {"target_outbox_id": message_id}
        if t.row.source == "chat"
        else {"target_message_id": message_id}
    )
    outbox.enqueue(
        t.conn,
        chat_id=t.chat_id,
        kind="edit",
        text=r.text,
        now=t.now,
        dedup_key=f"edit:{t.row.id}",
        keyboard=r.keyboard or None,
        item_id=r.item_id,
        inbox_id=t.row.id,
        **target,
    )


class _Capture(Turn):
    """A Turn whose reply is captured (to become a toast + edit) instead of sent."""

    captured: tuple[str, replies.Keyboard | None] | None = None

    def reply(
        self, text: str, keyboard: replies.Keyboard | None = None, item_id: int | None = None
    ) -> None:
        self.captured = (text, keyboard)


def button_action(t: Turn, item: items.Item, action: str, arg: str) -> Press:
    cap = _Capture(t.conn, t.settings, t.row, t.now, t.tz, t.lang)
    new_message = False
    if action == "sel":
        action = {"done": "done", "cancel": "cancel", "resched": "resched"}.get(arg, "")
    if action == "done":
        if item.status == "DRAFT":
            return Press(replies.unknown_button_text(t.lang), item_id=item.id)
        complete(cap, item)
    elif action == "cancel":
        cancel(cap, item)
    elif action == "resched":
        if item.status == "DRAFT":
            q = clarify.get(t.conn, t.chat_id)
            if q is None or q.item_id != item.id:
                return Press(replies.unknown_button_text(t.lang), item_id=item.id)
            ask_again(cap, q)
        else:
            ask_reschedule(cap, item)
        new_message = True
    elif action == "pick":
        when = _pick_time(arg, t.tz)
        if when is None:
            return Press(replies.unknown_button_text(t.lang), item_id=item.id)
        if item.status == "DRAFT":
            pick_for_draft(cap, item, when)
        else:
            keep_all_day = item.all_day and when.hour == 0 and when.minute == 0
            p = Parsed("reschedule", None, when, None, keep_all_day, None, ())
            reschedule(cap, item, p)
    else:
        return Press(replies.unknown_button_text(t.lang), item_id=item.id)
    text, keyboard = cap.captured or ("", None)
    toast = text.split("\n", 1)[0]
    return Press(toast, text, keyboard, item.id, new_message)


def _pick_time(arg: str, tz: str) -> datetime | None:
    try:
        naive = datetime.strptime(arg, "%Y%m%d%H%M")
    except ValueError:
        return None
    return naive.replace(tzinfo=ZoneInfo(tz))


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


# ---------------------------------------------------------------- commands

AGENDA_COMMANDS = {"today": (0, 1), "tomorrow": (1, 1)}


def handle_command(ctx: Context, row: InboxRow) -> None:
    payload = load_payload(row)
    command = payload.get("command")
    if not isinstance(command, str) or not command:
        raise PermanentError("command payload has no 'command' string")
    args = payload.get("args")
    args = args if isinstance(args, str) else ""
    command = command.lower().lstrip("/")
    if reminders.handle_command(ctx, row, command, args):
        return
    t = _turn(ctx, row, payload_lang=payload.get("lang"), text=args or None)
    with transaction(ctx.conn):
        if items.answered(ctx.conn, row.id):
            return
        run_command(t, command, args)


def run_command(t: Turn, command: str, args: str) -> None:
    settle_expired(t.conn, t.settings, t.now, chat_id=t.chat_id)
    today = t.now.astimezone(ZoneInfo(t.tz)).date()
    if command == "start":
        t.reply(replies.start_text(t.lang))
    elif command == "help":
        t.reply(replies.help_text(t.lang))
    elif command in AGENDA_COMMANDS:
        offset, days = AGENDA_COMMANDS[command]
        send_agenda(t, *agenda.day_range(today + timedelta(days=offset), days, t.tz))
    elif command == "week":
        send_agenda(t, *agenda.week_range(today, t.tz))
    elif command == "tasks":
        tasks = items.open_tasks(t.conn, t.chat_id)
        text = agenda.render_tasks(tasks, tz=t.tz, now=t.now, lang=t.lang)
        t.reply(text, agenda.agenda_keyboard(tasks, t.lang))
    elif command == "cancel":
        cancel_question(t)
    else:
        t.reply(replies.unsupported_command_text(command, t.lang))
