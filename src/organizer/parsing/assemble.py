"""Assembling the time: the mentions the grammar found, once the intent is known, turned into
the answer's start, end and repetition by the rules of docs/PARSING.md.

The stages run in order on one working state (`_Work`), each a small function:
which mentions count (a reschedule keeps only the new time) -> repetition and its BY-parts ->
the date and clock picked -> relative amounts ("через 2 дня") -> weeks, ranges and
weekdays -> (agenda: the asked range, done) -> a week or a part of day with no day -> the
first occurrence of a repetition -> start -> end (a range, a duration, the defaults).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from organizer.parsing.collect import Found, collect
from organizer.parsing.dates import safe_date
from organizer.parsing.durations import minutes_of
from organizer.parsing.instants import add_months, local, midnight, plus_elapsed
from organizer.parsing.intent import Hit
from organizer.parsing.mention import Clock, Mention, resolve_hour
from organizer.parsing.recurrence import first_day, merge, rrule_text

# Prepositions before the new time of a reschedule ("перенеси на завтра", "move to 5").
NEW_PREPS = frozenset({"на", "to", "for", "until", "till"})
# The hour a part of day is over, for a part of day said with no day.
_POD_END = {"am": 12, "day": 17, "pm": 24, "night": 24}
# Amounts counted in elapsed time ("через 2 часа", "через сутки"), not calendar days.
_ELAPSED = frozenset({"minutes", "hours", "seconds", "days24"})

_T = TypeVar("_T")


class Timing(NamedTuple):
    """When the item is."""

    start: datetime | None
    end: datetime | None
    timed: bool  # a time of day is known (else `start` is a day's midnight: all-day)
    whole_day: bool  # said to take whole days, so a meeting needs no time
    rrule: str | None


class _Work:
    """The assembly's working state, filled in stage by stage. (A plain slotted class: as
    a dataclass its creation alone would add 0.7 ms to `import organizer.parsing`.)"""

    __slots__ = ("clock", "date_m", "day", "end", "end_clock", "end_said", "f", "intent", "now",
                 "pod", "rec", "rel_instant", "rel_m", "reschedule", "rrule", "start", "time_m",
                 "timed", "today", "tzo", "week_m", "whole_day_kind", "whole_range", "zone")

    def __init__(self, intent: str, now: datetime, today: date, zone: ZoneInfo, f: Found,
                 reschedule: bool) -> None:
        self.intent = intent
        self.now = now
        self.today = today
        self.zone = zone
        self.f = f
        self.reschedule = reschedule
        self.rec: dict[str, Any] | None = None  # the repetition (recurrence.merge)
        self.pod: str | None = None  # the part of day said
        self.date_m: tuple[Mention, date | None] | None = None  # the date mention, its day
        self.day: date | None = None
        self.time_m: Mention | None = None  # the time or time range mention
        self.clock: tuple[int, int] | None = None
        self.end_clock: tuple[int, int] | None = None
        self.tzo: int | str | None = None  # a named zone: IANA name or offset, minutes
        self.rel_m: Mention | None = None
        self.rel_instant: datetime | None = None  # "через 2 часа"
        self.whole_range: tuple[date, date] | None = None  # whole days, first and last
        self.week_m: Mention | None = None  # a week, weekend or month not used up
        self.whole_day_kind = False  # a kind of event that takes the whole day
        self.rrule: str | None = None
        self.start: datetime | None = None
        self.end: datetime | None = None
        self.timed = False
        self.end_said = False


def assemble(intent: str, hits: list[Hit], mentions: list[Mention], now: datetime,
             zone: ZoneInfo) -> Timing:
    """The start, end and repetition of a message of this intent (not a note). For an
    agenda question: the asked range of days, or no start."""
    reschedule = intent == "reschedule"
    today = now.date()
    w = _Work(intent, now, today, zone, _found(mentions, today, reschedule), reschedule)
    dated = _repetition(w)
    _pick_date_and_clock(w, dated)
    _relative(w)
    _weeks_ahead_weekday(w)
    _date_range(w)
    _weekday_of_week(w)
    if intent == "agenda":
        return _agenda(w)
    w.whole_day_kind = any(h.intent == "meeting" and h.group == "whole_day" for h in hits)
    _week_without_day(w)
    _part_of_day(w)
    _first_occurrence(w)
    _start(w)
    _duration(w)
    return _with_default_end(w)


# ------------------------------------------------------------------ which mentions count


def _found(mentions: list[Mention], today: date, reschedule: bool) -> Found:
    f = collect(mentions, today, moved_ok=reschedule)
    if reschedule:
        # "move lunch to tomorrow same time": the item's own time, which it keeps
        f.times = [m for m in f.times if not m["same"]]
        # "перенеси встречу в 15 на завтра": what comes before the first "на/to" names the
        # item as it was; only the new date or time counts.
        new_at = min((m.i for m in mentions if m.kind in ("date", "time")
                      and m["prep"] in NEW_PREPS), default=None)
        if new_at is not None:
            f.dates = [(m, d) for m, d in f.dates if m.i >= new_at]
            f.times = [m for m in f.times if m.i >= new_at]
    return f


def _pick(items: list[_T], reschedule: bool, prep_of: Callable[[_T], Any]) -> _T | None:
    """The mention that carries the item's time: the first, or for a reschedule the one
    after на/to (the new time), else the last."""
    if not items:
        return None
    if reschedule:
        for it in items:
            if prep_of(it) in NEW_PREPS:
                return it
        return items[-1]
    return items[0]


def _repetition(w: _Work) -> list[tuple[Mention, date | None]]:
    """The repetition said (several phrases merged) and the part of day; returns the date
    mentions left once the repetition has taken its BY-parts."""
    f = w.f
    w.rec = merge(f.recs) if f.recs else None
    if f.pods:
        w.pod = f.pods[0]["pod"]
    if w.rec is not None and w.rec["pod"] and w.pod is None:
        w.pod = w.rec["pod"]
    dated = list(f.dates)
    if w.rec is not None:
        dated = _by_parts(w.rec, dated)
    return dated


def _by_parts(rec: dict[str, Any], dated: list[tuple[Mention, date | None]]
              ) -> list[tuple[Mention, date | None]]:
    """Weekdays and days of month said with a repetition are its BY-parts (taken into
    `rec`); the other date mentions are returned."""
    rest = []
    for m, d in dated:
        if "nth" in m.data and rec["freq"] in ("MONTHLY", "WEEKLY", None):
            rec["nth"] = (m["nth"], m["wd"])  # каждый последний понедельник месяца
            rec["freq"] = "MONTHLY"
            rec["byday"] = frozenset()
        elif "wd" in m.data and not m["next"]:
            rec["byday"] = rec["byday"] | {m["wd"]}
            if rec["freq"] in ("DAILY", None) or rec["freq"] == "WEEKLY":
                rec["freq"] = "WEEKLY"
        elif "dom" in m.data and rec["freq"] in ("MONTHLY", None):
            rec["monthday"] = m["dom"]
            rec["freq"] = "MONTHLY"
        else:
            rest.append((m, d))
    return rest


def _pick_date_and_clock(w: _Work, dated: list[tuple[Mention, date | None]]) -> None:
    """The date mention and the time (or time range) mention that count, the clock read
    with the part of day said elsewhere."""
    w.date_m = _pick(dated, w.reschedule, lambda it: it[0]["prep"])
    w.day = w.date_m[1] if w.date_m else None
    w.time_m = _pick(w.f.tranges or w.f.times, w.reschedule, lambda m: m["prep"])
    if w.time_m is None:
        return
    if w.time_m.kind == "trange":
        w.clock = resolve_hour(w.time_m["start"], w.pod)
        w.end_clock = resolve_hour(w.time_m["end"], w.pod)
        w.tzo = w.time_m["start"].tzo
    else:
        c: Clock = w.time_m["clock"]
        w.clock = resolve_hour(c, w.pod)
        w.tzo = c.tzo


# ------------------------------------------------------------------ relative days, weeks, ranges


def _relative(w: _Work) -> None:
    """"через 2 часа" is an instant (elapsed time); "через 3 дня", "через месяц" a day."""
    w.rel_m = _pick(w.f.rels, w.reschedule, lambda m: None)
    if w.rel_m is None:
        return
    amt = w.rel_m["amount"]
    if set(amt) <= _ELAPSED:
        w.rel_instant = plus_elapsed(w.now, minutes_of(amt), w.zone)
    elif w.day is None:
        w.day = _days_ahead(w.today, amt)


def _days_ahead(today: date, amt: dict[str, Any]) -> date:
    d = today
    d += timedelta(days=int(amt.get("days", 0)) + 7 * int(amt.get("weeks", 0))
                   + 14 * int(amt.get("fortnight", 0)))
    months = int(amt.get("months", 0)) + 12 * int(amt.get("years", 0))
    if months:
        d = add_months(d, months)
    frac = amt.get("days", 0) % 1 or amt.get("weeks", 0) % 1
    if frac:
        d += timedelta(days=round(frac * (7 if "weeks" in amt else 1)))
    return d


def _plain_weekday(m: Mention) -> bool:
    """A weekday said without "next" ("в субботу")."""
    return "wd" in m.data and not m["next"]


def _weeks_ahead_weekday(w: _Work) -> None:
    """"через неделю в субботу": that weekday of the week N weeks ahead."""
    rel_m, date_m = w.rel_m, w.date_m
    if rel_m is None or date_m is None or not _plain_weekday(date_m[0]):
        return
    amt = rel_m["amount"]
    if set(amt) == {"weeks"} and float(amt["weeks"]).is_integer():
        monday = w.today - timedelta(days=w.today.weekday())
        w.day = monday + timedelta(days=7 * int(amt["weeks"]) + date_m[0]["wd"])


def _date_range(w: _Work) -> None:
    """"с 3 по 5 мая": the range's days (from the day said, when it lies inside)."""
    rng = w.f.drange
    if rng is not None and (w.day is None or rng[0] <= w.day <= rng[1]):
        w.whole_range = (w.day or rng[0], rng[1])
        if w.day is None:
            w.day = rng[0]
        w.end_said = True


