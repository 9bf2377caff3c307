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
from organizer.pipeline.language import lang_of_text as lang_of_text
from organizer.pipeline.language import pick_lang as pick_lang
from organizer.pipeline.language import quote as quote
from organizer.pipeline.language import t as _t
from organizer.pipeline.timefmt import (
    EN_WEEKDAYS,
    EN_WEEKDAYS_SHORT,
    RU_WEEKDAYS_EVERY,
    RU_WEEKDAYS_SHORT,
)
from organizer.pipeline.timefmt import RU_MONTHS_GEN as RU_MONTHS_GEN
from organizer.pipeline.timefmt import clock as clock
from organizer.pipeline.timefmt import day_text as day_text
from organizer.pipeline.timefmt import local as local
from organizer.pipeline.timefmt import when_text as when_text

RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

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
            return _t(lang, "по будням", "every weekday")
        if set(days) == {"SA", "SU"}:
            return _t(lang, "по выходным", "every weekend")
        idx = [RRULE_DAYS.index(d) for d in days if d in RRULE_DAYS]
        if lang == "ru":
            if len(idx) == 1 and interval == 1:
                return RU_WEEKDAYS_EVERY[idx[0]]
            names = ", ".join(RU_WEEKDAYS_SHORT[i] for i in idx)
            return f"раз в {interval} недели: {names}" if interval > 1 else f"по дням: {names}"
        names = ", ".join(EN_WEEKDAYS[i] for i in idx)
        return f"every {interval} weeks on {names}" if interval > 1 else f"every {names}"
    units = {
        "DAILY": ("день", "дня", "day"),
        "WEEKLY": ("неделю", "недели", "week"),
        "MONTHLY": ("месяц", "месяца", "month"),
        "YEARLY": ("год", "года", "year"),
    }.get(freq)
    if units is None:
        return _t(lang, "повторяется", "repeats")
    if interval > 1:
        return _t(lang, f"раз в {interval} {units[1]}", f"every {interval} {units[2]}s")
    every_ru = {"DAILY": "каждый", "WEEKLY": "каждую", "MONTHLY": "каждый", "YEARLY": "каждый"}
    return _t(lang, f"{every_ru[freq]} {units[0]}", f"every {units[2]}")


def describe(item: ItemLike, *, tz: str, now: datetime, lang: str) -> str:
    """'Встреча с Петей — завтра, 24 ноября, 15:00–16:00' (+ ', каждый понедельник')."""
    title = item.title or _t(lang, "(без названия)", "(untitled)")
    when = when_text(item.start_at, item.end_at, item.all_day, tz=tz, now=now, lang=lang)
    if item.all_day and when and item.type == "meeting":
        when += _t(lang, ", весь день", ", all day")
    text = title if when is None else f"{title} — {when}"
    rr = rrule_text(item.rrule, lang)
    if rr:
        text += f" ({rr})"
    return text


def short_label(item: ItemLike, *, tz: str, now: datetime, lang: str, width: int = 40) -> str:
    """A button label: the title and a compact time, cut to `width` characters."""
    title = item.title or _t(lang, "(без названия)", "(untitled)")
    if item.start_at is not None:
        s = local(item.start_at, tz)
        wd = (RU_WEEKDAYS_SHORT if lang == "ru" else EN_WEEKDAYS_SHORT)[s.weekday()]
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
    done = button(_t(lang, "Готово", "Done"), f"done:{item.id}")
    move = button(_t(lang, "Перенести", "Change time"), f"resched:{item.id}")
    cancel = button(_t(lang, "Отменить", "Cancel"), f"cancel:{item.id}")
    if item.type == "task":
        return [[done, move, cancel]]
    if item.type == "meeting":
        return [[move, cancel]]
    return [[button(_t(lang, "Удалить", "Delete"), f"cancel:{item.id}")]]


def pick_label(dt: datetime, *, tz: str, now: datetime, lang: str) -> str:
    s = local(dt, tz)
    today = local(now, tz).date()
    delta = (s.date() - today).days
    if delta == 0:
        day = _t(lang, "Сегодня", "Today")
    elif delta == 1:
        day = _t(lang, "Завтра", "Tomorrow")
    else:
        wd = (RU_WEEKDAYS_SHORT if lang == "ru" else EN_WEEKDAYS_SHORT)[s.weekday()]
        day = f"{wd.capitalize()} {s.day:02d}.{s.month:02d}"
    return f"{day} {clock(s)}"


