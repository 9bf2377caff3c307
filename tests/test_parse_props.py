"""Property tests: the parser never raises and always answers the schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from organizer.canon import load_canon
from organizer.parsing import parse
from organizer.parsing.api import _zone, analyse

INTENTS = {"task", "meeting", "note", "cancel", "reschedule", "complete", "agenda", "unknown"}
ZONES = ["Europe/Moscow", "Europe/Berlin", "America/New_York", "Asia/Kathmandu", "UTC",
         "Australia/Lord_Howe", "Pacific/Chatham", "America/Santiago", "Etc/GMT+2"]
WORDS = st.sampled_from(
    ["завтра", "сегодня", "послезавтра", "в", "во", "на", "с", "до", "по", "каждый", "каждую", "понедельник", "пятницу", "следующий", "15", "3", "25", "31", "00", ":", ".", "-", "15:30", "2027-01-05", "1.12", "марта", "февраля", "мая", "часа", "часов", "минут", "полчаса", "полтретьего", "половине", "четвертого", "без", "четверти", "пять", "утра", "вечера", "ночи", "дня", "встреча", "созвон", "напомни", "купить", "отмени", "перенеси", "готово", "заметка", "что", "у", "меня", "весь", "день", "через", "неделю", "tomorrow", "at", "pm", "am", "3pm", "from", "to", "every", "other", "friday", "weekday", "meeting", "call", "remind", "me", "noon", "half", "past", "quarter", "in", "hours", "for", "minutes", "next", "week", "weekend", "daily", "по", "будням", "раз", "две", "недели", "числа", "1-е", "🙂", "ё"]
)
TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(WORDS, max_size=25).map(" ".join),
)
NOWS = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 12, 31),
                    timezones=st.just(UTC))
CANON = load_canon()
ADDITIVE = {"shift_minutes", "shift_days", "list", "search", "zone"}


def check_schema(d: dict) -> None:
    # several items in one message (docs/PARSING.md): each in the record's own shape
    if "items" in d:
        assert len(d["items"]) >= 2
        for item in d["items"]:
            assert isinstance(item.pop("text"), str)
            check_schema(item)
        d = {k: v for k, v in d.items() if k != "items"}
    # the seven fields always; the additive ones of docs/PARSING.md only when said
    assert set(d) - ADDITIVE == {"intent", "title", "start", "end", "all_day", "rrule", "needs"}
    for key in ("shift_minutes", "shift_days"):
        assert d.get(key) is None or (isinstance(d[key], int) and d[key] != 0)
    assert d["intent"] in INTENTS
    assert d["title"] is None or (isinstance(d["title"], str) and d["title"].strip())
    assert isinstance(d["all_day"], bool)
    assert isinstance(d["needs"], list) and set(d["needs"]) <= {"date", "time", "title"}
    assert len(set(d["needs"])) == len(d["needs"])
    assert d["rrule"] is None or d["rrule"].startswith("FREQ=")
    parsed = {}
    for key in ("start", "end"):
        if d[key] is not None:
            dt = datetime.fromisoformat(d[key])
            assert dt.utcoffset() is not None
            assert len(d[key]) == 25  # YYYY-MM-DDTHH:MM:SS+HH:MM, seconds included
            parsed[key] = dt
    if "start" in parsed and "end" in parsed:
        assert parsed["end"] >= parsed["start"]
    if d["end"] is not None:
        assert d["start"] is not None
    if d["all_day"]:
        assert d["start"] is not None
    if d["intent"] in ("unknown", "agenda"):
        assert d["title"] is None
    if d["intent"] == "note":
        assert d["start"] is None and d["rrule"] is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT, now=NOWS, tz=st.sampled_from(ZONES))
def test_never_raises_and_answers_schema(text: str, now: datetime, tz: str) -> None:
    zone = _zone(tz)
    # analyse() is parse() without its last-resort guard: it must not raise either
    result = analyse(text, now.astimezone(zone), zone, CANON)
    check_schema(result.to_dict())
    check_schema(parse(text, now, tz).to_dict())


CLOCKS = st.sampled_from([
    "в 15:00", "в 9", "в 4", "полтретьего", "без четверти пять", "в полночь", "в полдень",
    "в 2 ночи", "в семь вечера", "в пятнадцать тридцать", "at 3pm", "at noon", "at 9:30",
    "half past four", "at midnight", "в 23:59", "в 0:00",
])


@settings(max_examples=200, deadline=None)
@given(clock=CLOCKS, what=st.sampled_from(["созвон", "купить хлеб", "call with Bob", ""]),
       now=NOWS, tz=st.sampled_from(ZONES))
def test_a_time_without_a_date_is_the_next_occurrence(clock: str, what: str, now: datetime,
                                                       tz: str) -> None:
    d = parse(f"{clock} {what}", now, tz).to_dict()
    start = datetime.fromisoformat(d["start"])
    assert now < start <= now + timedelta(hours=26)