def week_range(m: Mention, today: date) -> tuple[date, date]:
    """The days of a week, weekend or month mention: [first, after the last)."""
    if m.kind == "month":
        first = today.replace(day=1)
        if m["which"] == "next":
            first = add_months(first, 1)
        return first, add_months(first, 1)
    monday = today - timedelta(days=today.weekday())
    if m["which"] == "next":
        monday += timedelta(days=7)
    elif m["which"] == "after_next":
        monday += timedelta(days=14)
    if m.kind == "weekend":
        return monday + timedelta(days=5), monday + timedelta(days=7)
    return monday, monday + timedelta(days=7)


def _weekday_of_week(w: _Work) -> None:
    """"на следующей неделе в среду": the weekday of that week (the week is used up)."""
    w.week_m = w.f.weeks[0] if w.f.weeks else None
    date_m = w.date_m
    if w.week_m is not None and w.week_m.kind == "week" and date_m is not None and \
            _plain_weekday(date_m[0]):
        a, _ = week_range(w.week_m, w.today)
        w.day = a + timedelta(days=date_m[0]["wd"])
        w.week_m = None


# ------------------------------------------------------------------ agenda


def _agenda_days(w: _Work) -> tuple[date, date] | None:
    """The days an agenda question asks about, end exclusive; None when it names none."""
    today, f, day = w.today, w.f, w.day
    if f.drange is not None:
        return f.drange[0], f.drange[1] + timedelta(days=1)
    if w.date_m is not None and w.date_m[0]["month_name"] and not w.date_m[0]["part"] \
            and day is not None:
        # "что у меня в декабре": the whole month (from today when it is this one)
        first = date(day.year, day.month, 1)
        return max(first, today), add_months(first, 1)
    if day is not None:
        return day, day + timedelta(days=1)
    if w.week_m is not None:
        return week_range(w.week_m, today)
    if w.rel_instant is not None:
        return w.rel_instant.date(), w.rel_instant.date() + timedelta(days=1)
    if f.spans:
        amt = f.spans[0]["amount"]
        days = int(amt.get("days", 0)) + 7 * int(amt.get("weeks", 0)) or 1
        return today, today + timedelta(days=days)  # "в ближайшие 3 дня"
    if f.pods or w.time_m is not None:
        return today, today + timedelta(days=1)  # "что у меня вечером"
    return None


