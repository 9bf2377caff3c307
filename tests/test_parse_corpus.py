"""The organizer-level parse corpus (tests/data/parse_corpus_*.jsonl) and its judge.

The corpus is an independent oracle for `organizer.parsing.parse`: every expectation was
derived by hand from shared/nlu/CONVENTIONS.md, never copied from parser output. This module
checks the corpus's own shape, unit-tests the judge, and asserts the parser's full-match rate.
"""

from __future__ import annotations

import importlib
import inspect
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from organizer.parsing.judge import judge, rrule_parts, score, title_similarity, titles_match

DATA = Path(__file__).resolve().parent / "data"
CORPORA = {"ru": DATA / "parse_corpus_ru.jsonl", "en": DATA / "parse_corpus_en.jsonl"}
MIN_LINES = {"ru": 280, "en": 140}
MIN_RATE = 0.97

INTENTS = {"task", "meeting", "note", "cancel", "reschedule", "complete", "agenda", "unknown"}
FIELDS = {"intent", "title", "start", "end", "all_day", "rrule", "needs"}
NEEDS = {"date", "time", "title"}
CATEGORIES = {
    "relative_days", "weekdays", "dates", "clock", "relative_time", "intervals", "all_day",
    "recurrence", "needs", "intents", "agenda", "unknown", "deadlines", "asr", "titles", "dst",
    "tz",
}


def load(lang: str) -> list[dict[str, Any]]:
    with CORPORA[lang].open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


ROWS = {lang: load(lang) for lang in CORPORA}
ALL_ROWS = ROWS["ru"] + ROWS["en"]


# ------------------------------------------------------------------ the corpus's own shape


def _aware(value: str) -> datetime:
    dt = datetime.fromisoformat(value)
    assert dt.tzinfo is not None and dt.utcoffset() is not None, f"{value!r} has no offset"
    return dt


@pytest.mark.parametrize("lang", sorted(CORPORA))
def test_corpus_size_and_categories(lang: str) -> None:
    rows = ROWS[lang]
    assert len(rows) >= MIN_LINES[lang]
    seen = {row["category"] for row in rows}
    assert seen >= CATEGORIES, f"{lang} lacks categories {sorted(CATEGORIES - seen)}"
    intents = {row["expected"]["intent"] for row in rows}
    assert intents == INTENTS, f"{lang} lacks intents {sorted(INTENTS - intents)}"


def test_ids_unique_and_prefixed() -> None:
    ids = [row["id"] for row in ALL_ROWS]
    assert len(ids) == len(set(ids))
    for lang, rows in ROWS.items():
        assert all(row["id"].startswith(f"{lang}-") for row in rows)


@pytest.mark.parametrize("row", ALL_ROWS, ids=lambda row: row["id"])
def test_row_shape(row: dict[str, Any]) -> None:
    assert set(row) == {"id", "category", "text", "now", "tz", "expected"}
    assert isinstance(row["text"], str) and row["text"].strip()
    zone = ZoneInfo(row["tz"])
    now = _aware(row["now"])
    # the offset written must be the zone's offset at that instant
    assert now.utcoffset() == now.astimezone(zone).utcoffset()
    exp = row["expected"]
    assert set(exp) == FIELDS
    assert exp["intent"] in INTENTS
    assert exp["title"] is None or (isinstance(exp["title"], str) and exp["title"].strip())
    assert isinstance(exp["all_day"], bool)
    assert isinstance(exp["needs"], list) and set(exp["needs"]) <= NEEDS
    assert len(exp["needs"]) == len(set(exp["needs"]))
    assert exp["rrule"] is None or rrule_parts(exp["rrule"]) is not None
    for key in ("start", "end"):
        if exp[key] is not None:
            dt = _aware(exp[key])
            assert dt.utcoffset() == dt.astimezone(zone).utcoffset(), f"{key} offset"
    if exp["end"] is not None:
        assert exp["start"] is not None
        assert _aware(exp["end"]) > _aware(exp["start"])
    if exp["all_day"]:
        start = _aware(exp["start"])
        assert (start.hour, start.minute) == (0, 0)
    if exp["intent"] in ("agenda", "unknown"):
        assert exp["title"] is None
    if exp["intent"] in ("note", "unknown"):
        assert exp["start"] is None and exp["rrule"] is None
    if exp["start"] is not None and exp["rrule"] is None and exp["intent"] not in ("agenda",):
        # nothing in the corpus points at the past, except an all-day "today"
        assert _aware(exp["start"]).date() >= now.astimezone(zone).date()


