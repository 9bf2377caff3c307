"""Dates and times as a person reads them, in Russian or English. PURE.

The single place for month and weekday names and every date/time wording: the
conversation's replies (day_text, when_text), the agenda, and the reminders' short
forms (hhmm, short_when, month_day), plus the local-minute stamp buttons carry.
Nothing here reads the clock: `now` is always an argument.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_date
from babel.dates import format_skeleton as _babel_skeleton
from babel.dates import get_month_names
from babel.units import format_unit as _babel_unit

from organizer import schedule
from organizer.texts import FALLBACK, LANGS, tr

# Month and weekday names come from Babel's CLDR data (the format context: «5 марта»,
# «пятница»). The genitive months are offered as a tuple for the replies' tests.
RU_MONTHS_GEN = tuple(get_month_names("wide", "format", "ru")[m] for m in range(1, 13))
STAMP = "%Y%m%d%H%M"  # the local minute a button names a time or an occurrence by


# Babel's formatting is pure and costs tens of µs a call; a reply names the same few days
# and durations again and again (today, tomorrow, this week), so the texts are kept
# (issue 19: ~1 date a text message). Keyed by value; nothing here reads the clock.
@lru_cache(maxsize=2048)
def format_date(d: date, pattern: str, locale: str) -> str:
    return _babel_date(d, pattern, locale=locale)


@lru_cache(maxsize=2048)
def format_skeleton(skeleton: str, d: date, locale: str) -> str:
    return _babel_skeleton(skeleton, d, locale=locale)


@lru_cache(maxsize=1024)
def format_unit(value: int, unit: str, length: str, locale: str) -> str:
    return _babel_unit(value, unit, length=length, locale=locale)


def _locale(lang: str) -> str:
    return lang if lang in LANGS else FALLBACK


def weekday_name(d: date, lang: str, *, short: bool = False) -> str:
    """'пятница' / 'Friday'; short: 'пт' / 'Fri'."""
    return format_date(d, "EEE" if short else "EEEE", _locale(lang))


def in_text(delta: timedelta, lang: str) -> str:
    """A moment ahead as a person says it: 'через 2 часа', 'через 1 час 30 минут', 'in 5 minutes'."""
    return tr(lang, "time.in", duration=duration_text(delta, lang, length="long"))


def duration_text(delta: timedelta, lang: str, *, length: str = "short") -> str:
    """'3 ч' / '3 hr', '1 ч 20 мин' / '1 hr 20 min' (long: '1 час 20 минут'); at least a minute."""
    minutes = max(1, int(delta.total_seconds() // 60))
    h, m = divmod(minutes, 60)
    loc = _locale(lang)
    parts = [format_unit(h, "duration-hour", length, loc)] if h else []
    if m or not h:
        parts.append(format_unit(m, "duration-minute", length, loc))
    return " ".join(parts)


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
    core = format_date(d, "d MMMM" if d.year == today.year else "d MMMM y", _locale(lang))
    delta = (d - today).days
    if not relative:
        return core
    rel = {
        -1: tr(lang, "timefmt.yesterday"),
        0: tr(lang, "timefmt.today"),
        1: tr(lang, "timefmt.tomorrow"),
        2: tr(lang, "timefmt.the_day_after_tomorrow"),
    }.get(delta)
    if rel:
        return f"{rel}, {core}"
    if with_weekday and -7 < delta < 14:
        return f"{weekday_name(d, lang)}, {core}"
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
    s = format_skeleton("MMMMd", d, _locale(lang))
    return f"{weekday_name(d, lang)}, {s}" if weekday else s


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
    d = duration_text(delay, lang)
    return tr(lang, "timefmt.late_by_d", d=d)
