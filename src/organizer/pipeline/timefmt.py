"""Dates and times as a person reads them, in Russian or English. PURE.

The single place for month and weekday names and every date/time wording: the
conversation's replies (day_text, when_text), the agenda, and the reminders' short
forms (hhmm, short_when, month_day), plus the local-minute stamp buttons carry.
Nothing here reads the clock: `now` is always an argument.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from organizer import schedule
from organizer.pipeline.language import t

RU_MONTHS_GEN = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip
EN_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
RU_WEEKDAYS = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")
RU_WEEKDAYS_SHORT = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
# "каждый понедельник", "каждую среду": the accusative after каждый/каждую.
RU_WEEKDAYS_EVERY = (
    "каждый понедельник", "каждый вторник", "каждую среду", "каждый четверг",
    "каждую пятницу", "каждую субботу", "каждое воскресенье",
)  # fmt: skip
EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EN_WEEKDAYS_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
STAMP = "%Y%m%d%H%M"  # the local minute a button names a time or an occurrence by


def local(dt: datetime, tz: str) -> datetime:
    return dt.astimezone(ZoneInfo(tz))


def local_day(dt: datetime | None, tz: str) -> date | None:
    return dt.astimezone(ZoneInfo(tz)).date() if dt else None


def midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, datetime.min.time(), ZoneInfo(tz))


def day_text(
    d: date, today: date, lang: str, *, with_weekday: bool = True, relative: bool = True
) -> str:
    """'завтра, 24 ноября' / 'пятница, 27 ноября' / '3 марта 2027' (year only when not this)."""
    if lang == "ru":
        core = f"{d.day} {RU_MONTHS_GEN[d.month - 1]}"
    else:
        core = f"{d.day} {EN_MONTHS[d.month - 1]}"
    if d.year != today.year:
        core += f" {d.year}"
    delta = (d - today).days
    if not relative:
        return core
    rel = {
        -1: t(lang, "вчера", "yesterday"),
        0: t(lang, "сегодня", "today"),
        1: t(lang, "завтра", "tomorrow"),
        2: t(lang, "послезавтра", "the day after tomorrow"),
    }.get(delta)
    if rel:
        return f"{rel}, {core}"
    if with_weekday and -7 < delta < 14:
        wd = RU_WEEKDAYS[d.weekday()] if lang == "ru" else EN_WEEKDAYS[d.weekday()]
        return f"{wd}, {core}"
    return core


def clock(dt: datetime) -> str:
    return f"{dt.hour:02d}:{dt.minute:02d}"


def when_text(
    start: datetime | None,
    end: datetime | None,
    all_day: bool,
    *,
    tz: str,
    now: datetime,
    lang: str,
) -> str | None:
    """'завтра, 24 ноября, 15:00–16:00'; all-day: 'завтра, 24 ноября, весь день'."""
    if start is None:
        return None
    today = local(now, tz).date()
    s = local(start, tz)
    if all_day:
        last = None
        if end is not None:
            last = (local(end, tz) - timedelta(days=1)).date()
        if last is None or last <= s.date():
            return day_text(s.date(), today, lang)
        return f"{day_text(s.date(), today, lang)} – {day_text(last, today, lang)}"
    head = f"{day_text(s.date(), today, lang)}, {clock(s)}"
    if end is None or end <= start:
        return head
    e = local(end, tz)
    if e.date() == s.date():
        return f"{head}–{clock(e)}"
    return f"{head} – {day_text(e.date(), today, lang)}, {clock(e)}"


# --- the reminders' short forms (schedule.zone: an unknown zone is a ScheduleError) ---


def hhmm(moment: datetime, tz: str) -> str:
    return schedule.wall(moment, schedule.zone(tz)).strftime("%H:%M")


def month_day(d: date, lang: str, *, weekday: bool = False) -> str:
    """'2 декабря' / 'December 2' (with the weekday in front when asked)."""
    if lang == "ru":
        s = f"{d.day} {RU_MONTHS_GEN[d.month - 1]}"
        return f"{RU_WEEKDAYS[d.weekday()]}, {s}" if weekday else s
    s = f"{EN_MONTHS[d.month - 1]} {d.day}"
    return f"{EN_WEEKDAYS[d.weekday()]}, {s}" if weekday else s


def short_when(moment: datetime, tz: str, lang: str, now: datetime) -> str:
    """'10:00' today, else '2 декабря, 10:00' / 'December 2, 10:00'."""
    z = schedule.zone(tz)
    d = schedule.wall(moment, z).date()
    if d == schedule.wall(now, z).date():
        return hhmm(moment, tz)
    return f"{month_day(d, lang)}, {hhmm(moment, tz)}"


def stamp(moment: datetime, tz: str) -> str:
    """The local YYYYmmddHHMM a button names an occurrence (or an offered time) by."""
    return schedule.wall(moment, schedule.zone(tz)).strftime(STAMP)


def late_note(delay: timedelta, lang: str) -> str:
    d = schedule.format_delay(delay, lang)
    return t(lang, f"(опоздало на {d})", f"(late by {d})")