def pick_data(item_id: int, dt: datetime, tz: str) -> str:
    return f"pick:{item_id}:{local(dt, tz).strftime('%Y%m%d%H%M')}"


def suggest_times(
    day: date | None, *, now: datetime, tz: str, count: int = 4
) -> list[datetime]:
    """Likely times to offer as buttons, all strictly in the future.

    With a known day: that day at 10, 12, 15, 18. Without: the rest of today's round
    hours among 12, 15, 18 (at least an hour ahead), then tomorrow at 10, 15, 18.
    """
    zone = ZoneInfo(tz)
    n = local(now, tz)
    out: list[datetime] = []

    def add(d: date, hour: int) -> None:
        dt = datetime.combine(d, time(hour), zone)
        if dt > n + timedelta(minutes=30) and len(out) < count:
            out.append(dt)

    if day is not None:
        for h in (10, 12, 15, 18):
            add(day, h)
        if out:
            return out
    for h in (12, 15, 18):
        if sum(1 for o in out if o.date() == n.date()) >= 2:
            break
        if datetime.combine(n.date(), time(h), zone) >= n + timedelta(hours=1):
            add(n.date(), h)
    for h in (10, 15, 18):
        add(n.date() + timedelta(days=1), h)
    return out


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
        rows.append([button(_t(lang, "Отменить", "Cancel"), f"cancel:{item_id}")])
    return rows


def question_keyboard(
    item: ItemLike, missing: Sequence[str], *, tz: str, now: datetime, lang: str
) -> Keyboard:
    """Under a clarifying question: Cancel when the title is missing, else offered times
    (on the item's day when it has one)."""
    if "title" in missing:
        return [[button(_t(lang, "Отменить", "Cancel"), f"cancel:{item.id}")]]
    day = local(item.start_at, tz).date() if item.start_at else None
    times = suggest_times(day, now=now, tz=tz)
    return pick_keyboard(item.id, times, tz=tz, now=now, lang=lang)


def select_keyboard(
    items: Sequence[ItemLike], action: str, *, tz: str, now: datetime, lang: str
) -> Keyboard:
    return [
        [button(short_label(i, tz=tz, now=now, lang=lang), f"sel:{i.id}:{action}")]
        for i in items
    ]


# ---------------------------------------------------------------- texts

TYPE_WORDS = {
    "ru": {"task": "задачу", "meeting": "встречу", "note": "заметку"},
    "en": {"task": "task", "meeting": "meeting", "note": "note"},
}


def created_text(item: ItemLike, *, tz: str, now: datetime, lang: str) -> str:
    what = describe(item, tz=tz, now=now, lang=lang)
    if lang == "ru":
        verb = "Записал" if item.type == "note" else "Добавил"
        return f"{verb} {TYPE_WORDS['ru'][item.type]}: {what}"
    return f"Added a {TYPE_WORDS['en'][item.type]}: {what}"


def question_text(
    item: ItemLike, missing: Sequence[str], *, tz: str, now: datetime, lang: str, again: bool
) -> str:
    """Ask for exactly what is missing."""
    title = item.title
    prefix = _t(lang, "Не понял, когда. ", "I didn't catch when. ") if again else ""
    if "title" in missing:
        when = when_text(item.start_at, item.end_at, item.all_day, tz=tz, now=now, lang=lang)
        if lang == "ru":
            q = "О чём напомнить" if item.type == "task" else "Как назвать"
            q += f" ({when})?" if when else "?"
            return f"{prefix}{q} Напишите, например, «позвонить маме»."
        q = "What should I remind you about" if item.type == "task" else "What should I call it"
        q += f" ({when})?" if when else "?"
        return f"{prefix}{q} For example “call mom”."
    shown = quote(lang, title or _t(lang, "это", "this"))
    if "date" in missing and item.type == "task":
        return prefix + _t(
            lang,
            f"Когда напомнить {shown}? Например «завтра в 10».",
            f"When should I remind you to {title or 'do this'}? For example “tomorrow at 10am”.",
        )
    if "date" in missing:
        return prefix + _t(
            lang,
            f"Когда {shown}? Напишите день и время, например «завтра в 15».",
            f"When is {shown}? Send a day and time, e.g. “tomorrow at 3pm”.",
        )
    day = when_text(item.start_at, None, True, tz=tz, now=now, lang=lang)
    return prefix + _t(
        lang,
        f"Во сколько {shown}" + (f" ({day})" if day else "") + "? Например «в 15:00».",
        f"What time is {shown}" + (f" ({day})" if day else "") + "? E.g. “at 3pm”.",
    )


