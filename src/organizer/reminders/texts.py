"""What the reminders say, in Russian or English, with their buttons. PURE.

Every text of the reminder messages, the snooze/late/series buttons' answers and
/settings lives here; dates and times are worded by organizer.pipeline.timefmt, the
language by organizer.pipeline.language. No clock, no database: `now` is an argument.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from organizer import schedule
from organizer.pipeline.language import clip, untitled
from organizer.pipeline.timefmt import hhmm, in_text, late_note, short_when, stamp
from organizer.reminders.series import Item
from organizer.texts import tr


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
        return f"⏰ {title} — {tr(lang, 'reminders.all_day')}"
    end = (
        f"–{hhmm(item.end_at + (occ - item.start_at), tz)}"
        if (item.end_at and item.start_at)
        else ""
    )
    text = f"⏰ {title} — {short_when(occ, tz, lang, now)}{end}"
    if occ > now:
        mins = max(1, round((occ - now).total_seconds() / 60))
        text += f" ({in_text(timedelta(minutes=mins), lang)})"
    return text


def _reminder_keyboard(item: Item, occ: datetime, tz: str, lang: str) -> Keyboard:
    done = f"done:{item.id}" + (f":{stamp(occ, tz)}" if item.rrule else "")
    keyboard: Keyboard = [
        [{"text": tr(lang, "reminders.done"), "callback_data": done}],
        [
            {"text": tr(lang, "reminders.15_min"), "callback_data": f"snooze:{item.id}:15m"},
            {"text": tr(lang, "reminders.1_h"), "callback_data": f"snooze:{item.id}:1h"},
            {"text": tr(lang, "reminders.tomorrow_9_00"), "callback_data": f"snooze:{item.id}:tom"},
        ],
    ]  # fmt: skip
    if item.type == "meeting":
        keyboard.append(
            [{"text": tr(lang, "reminders.running_late"), "callback_data": f"late:{item.id}"}]
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
        text = f"⏰ {tr(lang, 'reminders.reminder')}: {title_of(item, lang)}"
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
    text = tr(lang, "reminders.title_repeats_cancel_only", title=title, when=when)
    this_one = f"cxo:{item.id}" + (f":{stamp(occ, tz)}" if occ else "")
    keyboard: Keyboard = [
        [
            {"text": tr(lang, "reminders.this_one"), "callback_data": this_one},
            {"text": tr(lang, "reminders.whole_series"), "callback_data": f"cxs:{item.id}"},
        ]
    ]
    return text, keyboard


# --- button answers: (toast, new text of the pressed message) ---------------------------


def gone(lang: str) -> str:
    return tr(lang, "reminders.that_is_no_longer")


def occurrence_behind(lang: str) -> str:
    return tr(lang, "reminders.that_occurrence_is_already")


def already_cancelled(lang: str) -> str:
    return tr(lang, "reminders.already_cancelled")


def unknown_button(lang: str) -> str:
    return tr(lang, "reminders.unknown_button")


def series_cancelled(title: str, lang: str, *, whole: bool) -> tuple[str, str]:
    toast = tr(lang, "reminders.series_cancelled")
    if whole:
        return toast, tr(lang, "reminders.title_the_whole_series", title=title)  # fmt: skip
    return toast, tr(lang, "reminders.title_the_series_is", title=title)


def last_one_cancelled(title: str, lang: str) -> str:
    return tr(lang, "reminders.title_that_was_the", title=title)  # fmt: skip


def one_cancelled(title: str, gone_when: str, next_when: str, lang: str) -> str:
    return tr(lang, "reminders.cancelled_gone_when_only", gone_when=gone_when, title=title, next_when=next_when)  # fmt: skip


def cancelled_toast(lang: str) -> str:
    return tr(lang, "reminders.cancelled")


def occurrence_done(title: str, next_when: str | None, lang: str) -> tuple[str, str]:
    if next_when is None:
        text = tr(lang, "reminders.title_done_the_series", title=title)  # fmt: skip
    else:
        text = tr(lang, "reminders.title_done_next_time", title=title, next_when=next_when)  # fmt: skip
    return tr(lang, "reminders.done_toast"), text


def snoozed(when: str, lang: str) -> tuple[str, str]:
    note = tr(lang, "reminders.ill_remind_you_at", when=when)
    return note, note


def running_late(when: str, lang: str) -> tuple[str, str]:
    note = tr(lang, "reminders.noted_running_late_ill", when=when)  # fmt: skip
    return tr(lang, "reminders.noted"), note


def under(original: str | None, note: str) -> str:
    """The pressed reminder's text with the note under it."""
    return f"{original}\n{note}" if original else note


# --- /settings -----------------------------------------------------------------------------


def settings_text(p: ChatPrefs) -> str:
    lang = p.lang
    agenda = p.agenda_time if p.agenda_time != "off" else tr(lang, "reminders.off")
    return tr(lang, "reminders.settings_time_zone_tz", tz=p.tz, agenda=agenda, lead_min=p.lead_min)


def saved(p: ChatPrefs) -> str:
    return tr(p.lang, "reminders.saved") + settings_text(p)


SETTING_PROBLEMS = ("location", "no_zone_there", "agenda", "lead", "lang")


def setting_problem(problem: str, lang: str) -> str:
    return tr(lang, f"settings.problem.{problem}")


def zone_shown(tz: str, lang: str) -> str:
    return tr(lang, "reminders.time_zone_tz_change", tz=tz)  # fmt: skip


def not_a_zone(value: str, lang: str) -> str:
    return tr(lang, "reminders.value_is_not_a", value=value)  # fmt: skip
