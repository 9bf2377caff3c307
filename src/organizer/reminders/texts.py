"""What the reminders say, in Russian or English, with their buttons. PURE.

Every text of the reminder messages, the snooze/late/series buttons' answers and
/settings lives here; dates and times are worded by organizer.pipeline.timefmt, the
language by organizer.pipeline.language. No clock, no database: `now` is an argument.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from organizer import schedule
from organizer.pipeline.language import clip, t, untitled
from organizer.pipeline.timefmt import hhmm, late_note, short_when, stamp
from organizer.reminders.series import Item


class Reminder(Protocol):
    """What a text needs of a reminder row (organizer.db.reminders.Reminder)."""

    kind: str
    occurrence_at: datetime
    due_at: datetime


class ChatPrefs(Protocol):
    """The chat's preferences (organizer.reminders.prefs.ChatPrefs)."""

    tz: str
    lang: str
    agenda_time: str
    lead_min: int

Keyboard = list[list[dict[str, str]]]


def title_of(item: Item, lang: str) -> str:
    return clip(item.title or untitled(lang))


def _meeting_line(item: Item, occ: datetime, tz: str, lang: str, now: datetime) -> str:
    title = title_of(item, lang)
    if item.all_day:
        return f"⏰ {title} — {t(lang, 'весь день', 'all day')}"
    end = (
        f"–{hhmm(item.end_at + (occ - item.start_at), tz)}"
        if (item.end_at and item.start_at)
        else ""
    )
    text = f"⏰ {title} — {short_when(occ, tz, lang, now)}{end}"
    if occ > now:
        mins = max(1, round((occ - now).total_seconds() / 60))
        text += t(lang, f" (через {mins} мин)", f" (in {mins} min)")
    return text


def _reminder_keyboard(item: Item, occ: datetime, tz: str, lang: str) -> Keyboard:
    done = f"done:{item.id}" + (f":{stamp(occ, tz)}" if item.rrule else "")
    keyboard: Keyboard = [
        [{"text": t(lang, "✅ Готово", "✅ Done"), "callback_data": done}],
        [
            {"text": t(lang, "+15 мин", "+15 min"), "callback_data": f"snooze:{item.id}:15m"},
            {"text": t(lang, "+1 ч", "+1 h"), "callback_data": f"snooze:{item.id}:1h"},
            {"text": t(lang, "Завтра 9:00", "Tomorrow 9:00"), "callback_data": f"snooze:{item.id}:tom"},
        ],
    ]  # fmt: skip
    if item.type == "meeting":
        keyboard.append(
            [{"text": t(lang, "🏃 Опаздываю", "🏃 Running late"), "callback_data": f"late:{item.id}"}]
        )  # fmt: skip
    return keyboard


def reminder_message(
    item: Item, r: Reminder, p: ChatPrefs, now: datetime, *, late: bool
) -> tuple[str, Keyboard]:
    """The reminder's text and its buttons."""
    lang, tz = p.lang, item.tz if schedule.valid_zone(item.tz or "") else p.tz
    occ = r.occurrence_at
    if item.type == "meeting":
        text = _meeting_line(item, occ, tz, lang, now)
    else:
        text = f"⏰ {t(lang, 'Напоминание', 'Reminder')}: {title_of(item, lang)}"
        if not item.all_day and r.kind == "snooze":
            text += f" ({short_when(occ, tz, lang, now)})"
    if item.rrule:
        text += " 🔁"
    if late:
        text += " " + late_note(now - r.due_at, lang)
    return text, _reminder_keyboard(item, occ, tz, lang)


def agenda_head_late(text: str, late_by: timedelta, lang: str) -> str:
    """The daily agenda that went out late says so on its first line."""
    head, _, rest = text.partition("\n")
    return f"{head} {late_note(late_by, lang)}" + (f"\n{rest}" if rest else "")


def series_question(
    item: Item, occ: datetime | None, *, tz: str, lang: str, now: datetime
) -> tuple[str, Keyboard]:
    """ "Cancel only <this occurrence> or the whole series?" with the cxo/cxs buttons.

    The "this one" button names its occurrence (`cxo:<id>:<YYYYmmddHHMM local>`), so
    pressing it twice, or late, never cancels a second one.
    """
    title = title_of(item, lang)
    when = short_when(occ, tz, lang, now) if occ else ""
    text = t(
        lang,
        f"«{title}» повторяется. Отменить только {when} или всю серию?",
        f"“{title}” repeats. Cancel only {when} or the whole series?",
    )
    this_one = f"cxo:{item.id}" + (f":{stamp(occ, tz)}" if occ else "")
    keyboard: Keyboard = [
        [
            {"text": t(lang, "Только это", "This one"), "callback_data": this_one},
            {"text": t(lang, "Всю серию", "Whole series"), "callback_data": f"cxs:{item.id}"},
        ]
    ]
    return text, keyboard


# --- button answers: (toast, new text of the pressed message) ---------------------------