def reschedule_question(item: ItemLike, *, tz: str, now: datetime, lang: str, again: bool) -> str:
    prefix = _t(lang, "Не понял, на когда. ", "I didn't catch the new time. ") if again else ""
    what = describe(item, tz=tz, now=now, lang=lang)
    return prefix + _t(
        lang,
        f"На когда перенести? Сейчас: {what}. Например «на пятницу в 11».",
        f"Move it to when? Now: {what}. E.g. “Friday at 11am”.",
    )


def done_text(item: ItemLike, *, tz: str, now: datetime, lang: str) -> str:
    return _t(lang, "Отметил выполненным: ", "Marked done: ") + describe(
        item, tz=tz, now=now, lang=lang
    )


def next_occurrence_text(item: ItemLike, *, tz: str, now: datetime, lang: str) -> str:
    return _t(lang, "Готово. Следующий раз: ", "Done. Next time: ") + describe(
        item, tz=tz, now=now, lang=lang
    )


def cancelled_text(item: ItemLike, *, tz: str, now: datetime, lang: str) -> str:
    return _t(lang, "Отменил: ", "Cancelled: ") + describe(item, tz=tz, now=now, lang=lang)


def rescheduled_text(item: ItemLike, *, tz: str, now: datetime, lang: str) -> str:
    return _t(lang, "Перенёс: ", "Moved: ") + describe(item, tz=tz, now=now, lang=lang)


def already_text(item: ItemLike, *, tz: str, now: datetime, lang: str) -> str:
    what = describe(item, tz=tz, now=now, lang=lang)
    if item.status == "DONE":
        return _t(lang, f"Уже выполнено: {what}", f"Already done: {what}")
    return _t(lang, f"Уже отменено: {what}", f"Already cancelled: {what}")


def gone_text(lang: str) -> str:
    return _t(lang, "Этой записи больше нет.", "That item no longer exists.")


def unknown_button_text(lang: str) -> str:
    return _t(lang, "Эта кнопка больше не работает.", "This button no longer works.")


ACTION_WORDS = {
    "ru": {"cancel": "отменить", "complete": "отметить выполненным", "reschedule": "перенести"},
    "en": {"cancel": "cancel", "complete": "mark done", "reschedule": "move"},
}


def not_found_text(title: str | None, action: str, lang: str) -> str:
    if title:
        return _t(
            lang,
            f"Не нашёл {quote(lang, as_quoted_title(title))} среди открытых дел.",
            f"I couldn't find {quote(lang, as_quoted_title(title))} among your open items.",
        )
    return _t(lang, "Не нашёл подходящих открытых дел.", "I couldn't find a matching open item.")


def choose_text(action: str, lang: str, *, title: str | None) -> str:
    verb = ACTION_WORDS[lang].get(action, action)
    if title:
        return _t(
            lang,
            f"Нашёл несколько похожих на {quote(lang, as_quoted_title(title))}. Что {verb}?",
            f"Several items match {quote(lang, as_quoted_title(title))}. Which one should I {verb}?",
        )
    return _t(lang, f"Что {verb}?", f"Which one should I {verb}?")


def unknown_text(lang: str) -> str:
    return _t(
        lang,
        "Не понял 🙂 Напишите, например: «завтра в 15 встреча с Петей», «купить молоко», "
        "«что у меня завтра». /help — подсказка.",
        "I didn't get that 🙂 Try: “meeting with Anna tomorrow at 3pm”, “buy milk”, "
        "“what do I have tomorrow”. /help for more.",
    )


def empty_text(lang: str) -> str:
    return _t(lang, "Пустое сообщение — напишите, что записать.", "The message is empty.")


def help_text(lang: str) -> str:
    if lang == "ru":
        return (
            "Пишите как человеку:\n"
            "• «завтра в 15 встреча с Петей» — встреча\n"
            "• «купить молоко», «напомни в пятницу в 10 позвонить маме» — задача\n"
            "• «заметка: код от домофона 1234» — заметка\n"
            "• «перенеси встречу с Петей на 16», «отмени созвон», «готово молоко»\n"
            "• «что у меня завтра», «планы на неделю»\n"
            "Команды: /today /tomorrow /week /tasks /cancel /help"
        )
    return (
        "Write as you would to a person:\n"
        "• “meeting with Anna tomorrow at 3pm” — a meeting\n"
        "• “buy milk”, “remind me on Friday at 10 to call mom” — a task\n"
        "• “note: door code 1234” — a note\n"
        "• “move the meeting with Anna to 4pm”, “cancel the call”, “done milk”\n"
        "• “what do I have tomorrow”, “what's on this week”\n"
        "Commands: /today /tomorrow /week /tasks /cancel /help"
    )


