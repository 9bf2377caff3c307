"""`parse(text, now, tz)`: one message -> intent, title, start, end, all_day, rrule, needs.

The rules are those of shared/nlu/CONVENTIONS.md (restated in docs/PARSING.md). All date
arithmetic is done on local dates in the user's zone; instants are built with zoneinfo
and normalised through UTC, so nonexistent or repeated wall times (DST) come out right.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from organizer.parsing.collect import Found, collect
from organizer.parsing.dates import safe_date
from organizer.parsing.durations import minutes_of
from organizer.parsing.fillers import blank_hesitations, fillers
from organizer.parsing.instants import add_months, local, midnight, plus_elapsed
from organizer.parsing.intent import COMMANDS, classify, find_hits
from organizer.parsing.mention import Clock, Mention, resolve_hour
from organizer.parsing.recurrence import first_day, merge, rrule_text
from organizer.parsing.scan import scan
from organizer.parsing.title import GEN_NOUNS, build_title, nominative_head
from organizer.parsing.tokens import language, stem, tokenize

if TYPE_CHECKING:
    from organizer.canon import Canon

MAX_CHARS = 500  # only the start of a long message is analysed (bounded time)
MAX_TOKENS = 120  # and of that, at most this many tokens (a real message has far fewer)
INTENTS = ("task", "meeting", "note", "cancel", "reschedule", "complete", "agenda", "unknown")
_NEW_PREPS = frozenset({"на", "to", "for", "until", "till"})
# Kept importable from here: the time helpers and the mentions sorted by kind moved out.
__all__ = ["INTENTS", "MAX_CHARS", "MAX_TOKENS", "UNKNOWN", "Found", "ParseResult", "add_months",
           "analyse", "local", "midnight", "parse", "plus_elapsed", "when"]


@dataclass(frozen=True)
class ParseResult:
    intent: str
    title: str | None
    start: datetime | None
    end: datetime | None
    all_day: bool
    rrule: str | None
    needs: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "title": self.title,
            "start": _iso(self.start),
            "end": _iso(self.end),
            "all_day": self.all_day,
            "rrule": self.rrule,
            "needs": list(self.needs),
        }


def _iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.isoformat(timespec="seconds")


UNKNOWN = ParseResult("unknown", None, None, None, False, None, ())


def parse(text: str, now: datetime, tz: str, canon: Canon | None = None) -> ParseResult:
    """Understand one message. Never raises on any `text`; `tz` must be an IANA zone
    name (ValueError otherwise); a naive `now` is taken as wall time in `tz`."""
    zone = _zone(tz)
    if now.tzinfo is None:
        now = now.replace(tzinfo=zone)
    if canon is None:
        from organizer.canon import load_canon

        canon = load_canon()
    if not isinstance(text, str):
        return UNKNOWN
    try:
        return analyse(text, now.astimezone(zone), zone, canon)
    except Exception:  # pragma: no cover - a bug must not take the worker down
        return UNKNOWN


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except Exception as e:
        raise ValueError(f"{tz!r} is not an IANA time zone") from e


# ------------------------------------------------------------------ analysis

# The hour a part of day is over, for a part of day said with no day.
_POD_END = {"am": 12, "day": 17, "pm": 24, "night": 24}


def _week_range(m: Mention, today: date) -> tuple[date, date]:
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


def _pick(items: list, reschedule: bool, prep_of: Any) -> Any:
    """The mention that carries the item's time: the first, or for a reschedule the one
    after на/to (the new time), else the last."""
    if not items:
        return None
    if reschedule:
        for it in items:
            if prep_of(it) in _NEW_PREPS:
                return it
        return items[-1]
    return items[0]



def when(text: str, now: datetime, tz: str, canon: Canon | None = None) -> datetime | None:
    """Only the time expression: the start `parse` would give the text as a task
    (used to compare the grammar with other libraries on time-only phrases)."""
    zone = _zone(tz)
    if canon is None:
        from organizer.canon import load_canon

        canon = load_canon()
    try:
        return analyse(text, now.astimezone(zone), zone, canon, force_intent="task").start
    except Exception:  # pragma: no cover
        return None


def analyse(text: str, now: datetime, zone: ZoneInfo, canon: Canon,
            force_intent: str | None = None) -> ParseResult:
    text = text[:MAX_CHARS]
    # "в эээ девять", "call um mom": blanked out before the grammar sees the words around it
    text = blank_hesitations(text)
    toks = tokenize(text)
    if len(toks) > MAX_TOKENS:
        toks = toks[:MAX_TOKENS]
        text = text[: toks[-1].e]
    if not toks:
        return UNKNOWN
    en = language(text) == "en"
    stems = [stem(t.t) for t in toks]
    hits = find_hits(toks, stems, canon)
    mentions = scan(toks, en, new_time=any(h.intent == "reschedule" for h in hits))
    for m in mentions:
        if m.kind == "time" and m["same"]:  # "в это же время": now's clock time
            m.data["clock"] = Clock(now.hour, now.minute, "fixed")
    has_time = any(m.kind not in ("pod", "approx") for m in mentions)
    if force_intent is None:
        skip = fillers(toks)
        intent, reminder, cmd_hits = classify(toks, hits, mentions, has_time, skip)
    else:
        intent, reminder, cmd_hits = force_intent, False, []
        skip = set()
    if intent == "unknown":
        return UNKNOWN
    if intent == "note":
        title = build_title(text, toks, [], cmd_hits, note=True, skip=skip)
        return ParseResult("note", title, None, None, False, None,
                           () if title else ("title",))
    today = now.date()
    reschedule = intent == "reschedule"
    f = collect(mentions, today, moved_ok=reschedule)
    if reschedule:
        # "move lunch to tomorrow same time": the item's own time, which it keeps
        f.times = [m for m in f.times if not m["same"]]
        # "перенеси встречу в 15 на завтра": what comes before the first "на/to" names the
        # item as it was; only the new date or time counts.
        new_at = min((m.i for m in mentions if m.kind in ("date", "time")
                      and m["prep"] in _NEW_PREPS), default=None)
        if new_at is not None:
            f.dates = [(m, d) for m, d in f.dates if m.i >= new_at]
            f.times = [m for m in f.times if m.i >= new_at]

    # ---- recurrence
    rec = merge(f.recs) if f.recs else None
    pod = None
    if f.pods:
        pod = f.pods[0]["pod"]
    if rec is not None and rec["pod"] and pod is None:
        pod = rec["pod"]

    # ---- which date / time mentions count
    dated = [(m, d) for m, d in f.dates]
    if rec is not None:
        # weekdays and days of month said with a repetition are its BY-parts
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
        dated = rest
    date_m = _pick(dated, reschedule, lambda it: it[0]["prep"])
    day: date | None = date_m[1] if date_m else None
    date_invalid = date_m is not None and day is None
    time_m = _pick(f.tranges or f.times, reschedule, lambda m: m["prep"])
    start: datetime | None = None
    end: datetime | None = None
    timed = False
    end_said = False
    whole_range: tuple[date, date] | None = None

    clock: tuple[int, int] | None = None
    end_clock: tuple[int, int] | None = None
    tzo: int | None = None
    if time_m is not None:
        if time_m.kind == "trange":
            clock = resolve_hour(time_m["start"], pod)
            end_clock = resolve_hour(time_m["end"], pod)
            tzo = time_m["start"].tzo
        else:
            c: Clock = time_m["clock"]
            clock = resolve_hour(c, pod)
            tzo = c.tzo
    rel_instant = None
    rel_m = _pick(f.rels, reschedule, lambda m: None)
    if rel_m is not None:
        amt = rel_m["amount"]
        if set(amt) <= {"minutes", "hours", "seconds", "days24"}:
            rel_instant = plus_elapsed(now, minutes_of(amt), zone)
        elif day is None:
            d = today
            d += timedelta(days=int(amt.get("days", 0)) + 7 * int(amt.get("weeks", 0))
                           + 14 * int(amt.get("fortnight", 0)))
            months = int(amt.get("months", 0)) + 12 * int(amt.get("years", 0))
            if months:
                d = add_months(d, months)
            frac = amt.get("days", 0) % 1 or amt.get("weeks", 0) % 1
            if frac:
                d += timedelta(days=round(frac * (7 if "weeks" in amt else 1)))
            day = d

    # "через неделю в субботу": that weekday of the week N weeks ahead
    if rel_m is not None and date_m is not None and "wd" in date_m[0].data and \
            not date_m[0]["next"] and set(rel_m["amount"]) == {"weeks"} and \
            float(rel_m["amount"]["weeks"]).is_integer():
        monday = today - timedelta(days=today.weekday())
        day = monday + timedelta(days=7 * int(rel_m["amount"]["weeks"]) + date_m[0]["wd"])
    if f.drange is not None and (day is None or f.drange[0] <= day <= f.drange[1]):
        whole_range = (day or f.drange[0], f.drange[1])
        if day is None:
            day = f.drange[0]
        end_said = True

    week_m = f.weeks[0] if f.weeks else None
    # "на следующей неделе в среду": the weekday of that week
    if week_m is not None and week_m.kind == "week" and date_m is not None and \
            "wd" in date_m[0].data and not date_m[0]["next"]:
        a, _ = _week_range(week_m, today)
        day = a + timedelta(days=date_m[0]["wd"])
        week_m = None

    if intent == "agenda":
        rng: tuple[date, date] | None = None
        if f.drange is not None:
            rng = (f.drange[0], f.drange[1] + timedelta(days=1))
        elif date_m is not None and date_m[0]["month_name"] and not date_m[0]["part"] \
                and day is not None:
            # "что у меня в декабре": the whole month (from today when it is this one)
            first = date(day.year, day.month, 1)
            rng = (max(first, today), add_months(first, 1))
        elif day is not None:
            rng = (day, day + timedelta(days=1))
        elif week_m is not None:
            rng = _week_range(week_m, today)
        elif rel_instant is not None:
            rng = (rel_instant.date(), rel_instant.date() + timedelta(days=1))
        elif f.spans:
            amt = f.spans[0]["amount"]
            days = int(amt.get("days", 0)) + 7 * int(amt.get("weeks", 0)) or 1
            rng = (today, today + timedelta(days=days))  # "в ближайшие 3 дня"
        elif f.pods or time_m is not None:
            rng = (today, today + timedelta(days=1))  # "что у меня вечером"
        if rng is None:
            return ParseResult("agenda", None, None, None, False, None, ())
        return ParseResult("agenda", None, midnight(rng[0], zone), midnight(rng[1], zone),
                           True, None, ())

    whole_day_kind = any(h.intent == "meeting" and h.group == "whole_day" for h in hits)
    if week_m is not None and day is None and rec is None:
        a, b = _week_range(week_m, today)
        if week_m.kind == "weekend":
            if a < today:
                a = today
            if intent == "meeting":
                whole_range = (a, b - timedelta(days=1))
            day = a
        elif week_m["which"] in ("next", "after_next"):
            day = a
            if time_m is not None and time_m["same"]:  # "same time next week": +7 days
                day = today + timedelta(days=7 if week_m["which"] == "next" else 14)
            if intent == "meeting" and whole_day_kind:
                whole_range = (a, b - timedelta(days=1))
        elif week_m.kind == "week" and intent == "task":
            day = max(a, today)  # "на этой неделе заплатить": from today, like a weekend

    # a part of day with no day and no clock ("утром купить хлеб", "напомни вечером"):
    # today while that part of day is not over, else tomorrow (all-day)
    if day is None and clock is None and rel_instant is None and rec is None and \
            f.pods and intent != "agenda":
        day = today if now.hour < _POD_END.get(f.pods[0]["pod"], 24) else \
            today + timedelta(days=1)

    rrule = None
    if rec is not None and rec["freq"] in ("HOURLY", "MINUTELY"):
        # каждый час, every 30 minutes: the first one an interval from now
        step = rec["interval"] * (60 if rec["freq"] == "HOURLY" else 1)
        rel_instant = plus_elapsed(now.replace(second=0, microsecond=0), step, zone)
        rrule = rrule_text(rec)
        rec = None
        day = None
        clock = None
    if rec is not None and rec["freq"] is not None:
        anchor = day
        if rec["freq"] == "YEARLY" and anchor is None:
            anchor = None
        timed_rec = clock is not None
        d0 = first_day(rec, today, include_today=timed_rec, anchor=anchor)
        if timed_rec:
            assert clock is not None
            if local(d0, clock[0], clock[1], zone) <= now:
                nxt_anchor = None
                if anchor is not None and rec["freq"] == "YEARLY":
                    nxt_anchor = safe_date(anchor.year + 1, anchor.month, anchor.day)
                d0 = first_day(rec, d0 + timedelta(days=1), include_today=True,
                               anchor=nxt_anchor)
        day = d0
        rrule = rrule_text(rec)
        rel_instant = None

    if rel_instant is not None and clock is None:
        start = rel_instant
        timed = True
    elif clock is not None:
        h, mnt = clock
        if day is None:
            cand = local(today, h, mnt, zone, tzo)
            if cand <= now:
                cand = local(today + timedelta(days=1), h, mnt, zone, tzo)
            start = cand
        else:
            is_midnight = time_m is not None and time_m.kind == "time" and (
                time_m["clock"].mark in ("fixed", "night") and h == 0
                and time_m["clock"].h in (0, 12, 24)
                and not (time_m["clock"].h == 0 and mnt)  # "завтра в 00:30" is that night
            )
            start = local(day + timedelta(days=1) if is_midnight else day, h, mnt, zone, tzo)
        timed = True
        if end_clock is not None:
            eh, em = end_clock
            e = local(start.date(), eh, em, zone, tzo)
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
            end = e
            end_said = True
    elif day is not None:
        start = midnight(day, zone)

    if timed and start is not None and f.durs and end is None:
        end = plus_elapsed(start, minutes_of(f.durs[0]["amount"]), zone)
        end_said = True

    # ---- whole-day events and default durations
    whole_day = f.allday or whole_range is not None or whole_day_kind
    if intent == "meeting":
        if timed and end is None and start is not None:
            end = plus_elapsed(start, 60, zone)
        elif not timed and start is not None and whole_day:
            last = whole_range[1] if whole_range is not None else start.date()
            end = midnight(last + timedelta(days=1), zone)
    elif not timed and whole_range is not None and start is not None:
        end = midnight(whole_range[1] + timedelta(days=1), zone)
    if not timed and end is not None and not end_said and intent != "meeting":
        end = None

    # ---- title and needs
    lead_hits = [h for h in hits if h.intent == "task" and h.group in ("create", "lead")]
    title = build_title(text, toks, mentions, cmd_hits, note=False,
                        drop_reminder=reminder, lead_hits=lead_hits, skip=skip,
                        command=intent in COMMANDS)
    if title and intent in COMMANDS and cmd_hits and toks[cmd_hits[0].i].t in GEN_NOUNS:
        title = nominative_head(title, toks, cmd_hits[0].j, canon)
    needs = []
    required = set(canon.needs(intent)) if intent in canon.intents else set()
    if reminder:
        required.add("date")
    if "title" in required and not title:
        needs.append("title")
    if "date" in required and start is None:
        needs.append("date")
    if intent == "meeting" and "time" in required and not timed and not whole_day:
        needs.append("time")
    del date_invalid
    return ParseResult(intent, title, start, end, start is not None and not timed, rrule,
                       tuple(needs))
