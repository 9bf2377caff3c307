"""Hot paths made cheaper without a change of what they return (issue 19 / pge).

The database's one time format (organizer.model.to_db / from_db): the faster spelling
writes and reads exactly what strftime / fromisoformat + astimezone did; an item row is
read by position, so its columns and Item's fields must stay in one order."""

from __future__ import annotations

import sqlite3
from dataclasses import fields
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from organizer.model import from_db, to_db

FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # the format as first written (model._DB_FORMAT)
MOMENTS = [
    datetime(2026, 12, 6, 4, 13, 32, 630355, tzinfo=UTC),
    datetime(2026, 12, 6, 4, 13, 32, tzinfo=UTC),  # no microseconds: still six digits
    datetime(2026, 3, 29, 2, 30, tzinfo=ZoneInfo("Europe/Berlin")),  # the DST gap
    datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Berlin")),  # the fold
    datetime(2026, 1, 1, 0, 0, tzinfo=ZoneInfo("Asia/Kolkata")),  # the day before in UTC
    datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=-3))),
    datetime(2026, 6, 1, 12, 0, tzinfo=ZoneInfo("UTC")),  # another object for UTC
    datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC),  # a three-digit year, as strftime writes it
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
]


@pytest.mark.parametrize("dt", MOMENTS, ids=str)
def test_to_db_writes_what_strftime_wrote(dt: datetime) -> None:
    assert to_db(dt) == dt.astimezone(UTC).strftime(FORMAT)


@pytest.mark.parametrize("dt", MOMENTS[:-2], ids=str)
def test_from_db_reads_it_back_in_utc(dt: datetime) -> None:
    back = from_db(to_db(dt))
    assert back == dt.astimezone(UTC) and back is not None and back.tzinfo is UTC
    assert from_db(None) is None and to_db(None) is None


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError):
        to_db(datetime(2026, 1, 1))


@pytest.mark.stores  # PostgreSQL's rows (pg_compat) are read by position too
def test_item_rows_are_read_by_position(conn: sqlite3.Connection) -> None:
    from organizer.db import items

    assert [f.name for f in fields(items.Item)] == [c.strip() for c in items._COLUMNS.split(",")]
    start = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
    items.insert(conn, chat_id=5, inbox_id=None, type="meeting", title="встреча",
                 status="OPEN", start=start, end=start + timedelta(hours=1), all_day=False,
                 rrule=None, tz="Europe/Moscow", source_text="s", lang="ru",
                 now=start)  # fmt: skip
    iid = conn.execute("SELECT id FROM items WHERE chat_id = ?", (5,)).fetchone()[0]
    it = items.get(conn, iid)
    assert it is not None and (it.id, it.chat_id, it.title, it.start_at, it.all_day, it.lang,
                               it.tz) == (iid, 5, "встреча", start, False, "ru", "Europe/Moscow")
    assert it.end_at == start + timedelta(hours=1) and it.created_at == start


def test_dates_and_durations_read_as_babel_writes_them() -> None:
    """timefmt keeps Babel's texts (lru_cache): the same words, asked twice or once."""
    from babel.dates import format_date, format_skeleton
    from babel.units import format_unit

    from organizer.pipeline import timefmt

    today = datetime(2026, 12, 6).date()
    for k in (-1, 0, 1, 3, 40, 400):
        d = today + timedelta(days=k)
        for lang, loc in (("ru", "ru"), ("en", "en"), ("xx", timefmt._locale("xx"))):
            for _ in range(2):
                core = format_date(d, "d MMMM" if d.year == today.year else "d MMMM y",
                                   locale=loc)  # fmt: skip
                assert timefmt.day_text(d, today, lang, relative=False) == core
                assert timefmt.weekday_name(d, lang, short=True) == format_date(d, "EEE",
                                                                               locale=loc)
                assert timefmt.month_day(d, lang) == format_skeleton("MMMMd", d, locale=loc)
    assert timefmt.duration_text(timedelta(minutes=80), "ru", length="long") == " ".join(
        [format_unit(1, "duration-hour", length="long", locale="ru"),
         format_unit(20, "duration-minute", length="long", locale="ru")])  # fmt: skip