def start_text(lang: str) -> str:
    return _t(
        lang,
        "Привет! Я записываю задачи, встречи и заметки. ",
        "Hi! I keep your tasks, meetings and notes. ",
    ) + help_text(lang)


def question_closed_text(lang: str, title: str | None) -> str:
    if title:
        return _t(
            lang, f"Хорошо, {quote(lang, title)} не сохраняю.", f"OK, dropped {quote(lang, title)}."
        )
    return _t(lang, "Нет открытых вопросов.", "There is no open question.")


def left_as_is_text(item: ItemLike, *, tz: str, now: datetime, lang: str) -> str:
    """/cancel of a question about an open item: nothing changes."""
    return _t(lang, "Хорошо, оставил как есть: ", "OK, left as it was: ") + describe(
        item, tz=tz, now=now, lang=lang
    )


def no_new_time_text(item: ItemLike, *, tz: str, now: datetime, lang: str) -> str:
    """A reschedule question expired: the item stays where it was."""
    return _t(
        lang, "Не дождался новой даты — оставил как было: ", "No new time came — left as it was: "
    ) + describe(item, tz=tz, now=now, lang=lang)


def expired_kept_text(
    item: ItemLike, *, tz: str, now: datetime, lang: str, replaced: bool = False
) -> str:
    what = describe(item, tz=tz, now=now, lang=lang)
    if replaced:
        return _t(
            lang,
            f"Прошлое сохранил как задачу без времени: {what}",
            f"Kept the previous one as a task without a time: {what}",
        )
    return _t(
        lang,
        f"Не дождался ответа — сохранил как задачу без времени: {what}",
        f"No answer in time — kept it as a task without a time: {what}",
    )


def as_quoted_title(title: str) -> str:
    """'Встречу с Петей' → 'встречу с Петей' inside a sentence (acronyms kept: 'SQL')."""
    if len(title) > 1 and title[0].isupper() and title[1].islower():
        return title[0].lower() + title[1:]
    return title


def expired_dropped_text(lang: str) -> str:
    return _t(
        lang,
        "Не дождался ответа — запись без названия не сохранил.",
        "No answer in time — I didn't keep the untitled item.",
    )


def transcript_prefix(text: str, lang: str) -> str:
    return f"🎤 {quote(lang, text)}\n"


def voice_failed_text(lang: str) -> str:
    return _t(
        lang,
        "Не удалось распознать голосовое сообщение. Попробуйте ещё раз или напишите текстом.",
        "I couldn't transcribe that voice message. Please try again or type it.",
    )


def voice_delayed_text(lang: str) -> str:
    return _t(
        lang,
        "Распознавание речи сейчас недоступно. Отвечу на голосовое, как только оно заработает.",
        "Speech recognition is unavailable right now. I'll answer your voice message "
        "as soon as it is back.",
    )


def voice_empty_text(lang: str) -> str:
    return _t(
        lang,
        "В голосовом не расслышал слов. Попробуйте ещё раз или напишите текстом.",
        "I heard no words in that voice message. Please try again or type it.",
    )


def unsupported_command_text(command: str, lang: str) -> str:
    return _t(
        lang,
        f"Команда /{command} пока не поддерживается. /help — что я умею.",
        f"/{command} isn't supported yet. /help shows what I can do.",
    )


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
            lines.append(_t(lang, f"Уточняю: {what}", f"Asking about: {what}"))
        else:
            lines.append(created_text(item, tz=tz, now=now, lang=lang))
    return "\n".join(lines)


def undo_keyboard(
    items: Sequence[ItemLike], *, tz: str, now: datetime, lang: str
) -> Keyboard:
    """One Undo button per created item still open (a draft has its question's Cancel)."""
    label = _t(lang, "Отменить", "Undo")
    return [
        [button(f"{label}: {short_label(i, tz=tz, now=now, lang=lang)}", f"undo:{i.id}")]
        for i in items
        if i.status == "OPEN"
    ]