def gone(lang: str) -> str:
    return t(lang, "Этого уже нет в списке.", "That is no longer open.")


def occurrence_behind(lang: str) -> str:
    return t(lang, "Это повторение уже позади", "That occurrence is already behind")


def already_cancelled(lang: str) -> str:
    return t(lang, "Уже отменено", "Already cancelled")


def unknown_button(lang: str) -> str:
    return t(lang, "Не понял кнопку", "Unknown button")


def series_cancelled(title: str, lang: str, *, whole: bool) -> tuple[str, str]:
    toast = t(lang, "Серия отменена", "Series cancelled")
    if whole:
        return toast, t(lang, f"«{title}» — вся серия отменена.",
                        f"“{title}” — the whole series is cancelled.")  # fmt: skip
    return toast, t(lang, f"«{title}» — серия отменена.", f"“{title}” — the series is cancelled.")


def last_one_cancelled(title: str, lang: str) -> str:
    return t(lang, f"«{title}»: это было последнее — серия отменена.",
             f"“{title}”: that was the last one — series cancelled.")  # fmt: skip


def one_cancelled(title: str, gone_when: str, next_when: str, lang: str) -> str:
    return t(lang, f"Отменено только {gone_when}. Следующее «{title}» — {next_when}.",
             f"Cancelled {gone_when} only. Next “{title}”: {next_when}.")  # fmt: skip


def cancelled_toast(lang: str) -> str:
    return t(lang, "Отменено", "Cancelled")


def occurrence_done(title: str, next_when: str | None, lang: str) -> tuple[str, str]:
    if next_when is None:
        text = t(lang, f"✅ «{title}» — готово, серия завершена.",
                 f"✅ “{title}” — done, the series has ended.")  # fmt: skip
    else:
        text = t(lang, f"✅ «{title}» — готово. Следующий раз: {next_when}.",
                 f"✅ “{title}” — done. Next time: {next_when}.")  # fmt: skip
    return t(lang, "Готово", "Done"), text


def snoozed(when: str, lang: str) -> tuple[str, str]:
    note = t(lang, f"💤 Напомню в {when}", f"💤 I'll remind you at {when}")
    return note, note


def running_late(when: str, lang: str) -> tuple[str, str]:
    note = t(lang, f"🏃 Отметил, что опаздываешь. Напомню ещё раз в {when}.",
             f"🏃 Noted: running late. I'll remind you again at {when}.")  # fmt: skip
    return t(lang, "Отметил", "Noted"), note


def under(original: str | None, note: str) -> str:
    """The pressed reminder's text with the note under it."""
    return f"{original}\n{note}" if original else note


# --- /settings -----------------------------------------------------------------------------


def settings_text(p: ChatPrefs) -> str:
    lang = p.lang
    agenda = p.agenda_time if p.agenda_time != "off" else t(lang, "выключена", "off")
    return t(
        lang,
        f"⚙️ Настройки\nЧасовой пояс: {p.tz}\nСводка дня: {agenda}\n"
        f"Напоминать о встречах за: {p.lead_min} мин\nЯзык: русский\n\n"
        "Изменить: /tz Europe/Berlin (или пришлите геопозицию), /settings agenda 07:30 "
        "(или off), /settings lead 30, /settings lang en",
        f"⚙️ Settings\nTime zone: {p.tz}\nDaily agenda: {agenda}\n"
        f"Meeting reminders: {p.lead_min} min before\nLanguage: English\n\n"
        "Change: /tz Europe/Berlin (or send a location), /settings agenda 07:30 (or off), "
        "/settings lead 30, /settings lang ru",
    )


def saved(p: ChatPrefs) -> str:
    return t(p.lang, "Сохранено.\n", "Saved.\n") + settings_text(p)


SETTING_PROBLEMS = {
    "location": ("Не понял координаты.", "Could not read that location."),
    "no_zone_there": ("Не нашёл часовой пояс для этой точки. Укажите его: /tz Europe/Berlin",
                      "No time zone found there. Set it with /tz Europe/Berlin"),
    "agenda": ("Время сводки — как 07:30 (или off).", "Agenda time looks like 07:30 (or off)."),
    "lead": ("За сколько минут напоминать: число от 0 до 1440.",
             "Reminder lead: minutes from 0 to 1440."),
    "lang": ("Язык: ru или en.", "Language: ru or en."),
}  # fmt: skip


def setting_problem(problem: str, lang: str) -> str:
    ru, en = SETTING_PROBLEMS[problem]
    return t(lang, ru, en)


def zone_shown(tz: str, lang: str) -> str:
    return t(lang, f"Часовой пояс: {tz}. Изменить: /tz Europe/Berlin",
             f"Time zone: {tz}. Change it with /tz Europe/Berlin")  # fmt: skip


def not_a_zone(value: str, lang: str) -> str:
    return t(lang, f"«{value}» — не часовой пояс. Пример: /tz Europe/Berlin",
             f"“{value}” is not a time zone. Example: /tz Europe/Berlin")  # fmt: skip