def _agenda(w: _Work) -> Timing:
    rng = _agenda_days(w)
    if rng is None:
        return Timing(None, None, False, False, None)
    return Timing(midnight(rng[0], w.zone), midnight(rng[1], w.zone), False, True, None)


# ------------------------------------------------------------------ a day from less


def _week_without_day(w: _Work) -> None:
    """A week or weekend said with no day: "на выходных", "на следующей неделе", "на этой
    неделе заплатить" (a task from today); "same time next week" is seven days ahead."""
    week_m, today = w.week_m, w.today
    if week_m is None or w.day is not None or w.rec is not None:
        return
    a, b = week_range(week_m, today)
    if week_m.kind == "weekend":
        if a < today:
            a = today
        if w.intent == "meeting":
            w.whole_range = (a, b - timedelta(days=1))
        w.day = a
    elif week_m["which"] in ("next", "after_next"):
        w.day = a
        if w.time_m is not None and w.time_m["same"]:  # "same time next week": +7 days
            w.day = today + timedelta(days=7 if week_m["which"] == "next" else 14)
        if w.intent == "meeting" and w.whole_day_kind:
            w.whole_range = (a, b - timedelta(days=1))
    elif week_m.kind == "week" and w.intent == "task":
        w.day = max(a, today)  # "на этой неделе заплатить": from today, like a weekend