# ------------------------------------------------------------------ the judge itself


def _record(**over: Any) -> dict[str, Any]:
    base = {
        "intent": "meeting", "title": "Созвон с Олей", "start": "2026-11-24T16:00:00+03:00",
        "end": "2026-11-24T17:00:00+03:00", "all_day": False, "rrule": None, "needs": [],
    }
    base.update(over)
    return base


def test_judge_identical_and_field_names() -> None:
    assert judge(_record(), _record()) == []
    got = _record(intent="task", all_day=True, needs=["time"])
    assert judge(_record(), got) == ["intent", "all_day", "needs"]


@pytest.mark.parametrize(
    ("expected", "got"),
    [
        ("Встреча с Петей", "встречу с Петей"),
        ("Встреча с Петей в офисе", "встреча с петей в офисе"),
        ("Созвон с Олей", "созвон с олей"),
        ("Петя", "Петей"),
        ("Позвонить Оле", "позвонить оле"),
        ("Ёлка", "елку"),
        ("Отчёт для Ивана", "отчет для ивана"),
        ("Buy flowers", "buy flower"),
        ("Meeting with John", "meetings with john"),
        ("Созвон", "Созвон завтра в 16"),  # date/time words and numbers are ignored
        ("Сдать отчёт", "сдать отчёт к 5 марта"),
        ("Call mom", "call mom at 6pm"),
        ("Standup", "tomorrow's standup"),
        ("Mom's birthday", "moms birthday"),
    ],
)
def test_title_fuzzy_matches(expected: str, got: str) -> None:
    assert titles_match(expected, got), title_similarity(expected, got)


@pytest.mark.parametrize(
    ("expected", "got"),
    [
        ("Встреча с Петей", "Встреча с Олей"),
        ("Купить хлеб", "Купить молоко"),
        ("Созвон", "Созвон в"),
        ("Позвонить", "Напомни позвонить"),
        ("Купить хлеб", "Купить хлеб и молоко"),
        ("Call mom", "remind me to call mom"),
        ("Созвон с Олей", None),
    ],
)
def test_title_fuzzy_rejects(expected: str, got: str | None) -> None:
    assert not titles_match(expected, got)


def test_title_null_rules() -> None:
    assert titles_match(None, None)
    assert not titles_match(None, "Созвон")
    assert judge(_record(title=None), _record(title="x")) == ["title"]


def test_instants_compared_across_offsets_to_the_minute() -> None:
    exp = _record()
    assert judge(exp, _record(start="2026-11-24T13:00:00+00:00", end="2026-11-24T14:00:00Z")) == []
    assert judge(exp, _record(start="2026-11-24T14:00:00+01:00")) == []
    assert judge(exp, _record(start="2026-11-24T16:00:42+03:00")) == []  # seconds ignored
    assert judge(exp, _record(start="2026-11-24T16:01:00+03:00")) == ["start"]
    assert judge(exp, _record(start="2026-11-24T16:00:00")) == ["start"]  # no offset
    assert judge(exp, _record(end=None)) == ["end"]
    assert judge(_record(end=None), _record()) == ["end"]
    assert judge(exp, _record(start="tomorrow")) == ["start"]


def test_all_day_and_needs() -> None:
    assert judge(_record(all_day=False), _record(all_day=0)) == ["all_day"]
    assert judge(_record(needs=["date", "time"]), _record(needs=["time", "date"])) == []
    assert judge(_record(needs=["date", "time"]), _record(needs=["time"])) == ["needs"]
    assert judge(_record(needs=[]), _record(needs=None)) == ["needs"]


