"""Date arithmetic behind the date mentions: the day a said date, weekday, nth weekday,
month or period stands for, counted from `today` (the user's local date). Pure functions of
plain dates; the token grammar is in dates.py and periods.py."""

from __future__ import annotations

from datetime import date, timedelta


def last_day(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - timedelta(days=1)).day


def safe_date(y: int, m: int, d: int) -> date | None:
    if not (1 <= m <= 12 and 1 <= d <= 31 and 1 <= y <= 9998):
        return None
    if d > last_day(y, m):
        return None
    return date(y, m, d)


def next_day_month(today: date, month: int, day: int) -> date | None:
    """The nearest `day`.`month` that is today or later (29 February waits for a leap
    year); None when the date never exists."""
    for y in range(today.year, today.year + 9):
        d = safe_date(y, month, day)
        if d is not None and d >= today:
            return d
    return None


def next_day_of_month(today: date, day: int) -> date | None:
    """The nearest day-of-month `day` that is today or later."""
    y, m = today.year, today.month
    for _ in range(13):
        d = safe_date(y, m, day)
        if d is not None and d >= today:
            return d
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return None


def next_weekday(today: date, wd: int) -> date:
    """The next `wd` strictly after today (1..7 days ahead)."""
    return today + timedelta(days=(wd - today.weekday() - 1) % 7 + 1)


def next_week_day(today: date, wd: int) -> date:
    """Day `wd` of the next calendar week (weeks start on Monday)."""
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    return monday + timedelta(days=wd)


def next_dom_on_weekday(today: date, day: int, wd: int) -> date | None:
    """The nearest `day` of a month that is today or later and falls on weekday `wd`
    ("Thursday the 15th", as Duckling reads it) within a year; else the nearest `day`
    (the writer slipped on the weekday)."""
    y, m = today.year, today.month
    for _ in range(12):
        d = safe_date(y, m, day)
        if d is not None and d >= today and d.weekday() == wd:
            return d
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return next_day_of_month(today, day)


def resolve_dm(today: date, d: dict) -> date | None:
    """A {'dm': (day, month), 'year': y} part to a date. With a weekday said beside a date
    without a year ("Fri, Jul 18"), the nearest date or the one a year later, whichever
    falls on that weekday; else the nearest date (the writer slipped on the weekday)."""
    day, month = d["dm"]
    y = d.get("year")
    if y is not None:
        return safe_date(y, month, day)
    got = next_day_month(today, month, day)
    wd = d.get("wd_check")
    if got is not None and wd is not None and got.weekday() != wd:
        for year in range(got.year + 1, got.year + 2):
            cand = safe_date(year, month, day)
            if cand is not None and cand.weekday() == wd:
                return cand
    return got


def period_start(today: date, period: str, which: str) -> date:
    """The first day of a week, month or year that is today or later, or of the next one
    when "next" is said ("в начале следующей недели" = next Monday)."""
    if period == "week":
        monday = today - timedelta(days=today.weekday())
        return monday if which != "next" and monday == today else monday + timedelta(days=7)
    if period == "month":
        first = date(today.year, today.month, 1)
        if which != "next" and first == today:
            return today
        return date(today.year + 1, 1, 1) if today.month == 12 else \
            date(today.year, today.month + 1, 1)
    if period == "year":
        first = date(today.year, 1, 1)
        return today if which != "next" and first == today else date(today.year + 1, 1, 1)
    return today


def period_end(today: date, period: str, which: str) -> date:
    """The day a period ends: a working week ends on Friday (Sunday once Friday has
    passed), a month on its last day, a year on 31 December, a day on itself."""
    if period == "day":
        return today
    if period == "week":
        monday = today - timedelta(days=today.weekday())
        if which == "next":
            return monday + timedelta(days=11)
        friday = monday + timedelta(days=4)
        return friday if today <= friday else monday + timedelta(days=6)
    if period == "month":
        y, m = today.year, today.month
        if which == "next":
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return date(y, m, last_day(y, m))
    return date(today.year + (1 if which == "next" else 0), 12, 31)


def period_mid(today: date, period: str, which: str) -> date:
    """The middle of a week (Wednesday) or month (the 15th), today or later."""
    if period == "week":
        monday = today - timedelta(days=today.weekday())
        if which == "next":
            monday += timedelta(days=7)
        wed = monday + timedelta(days=2)
        return wed if wed >= today else wed + timedelta(days=7)
    first = date(today.year, today.month, 1)
    if which == "next":
        first = date(today.year + 1, 1, 1) if today.month == 12 else \
            date(today.year, today.month + 1, 1)
    mid = first.replace(day=15)
    if mid < today:
        mid = (date(mid.year + 1, 1, 15) if mid.month == 12
               else date(mid.year, mid.month + 1, 15))
    return mid


def nth_weekday_in(y: int, m: int, nth: int, wd: int) -> date | None:
    if nth > 0:
        first = date(y, m, 1)
        d = first + timedelta(days=(wd - first.weekday()) % 7 + 7 * (nth - 1))
        return d if d.month == m else None
    last = date(y, m, last_day(y, m))
    return last - timedelta(days=(last.weekday() - wd) % 7)


def resolve_nth_weekday(today: date, d: dict) -> date | None:
    """The nth weekday of the month named (this year, or next once passed), or of this
    month (the next month once passed)."""
    y, m = today.year, today.month
    if d.get("month"):
        m = d["month"]
        y = d.get("year") or y
        got = nth_weekday_in(y, m, d["nth"], d["wd"])
        if d.get("year") is None and (got is None or got < today):
            got = nth_weekday_in(y + 1, m, d["nth"], d["wd"])
        return got
    if d.get("which") == "next":
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    for _ in range(13):
        got = nth_weekday_in(y, m, d["nth"], d["wd"])
        if got is not None and got >= today:
            return got
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return None


def resolve_month_name(today: date, d: dict) -> date:
    """The day a month said alone stands for: its start (today when it is this month),
    its middle (the 15th) or its end (last day); the coming such month."""
    mo = d["month_name"]
    y = d.get("year") or (today.year if mo >= today.month else today.year + 1)
    part = d.get("part")
    if part == "end":
        return date(y, mo, last_day(y, mo))
    day = 15 if part == "mid" else 1
    got = date(y, mo, day)
    if got < today and (y, mo) == (today.year, today.month) and part != "mid":
        return today
    if got < today and part == "mid":
        return today
    return got
