"""Reply texts and inline keyboards, in Russian or English, in the chat's zone. PURE.

Nothing here reads the clock, the database or the network: every function takes `now`,
`tz` and `lang` as arguments, so the texts are tested directly (and with hypothesis).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

# Language choice and date/time wording have one home each (language, timefmt); the
# names below are offered here too because the replies' callers and tests use them.
from organizer.pipeline.language import clip as clip
from organizer.pipeline.language import lang_of_text as lang_of_text
from organizer.pipeline.language import pick_lang as pick_lang
from organizer.pipeline.language import quote as quote
from organizer.pipeline.timefmt import RU_MONTHS_GEN as RU_MONTHS_GEN
from organizer.pipeline.timefmt import clock as clock
from organizer.pipeline.timefmt import day_text as day_text
from organizer.pipeline.timefmt import local as local
from organizer.pipeline.timefmt import weekday_name
from organizer.pipeline.timefmt import when_text as when_text
from organizer.texts import tr, trn

RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
ACTIONS = ("cancel", "complete", "reschedule")

Keyboard = list[list[dict[str, str]]]


class ItemLike(Protocol):
    """What replies need of an item (organizer.db.items.Item has it all)."""

    id: int
    type: str
    title: str | None
    status: str
    start_at: datetime | None
    end_at: datetime | None
    all_day: bool
    rrule: str | None


def rrule_text(rrule: str | None, lang: str) -> str | None:
    """A short human reading of the RRULE bodies the parser produces."""
    if not rrule:
        return None
    parts = dict(p.split("=", 1) for p in rrule.split(";") if "=" in p)
    freq = parts.get("FREQ", "")
    interval = int(parts.get("INTERVAL", "1") or 1) if parts.get("INTERVAL", "1").isdigit() else 1
    days = [d[-2:] for d in parts.get("BYDAY", "").split(",") if d]
    if freq == "WEEKLY" and days:
        if set(days) == {"MO", "TU", "WE", "TH", "FR"}:
            return tr(lang, "replies.every_weekday")
        if set(days) == {"SA", "SU"}:
            return tr(lang, "replies.every_weekend")
        known = [d for d in days if d in RRULE_DAYS]
        if len(known) == 1 and interval == 1:
            return tr(lang, f"rrule.every.{known[0]}")
        # 1 January 2024 was a Monday: the days after it name each weekday
        names = ", ".join(
            weekday_name(date(2024, 1, 1 + RRULE_DAYS.index(d)), lang, short=lang == "ru")
            for d in known
        )
        if interval > 1:
            return trn(lang, "rrule.every_n_weeks_on", interval, names=names)
        return tr(lang, "rrule.on_days", names=names)
    if freq not in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY"):
        return tr(lang, "replies.repeats")
    if interval > 1:
        return trn(lang, f"rrule.every_n.{freq}", interval)
    return tr(lang, f"rrule.every.{freq}")


def describe(item: ItemLike, *, tz: str, now: datetime, lang: str) -> str:
    """'Встреча с Петей — завтра, 24 ноября, 15:00–16:00' (+ ', каждый понедельник')."""
    title = clip(item.title or tr(lang, "replies.untitled"))
    when = when_text(item.start_at, item.end_at, item.all_day, tz=tz, now=now, lang=lang)
    if item.all_day and when and item.type == "meeting":
        when += tr(lang, "replies.all_day")
    text = title if when is None else f"{title} — {when}"
    rr = rrule_text(item.rrule, lang)
    if rr:
        text += f" ({rr})"
    return text


def short_label(item: ItemLike, *, tz: str, now: datetime, lang: str, width: int = 40) -> str:
    """A button label: the title and a compact time, cut to `width` characters."""
    title = item.title or tr(lang, "replies.untitled")
    if item.start_at is not None:
        s = local(item.start_at, tz)
        wd = weekday_name(s.date(), lang, short=True)
        stamp = f"{wd} {s.day:02d}.{s.month:02d}" + ("" if item.all_day else f" {clock(s)}")
        title = f"{title}, {stamp}"
    return title if len(title) <= width else title[: width - 1] + "…"


# ---------------------------------------------------------------- keyboards


def button(text: str, data: str) -> dict[str, str]:
    assert len(data.encode()) <= 64, data
    return {"text": text, "callback_data": data}


def item_keyboard(item: ItemLike, lang: str) -> Keyboard:
    """Buttons that fit the item: a task can be done; anything can move or be cancelled."""
    if item.status not in ("OPEN",):
        return []
    done = button(tr(lang, "replies.done"), f"done:{item.id}")
    move = button(tr(lang, "replies.change_time"), f"resched:{item.id}")
    cancel = button(tr(lang, "replies.cancel"), f"cancel:{item.id}")
    if item.type == "task":
        return [[done, move, cancel]]
    if item.type == "meeting":
        return [[move, cancel]]
    return [[button(tr(lang, "replies.delete"), f"cancel:{item.id}")]]


def pick_label(dt: datetime, *, tz: str, now: datetime, lang: str) -> str:
    s = local(dt, tz)
    today = local(now, tz).date()
    delta = (s.date() - today).days
    if delta == 0:
        day = tr(lang, "replies.today")
    elif delta == 1:
        day = tr(lang, "replies.tomorrow")
    else:
        wd = weekday_name(s.date(), lang, short=True)
        day = f"{wd.capitalize()} {s.day:02d}.{s.month:02d}"
    return f"{day} {clock(s)}"


def pick_data(item_id: int, dt: datetime, tz: str) -> str:
    return f"pick:{item_id}:{local(dt, tz).strftime('%Y%m%d%H%M')}"


def suggest_times(
    day: date | None,
    *,
    now: datetime,
    tz: str,
    count: int = 4,
    busy: Sequence[tuple[datetime, datetime]] = (),
) -> list[datetime]:
    """Likely times to offer as buttons, all strictly in the future.

    With a known day: that day at 10, 12, 15, 18. Without: the rest of today's round
    hours among 12, 15, 18 (at least an hour ahead), then tomorrow at 10, 15, 18.
    `busy`: [start, end) intervals the person already has items at; an hour that meets
    one is skipped, and the nearest free round hours of that day fill its place.
    """
    zone = ZoneInfo(tz)
    n = local(now, tz)
    out: list[datetime] = []
    skipped: list[date] = []

    def add(d: date, hour: int) -> None:
        dt = datetime.combine(d, time(hour), zone)
        if any(s < dt + timedelta(hours=1) and dt < e for s, e in busy):
            skipped.append(d)
            return
        if dt > n + timedelta(minutes=30) and len(out) < count and dt not in out:
            out.append(dt)

    if day is not None:
        for h in (10, 12, 15, 18):
            add(day, h)
        if out and not skipped:
            return out
        for h in _SPARE_HOURS if skipped else ():
            add(day, h)
        if out:
            return sorted(out)
    for h in (12, 15, 18):
        if sum(1 for o in out if o.date() == n.date()) >= 2:
            break
        if datetime.combine(n.date(), time(h), zone) >= n + timedelta(hours=1):
            add(n.date(), h)
    for h in (10, 15, 18):
        add(n.date() + timedelta(days=1), h)
    for h in _SPARE_HOURS if skipped else ():
        add(n.date() + timedelta(days=1), h)
    return sorted(out)


# Round hours offered instead of the usual ones that are busy (lists lane, issue 16 #12).
_SPARE_HOURS = (11, 14, 16, 17, 13, 9, 19)


def pick_keyboard(
    item_id: int,
    times: Iterable[datetime],
    *,
    tz: str,
    now: datetime,
    lang: str,
    cancel: bool = True,
) -> Keyboard:
    """Offered times (two per row), and for a draft a Cancel that drops it."""
    row = [button(pick_label(t, tz=tz, now=now, lang=lang), pick_data(item_id, t, tz)) for t in times]
    rows = [row[i : i + 2] for i in range(0, len(row), 2)]
    if cancel:
        rows.append([button(tr(lang, "replies.cancel"), f"cancel:{item_id}")])
    return rows


def question_keyboard(
    item: ItemLike,
    missing: Sequence[str],
    *,
    tz: str,
    now: datetime,
    lang: str,
    busy: Sequence[tuple[datetime, datetime]] = (),
) -> Keyboard:
    """Under a clarifying question: Cancel when the title is missing, else offered times
    (on the item's day when it has one), none of them at a `busy` time."""
    if "title" in missing:
        return [[button(tr(lang, "replies.cancel"), f"cancel:{item.id}")]]
    day = local(item.start_at, tz).date() if item.start_at else None
    times = suggest_times(day, now=now, tz=tz, busy=busy)
    return pick_keyboard(item.id, times, tz=tz, now=now, lang=lang)


def select_keyboard(
    items: Sequence[ItemLike], action: str, *, tz: str, now: datetime, lang: str
) -> Keyboard:
    return [
        [button(short_label(i, tz=tz, now=now, lang=lang), f"sel:{i.id}:{action}")]
        for i in items
    ]


# ---------------------------------------------------------------- texts

def created_text(item: ItemLike, *, tz: str, now: datetime, lang: str) -> str:
    return tr(lang, f"replies.created.{item.type}", what=describe(item, tz=tz, now=now, lang=lang))


def question_text(
    item: ItemLike, missing: Sequence[str], *, tz: str, now: datetime, lang: str, again: bool
) -> str:
    """Ask for exactly what is missing."""
    title = item.title
    prefix = tr(lang, "replies.i_didnt_catch_when") if again else ""
    if "title" in missing:
        when = when_text(item.start_at, item.end_at, item.all_day, tz=tz, now=now, lang=lang)
        key = "replies.ask_title.task" if item.type == "task" else "replies.ask_title.other"
        return prefix + tr(lang, key, when=f" ({when})" if when else "")
    shown = quote(lang, title or tr(lang, "replies.this"))
    if "date" in missing and item.type == "task":
        return prefix + tr(
            lang, "replies.when_should_i_remind", shown=shown, value=clip(title or "do this")
        )
    if "date" in missing:
        return prefix + tr(lang, "replies.when_is_shown_send", shown=shown)
    day = when_text(item.start_at, None, True, tz=tz, now=now, lang=lang)
    return prefix + tr(lang, "replies.ask_time", shown=shown, day=f" ({day})" if day else "")


def reschedule_question(item: ItemLike, *, tz: str, now: datetime, lang: str, again: bool) -> str:
    prefix = tr(lang, "replies.i_didnt_catch_the") if again else ""
    what = describe(item, tz=tz, now=now, lang=lang)
    return prefix + tr(lang, "replies.move_it_to_when", what=what)


def done_text(item: ItemLike, *, tz: str, now: datetime, lang: str) -> str:
    return tr(lang, "replies.marked_done") + describe(
        item, tz=tz, now=now, lang=lang
    )


def next_occurrence_text(item: ItemLike, *, tz: str, now: datetime, lang: str) -> str:
    return tr(lang, "replies.done_next_time") + describe(
        item, tz=tz, now=now, lang=lang
    )


def cancelled_text(item: ItemLike, *, tz: str, now: datetime, lang: str) -> str:
    return tr(lang, "replies.cancelled") + describe(item, tz=tz, now=now, lang=lang)


def rescheduled_text(item: ItemLike, *, tz: str, now: datetime, lang: str) -> str:
    return tr(lang, "replies.moved") + describe(item, tz=tz, now=now, lang=lang)


def already_text(item: ItemLike, *, tz: str, now: datetime, lang: str) -> str:
    what = describe(item, tz=tz, now=now, lang=lang)
    if item.status == "DONE":
        return tr(lang, "replies.already_done_what", what=what)
    return tr(lang, "replies.already_cancelled_what", what=what)


def gone_text(lang: str) -> str:
    return tr(lang, "replies.that_item_no_longer")


def unknown_button_text(lang: str) -> str:
    return tr(lang, "replies.this_button_no_longer")


def not_found_text(title: str | None, action: str, lang: str) -> str:
    if title:
        return tr(lang, "replies.i_couldnt_find_quote", quote=quote(lang, as_quoted_title(title)))
    return tr(lang, "replies.i_couldnt_find_a")


def choose_text(action: str, lang: str, *, title: str | None) -> str:
    verb = tr(lang, f"replies.action.{action}") if action in ACTIONS else action
    if title:
        return tr(lang, "replies.several_items_match_quote", quote=quote(lang, as_quoted_title(title)), verb=verb)
    return tr(lang, "replies.which_one_should_i", verb=verb)


def unknown_text(lang: str) -> str:
    return tr(lang, "replies.i_didnt_get_that")


def empty_text(lang: str) -> str:
    return tr(lang, "replies.the_message_is_empty")


def help_text(lang: str) -> str:
    return tr(lang, "replies.help")


def start_text(lang: str) -> str:
    return tr(lang, "replies.hi_i_keep_your") + help_text(lang)


def question_closed_text(lang: str, title: str | None) -> str:
    if title:
        return tr(lang, "replies.ok_dropped_quote", quote=quote(lang, title))
    return tr(lang, "replies.there_is_no_open")


def left_as_is_text(item: ItemLike, *, tz: str, now: datetime, lang: str) -> str:
    """/cancel of a question about an open item: nothing changes."""
    return tr(lang, "replies.ok_left_as_it") + describe(
        item, tz=tz, now=now, lang=lang
    )


def no_new_time_text(item: ItemLike, *, tz: str, now: datetime, lang: str) -> str:
    """A reschedule question expired: the item stays where it was."""
    return tr(lang, "replies.no_new_time_came") + describe(item, tz=tz, now=now, lang=lang)


def expired_kept_text(
    item: ItemLike, *, tz: str, now: datetime, lang: str, replaced: bool = False
) -> str:
    what = describe(item, tz=tz, now=now, lang=lang)
    if replaced:
        return tr(lang, "replies.kept_the_previous_one", what=what)
    return tr(lang, "replies.no_answer_in_time", what=what)


def as_quoted_title(title: str) -> str:
    """'Встречу с Петей' → 'встречу с Петей' inside a sentence (acronyms kept: 'SQL')."""
    if len(title) > 1 and title[0].isupper() and title[1].islower():
        return title[0].lower() + title[1:]
    return title


def expired_dropped_text(lang: str) -> str:
    return tr(lang, "replies.untitled_dropped")


def transcript_prefix(text: str, lang: str) -> str:
    return f"🎤 {quote(lang, text)}\n"


def voice_failed_text(lang: str) -> str:
    return tr(lang, "replies.i_couldnt_transcribe_that")


def voice_delayed_text(lang: str) -> str:
    return tr(lang, "replies.speech_recognition_is_unavailable")


def voice_empty_text(lang: str) -> str:
    return tr(lang, "replies.i_heard_no_words")


def unsupported_command_text(command: str, lang: str) -> str:
    return tr(lang, "replies.command_isnt_supported_yet", command=command)


# --- complete: «не знаю» answers, long pastes kept as notes


def kept_untimed_text(item: ItemLike, *, tz: str, now: datetime, lang: str) -> str:
    """A draft answered «не знаю»: kept without a time (a meeting's time is to be set)."""
    title = clip(item.title or tr(lang, "replies.untitled"))
    day = None
    if item.start_at is not None:
        day = when_text(item.start_at, None, True, tz=tz, now=now, lang=lang)
    what = title if day is None else f"{title} — {day}"
    if item.type == "meeting":
        return tr(lang, "replies.saved_without_a_time.meeting", what=what)
    return tr(lang, "replies.saved_without_a_time.task", what=what)


def paste_note_text(item: ItemLike, chars: int, lang: str) -> str:
    """A long pasted text kept as a note: its short title and how much was kept."""
    title = clip(item.title or tr(lang, "replies.untitled"))
    return tr(lang, "replies.saved_a_note_title", title=title, chars=chars)
# --- lists: task and note lists, search, overlaps, a question still waiting (issue 16 #8, #12)

ECHO_CHARS = 80  # a list or search line never echoes more of a note than this


def echo(text: str | None, lang: str) -> str:
    """A note's text (or a title) on one line, cut to ECHO_CHARS."""
    one = " ".join((text or "").split()) or tr(lang, "replies.untitled")
    return one if len(one) <= ECHO_CHARS else one[: ECHO_CHARS - 1] + "…"


def notes_head_text(first: int, last: int, total: int, lang: str) -> str:
    if total <= last and first == 1:
        return tr(lang, "replies.notes_total", total=total)
    return tr(lang, "replies.notes_first_last_of", first=first, last=last, total=total)


def no_notes_text(lang: str) -> str:
    return tr(lang, "replies.no_notes_yet_send")


def more_button_text(lang: str) -> str:
    return tr(lang, "replies.more")


def found_head_text(query: str, count: int, lang: str) -> str:
    q = echo(query, lang)
    return tr(lang, "replies.found_for_q_count", q=q, count=count)


def found_nothing_text(query: str, lang: str) -> str:
    q = echo(query, lang)
    return tr(lang, "replies.nothing_found_for_q", q=q)


def overlap_text(others: Sequence[ItemLike], *, tz: str, now: datetime, lang: str) -> str:
    """'Пересекается с «Созвон с Олей» (15:00–16:00)' for a new meeting; still created."""
    shown = []
    for o in others[:3]:
        when = ""
        if o.start_at is not None:
            when = clock(local(o.start_at, tz))
            if o.end_at is not None:
                when += "–" + clock(local(o.end_at, tz))
        name = quote(lang, echo(o.title, lang))
        shown.append(f"{name} ({when})" if when else name)
    more = len(others) - len(shown)
    tail = tr(lang, "replies.and_more_more", more=more) if more > 0 else ""
    return tr(lang, "replies.overlaps") + ", ".join(shown) + tail + "."


def still_waiting_text(question: str, lang: str) -> str:
    """Before an open question asked before a restart, shown again with another reply."""
    return tr(lang, "replies.by_the_way_im") + question


# --- multi: several items in one message (organizer.pipeline.multi)


def several_text(
    items: Sequence[ItemLike], *, tz: str, now: datetime, lang: str
) -> str:
    """One line per item of the message, as each would be answered alone: «Добавил
    встречу: …», «Отменил: …» once undone, «сохранил как задачу без времени» for one whose
    time was never said."""
    lines = []
    for item in items:
        if item.status == "CANCELLED":
            lines.append(cancelled_text(item, tz=tz, now=now, lang=lang))
        elif item.status == "DONE":
            lines.append(done_text(item, tz=tz, now=now, lang=lang))
        elif item.status == "DRAFT":
            what = describe(item, tz=tz, now=now, lang=lang)
            lines.append(tr(lang, "replies.asking_about_what", what=what))
        else:
            lines.append(created_text(item, tz=tz, now=now, lang=lang))
    return "\n".join(lines)


def undo_keyboard(
    items: Sequence[ItemLike], *, tz: str, now: datetime, lang: str
) -> Keyboard:
    """One Undo button per created item still open (a draft has its question's Cancel)."""
    label = tr(lang, "replies.undo")
    return [
        [button(f"{label}: {short_label(i, tz=tz, now=now, lang=lang)}", f"undo:{i.id}")]
        for i in items
        if i.status == "OPEN"
    ]
