"""Sorting the grammar's mentions by kind, with each date mention resolved to a day."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from organizer.parsing.dates import (
    last_day,
    next_day_of_month,
    next_dom_on_weekday,
    next_week_day,
    next_weekday,
    period_end,
    period_mid,
    period_start,
    resolve_dm,
    resolve_month_name,
    resolve_nth_weekday,
    safe_date,
)
from organizer.parsing.instants import add_months
from organizer.parsing.mention import Mention


@dataclass
class Found:
    """Everything the grammar found, sorted by kind."""

    dates: list[tuple[Mention, date | None]]
    times: list[Mention]
    tranges: list[Mention]
    drange: tuple[date, date] | None
    rels: list[Mention]
    durs: list[Mention]
    weeks: list[Mention]
    spans: list[Mention]
    recs: list[Mention]
    pods: list[Mention]
    allday: bool


# ------------------------------------------------------------------ one date mention


def _last_of(d: dict[str, Any], today: date) -> date:
    """"до конца декабря": the month's last day, next year's once this one is past."""
    y = d.get("year") or today.year
    got = date(y, d["last_of"], last_day(y, d["last_of"]))
    if d.get("year") is None and got < today:
        got = date(y + 1, d["last_of"], last_day(y + 1, d["last_of"]))
    return got


def _weekday(d: dict[str, Any], today: date) -> date:
    if d.get("next") or d.get("after_next"):
        return next_week_day(today, d["wd"])
    return next_weekday(today, d["wd"])


def _day_of_month(d: dict[str, Any], today: date) -> date | None:
    if d.get("month_of") == "next":
        first = add_months(today.replace(day=1), 1)
        return safe_date(first.year, first.month, d["dom"])
    if d.get("month_of") == "this":
        return safe_date(today.year, today.month, d["dom"])
    return next_day_of_month(today, d["dom"])


# The key that says what a date mention is, and how it becomes a day; the first key present
# decides (a mention may carry several: "wd" beside "next").
_DATE_RULES: tuple[tuple[str, Callable[[dict[str, Any], date], date | None]], ...] = (
    ("nth", lambda d, today: resolve_nth_weekday(today, d)),
    ("last_of", _last_of),
    ("rel", lambda d, today: today + timedelta(days=d["rel"])),
    ("month_name", lambda d, today: resolve_month_name(today, d)),
    ("prev_wd", lambda d, today: today - timedelta(
        days=(today.weekday() - d["prev_wd"] - 1) % 7 + 1)),
    ("dom_wd", lambda d, today: next_dom_on_weekday(today, *d["dom_wd"])),
    ("wd", _weekday),
    ("this_week_wd", lambda d, today: today - timedelta(days=today.weekday())
     + timedelta(days=d["this_week_wd"])),
    ("dm", lambda d, today: resolve_dm(today, d)),
    ("period_end", lambda d, today: period_end(today, d["period_end"], d["which"])),
    ("period_mid", lambda d, today: period_mid(today, d["period_mid"], d["which"])),
    ("period_start", lambda d, today: period_start(today, d["period_start"], d["which"])),
    ("dom", _day_of_month),
)


def resolve_date(m: Mention, today: date) -> date | None:
    """The day a date mention names, said on `today`; None when it names no real day."""
    d = m.data
    for key, rule in _DATE_RULES:
        if key in d:
            return rule(d, today)
    return None


# ------------------------------------------------------------------ date ranges


def on_or_after(a: date, dm: tuple[int, int]) -> date | None:
    day, month = dm
    for y in (a.year, a.year + 1):
        d = safe_date(y, month, day)
        if d is not None and d >= a:
            return d
    return None


def _dom_range(m: Mention, today: date) -> tuple[date, date] | None:
    """"с 20 по 25", "с 28 по 3": bare days in the coming month(s)."""
    a = next_day_of_month(today, m["a"]["dom"])
    if a is None:
        return None
    y, mo = a.year, a.month
    for _ in range(3):
        b = safe_date(y, mo, m["b"]["dom"])
        if b is not None and b >= a:
            return a, b
        y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
    return None


def _day_range(m: Mention, today: date) -> tuple[date, date] | None:
    """"с 3 по 5 мая", "monday to wednesday": dates or weekdays, the end on or after the
    start."""
    a = resolve_dm(today, m["a"]) if "dm" in m["a"] else next_weekday(today, m["a"]["wd"])
    if "dm" in m["b"]:
        b = resolve_dm(today, m["b"]) if m["b"].get("year") or a is None else \
            on_or_after(a, m["b"]["dm"])
    else:
        b = a + timedelta(days=(m["b"]["wd"] - a.weekday()) % 7) if a else None
    if a is not None and b is not None and b >= a:
        return a, b
    return None


def _add_drange(f: Found, m: Mention, today: date, moved_ok: bool) -> None:
    if m["moved"] and moved_ok:
        # "move training from saturday to sunday": the new date is the second
        b = m["b"]
        d = resolve_dm(today, b) if "dm" in b else next_weekday(today, b["wd"])
        f.dates.append((Mention("date", m.i, m.j, {"prep": "to"}), d))
    elif "dom" in m["a"]:
        f.drange = _dom_range(m, today)
    else:
        f.drange = _day_range(m, today)


# ------------------------------------------------------------------ all mentions

# Kinds that are only listed, in the order said: the Found field each goes to.
_LISTED = {"time": "times", "rel": "rels", "dur": "durs", "week": "weeks", "weekend": "weeks",
           "month": "weeks", "span": "spans", "rec": "recs", "pod": "pods"}


def collect(mentions: list[Mention], today: date, moved_ok: bool = False) -> Found:
    """The mentions sorted by kind. Only the first date range counts; with `moved_ok` (a
    reschedule) the end of a "from … to …" is the new date or time."""
    f = Found([], [], [], None, [], [], [], [], [], [], False)
    for m in mentions:
        k = m.kind
        if k == "date":
            f.dates.append((m, resolve_date(m, today)))
            if m["pod"]:
                f.pods.append(Mention("pod", m.i, m.j, {"pod": m["pod"]}))
        elif k == "trange" and m["moved"] and moved_ok:
            f.times.append(Mention("time", m.i, m.j, {"clock": m["end"], "prep": "to"}))
        elif k == "trange":
            f.tranges.append(m)
        elif k == "drange":
            if f.drange is None:
                _add_drange(f, m, today, moved_ok)
        elif k == "allday":
            f.allday = True
        elif k in _LISTED:
            getattr(f, _LISTED[k]).append(m)
    return f