def _part_of_day(w: _Work) -> None:
    """A part of day with no day and no clock ("утром купить хлеб", "напомни вечером"):
    today while that part of day is not over, else tomorrow (all-day)."""
    if w.day is None and w.clock is None and w.rel_instant is None and w.rec is None and \
            w.f.pods:
        over = _POD_END.get(w.f.pods[0]["pod"], 24)
        w.day = w.today if w.now.hour < over else w.today + timedelta(days=1)


# ------------------------------------------------------------------ repetition


def _first_occurrence(w: _Work) -> None:
    """The rrule, and the first occurrence strictly after now as the day."""
    rec = w.rec
    if rec is not None and rec["freq"] in ("HOURLY", "MINUTELY"):
        # каждый час, every 30 minutes: the first one an interval from now
        step = rec["interval"] * (60 if rec["freq"] == "HOURLY" else 1)
        w.rel_instant = plus_elapsed(w.now.replace(second=0, microsecond=0), step, w.zone)
        w.rrule = rrule_text(rec)
        w.rec = None
        w.day = None
        w.clock = None
    elif rec is not None and rec["freq"] is not None:
        w.day = _first_day(rec, w.day, w.clock, w.now, w.zone)
        w.rrule = rrule_text(rec)
        w.rel_instant = None


def _first_day(rec: dict[str, Any], anchor: date | None, clock: tuple[int, int] | None,
               now: datetime, zone: ZoneInfo) -> date:
    """The day of the first occurrence: a timed one may be today if its time is still
    ahead; a yearly one with a date said moves to next year's date."""
    today = now.date()
    d0 = first_day(rec, today, include_today=clock is not None, anchor=anchor)
    if clock is not None and local(d0, clock[0], clock[1], zone) <= now:
        nxt_anchor = None
        if anchor is not None and rec["freq"] == "YEARLY":
            nxt_anchor = safe_date(anchor.year + 1, anchor.month, anchor.day)
        d0 = first_day(rec, d0 + timedelta(days=1), include_today=True, anchor=nxt_anchor)
    return d0