def test_rrule_implied_parts_are_ignored() -> None:
    mon10 = "2026-11-30T10:00:00+03:00"
    weekly = _record(start=mon10, end="2026-11-30T11:00:00+03:00", rrule="FREQ=WEEKLY;BYDAY=MO")
    for rule in (
        "FREQ=WEEKLY",
        "FREQ=WEEKLY;BYDAY=MO;INTERVAL=1",
        "FREQ=WEEKLY;BYDAY=MO;BYHOUR=10;BYMINUTE=0",
        "BYDAY=MO;FREQ=WEEKLY;WKST=MO",
    ):
        assert judge(weekly, {**weekly, "rrule": rule}) == [], rule
    assert judge(weekly, {**weekly, "rrule": "FREQ=WEEKLY;BYDAY=TU"}) == ["rrule"]
    assert judge(weekly, {**weekly, "rrule": "FREQ=WEEKLY;INTERVAL=2"}) == ["rrule"]
    assert judge(weekly, {**weekly, "rrule": "FREQ=DAILY"}) == ["rrule"]
    assert judge(weekly, {**weekly, "rrule": None}) == ["rrule"]
    assert judge(_record(), {**_record(), "rrule": "FREQ=DAILY"}) == ["rrule"]
    # list values compare as sets
    workdays = {**weekly, "rrule": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"}
    assert judge(workdays, {**workdays, "rrule": "FREQ=WEEKLY;BYDAY=FR,TH,WE,TU,MO"}) == []
    assert judge(workdays, {**workdays, "rrule": "FREQ=WEEKLY"}) == ["rrule"]
    # monthly and yearly: the day and month of the start are implied
    first = _record(start="2026-12-01T00:00:00+03:00", end=None, all_day=True)
    monthly = {**first, "rrule": "FREQ=MONTHLY;BYMONTHDAY=1"}
    assert judge(monthly, {**first, "rrule": "FREQ=MONTHLY"}) == []
    assert judge(monthly, {**first, "rrule": "FREQ=MONTHLY;BYMONTHDAY=2"}) == ["rrule"]
    may5 = _record(start="2027-05-05T00:00:00+03:00", end=None, all_day=True)
    yearly = {**may5, "rrule": "FREQ=YEARLY"}
    assert judge(yearly, {**may5, "rrule": "FREQ=YEARLY;BYMONTH=5;BYMONTHDAY=5"}) == []
    assert judge(yearly, {**may5, "rrule": "FREQ=YEARLY;BYMONTH=6"}) == ["rrule"]


def test_score_counts_and_survives_crashes() -> None:
    rows = ALL_ROWS[:3] + ROWS["en"][:2]

    def oracle(text: str, now: str, tz: str) -> dict[str, Any]:
        return next(r["expected"] for r in rows if r["text"] == text and r["now"] == now)

    report = score(rows, oracle)
    assert (report.passed, report.total, report.failures) == (5, 5, [])
    assert report.by_language == {"ru": [3, 3], "en": [2, 2]}

    def broken(text: str, now: str, tz: str) -> dict[str, Any]:
        raise ValueError("boom")

    report = score(rows, broken)
    assert report.passed == 0 and len(report.failures) == 5
    assert "ValueError: boom" in report.table()


# ------------------------------------------------------------------ the parser's rate


def parse_or_skip():
    """`organizer.parsing.parse` adapted to (text, now_iso, tz_name), or skip."""
    try:
        module = importlib.import_module("organizer.parsing")
        parse = module.parse
    except (ImportError, AttributeError) as exc:
        pytest.skip(f"organizer.parsing.parse is not importable yet: {exc}")
    params = inspect.signature(parse).parameters

    def wants_str(name: str) -> bool:
        p = params.get(name)
        ann = "" if p is None else str(p.annotation)
        return "str" in ann and "datetime" not in ann and "ZoneInfo" not in ann

    def call(text: str, now: str, tz: str) -> Any:
        now_arg: Any = now if wants_str("now") else datetime.fromisoformat(now)
        tz_param = params.get("tz")
        tz_arg: Any = tz
        if tz_param is not None and "ZoneInfo" in str(tz_param.annotation) and "str" not in str(
            tz_param.annotation
        ):
            tz_arg = ZoneInfo(tz)
        return parse(text, now=now_arg, tz=tz_arg)

    return call


def test_parser_full_match_rate() -> None:
    parse = parse_or_skip()
    report = score(ALL_ROWS, parse)
    print(report.table())
    assert report.rate >= MIN_RATE, report.table()