# ------------------------------------------------------------------ start and end


def _start(w: _Work) -> None:
    """The start: a relative instant, a clock time (on the day, or its next occurrence),
    or the day's midnight (all-day); a time range also gives the end."""
    if w.rel_instant is not None and w.clock is None:
        w.start = w.rel_instant
        w.timed = True
    elif w.clock is not None:
        w.start = _clock_start(w, w.clock)
        w.timed = True
        if w.end_clock is not None:
            w.end = _range_end(w, w.start, w.end_clock)
            w.end_said = True
    elif w.day is not None:
        w.start = midnight(w.day, w.zone)


def _means_day_end(time_m: Mention | None, h: int, mnt: int) -> bool:
    """"в полночь", "в 12 ночи" with a day: the end of that day ("завтра в 00:30" is the
    night that begins it)."""
    return time_m is not None and time_m.kind == "time" and (
        time_m["clock"].mark in ("fixed", "night") and h == 0
        and time_m["clock"].h in (0, 12, 24)
        and not (time_m["clock"].h == 0 and mnt)
    )


def _clock_start(w: _Work, clock: tuple[int, int]) -> datetime:
    h, mnt = clock
    today, zone, tzo = w.today, w.zone, w.tzo
    if w.day is None:
        # a time with no date: its next occurrence strictly after now
        cand = local(today, h, mnt, zone, tzo)
        if cand <= w.now:
            cand = local(today + timedelta(days=1), h, mnt, zone, tzo)
        return cand
    day = w.day + timedelta(days=1) if _means_day_end(w.time_m, h, mnt) else w.day
    return local(day, h, mnt, zone, tzo)


def _range_end(w: _Work, start: datetime, end_clock: tuple[int, int]) -> datetime:
    """The end of a time range: the first such clock time after the start."""
    eh, em = end_clock
    zone, tzo = w.zone, w.tzo
    e = local(start.date(), eh, em, zone, tzo)
    time_m = w.time_m
    end_c = time_m["end"] if time_m is not None and time_m.kind == "trange" else None
    if e <= start and end_c is not None and end_c.mark is None and \
            1 <= end_c.h <= 11 and eh < 12:
        # "с 7 до 9", "between seven and nine": a bare end hour is the first such
        # hour after the start (21:00), not the next morning
        e2 = local(start.date(), eh + 12, em, zone, tzo)
        if e2 > start:
            e = e2
    if e <= start:
        e = local(start.date() + timedelta(days=1), eh, em, zone, tzo)
    if e <= start:
        e = local(start.date() + timedelta(days=2), eh, em, zone, tzo)
    return e


def _duration(w: _Work) -> None:
    """"на полчаса", "for 45 minutes" after a timed start, when no end was said."""
    if w.timed and w.start is not None and w.f.durs and w.end is None:
        w.end = plus_elapsed(w.start, minutes_of(w.f.durs[0]["amount"]), w.zone)
        w.end_said = True


def _with_default_end(w: _Work) -> Timing:
    """Whole-day events and default durations: a timed meeting lasts an hour, an all-day
    one ends at the midnight after its last day; other all-day items keep an end only when
    one was said."""
    start, end, timed = w.start, w.end, w.timed
    whole_day = w.f.allday or w.whole_range is not None or w.whole_day_kind
    if w.intent == "meeting":
        if timed and end is None and start is not None:
            end = plus_elapsed(start, 60, w.zone)
        elif not timed and start is not None and whole_day:
            last = w.whole_range[1] if w.whole_range is not None else start.date()
            end = midnight(last + timedelta(days=1), w.zone)
    elif not timed and w.whole_range is not None and start is not None:
        end = midnight(w.whole_range[1] + timedelta(days=1), w.zone)
    if not timed and end is not None and not w.end_said and w.intent != "meeting":
        end = None
    return Timing(start, end, timed, whole_day, w.rrule)
