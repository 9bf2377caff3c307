"""The conversation's pure pieces, tested with plain values (no database, no clock):
language choice, date/time wording, which occurrence a button means, the /settings
rules, the reminder texts and an item's new times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO
from organizer.pipeline import choice, language, moves, timefmt
from organizer.pipeline.dialog import Parsed
from organizer.reminders import series, setting_rules, texts
from organizer.reminders.setting_rules import Change, Problem, Show

BERLIN = "Europe/Berlin"


def b(*args: int) -> datetime:
    """A Berlin wall time (CET in November: UTC+1) as aware UTC."""
    return datetime(*args, tzinfo=UTC) - timedelta(hours=1)  # type: ignore[misc]


@dataclass(frozen=True)
class It:
    id: int = 7
    type: str = "meeting"
    title: str | None = "Планёрка"
    status: str = "OPEN"
    start_at: datetime | None = None
    end_at: datetime | None = None
    all_day: bool = False
    rrule: str | None = None
    tz: str | None = BERLIN
    lang: str | None = "ru"


@dataclass(frozen=True)
class Row:
    kind: str
    occurrence_at: datetime
    due_at: datetime


@dataclass(frozen=True)
class Prefs:
    tz: str = BERLIN
    lang: str = "ru"
    agenda_time: str = "08:00"
    lead_min: int = 15


def test_one_language_choice_for_the_chat_the_code_and_the_text() -> None:
    assert language.lang_of_code("uk-UA") == "ru"
    assert language.lang_of_code("de") == "en"
    assert language.lang_of_code("") is None
    # the chat's own setting first, then Telegram's code, then the script of the text
    assert language.pick_lang(user_lang="en", payload_lang="ru", text="привет") == "en"
    assert language.pick_lang(user_lang=None, payload_lang="be", text="hello") == "ru"
    assert language.pick_lang(user_lang=None, payload_lang=None, text="call Bob") == "en"
    assert language.pick_lang(user_lang=None, payload_lang=None, text="👍 12") == "ru"


def test_date_and_time_wording() -> None:
    now = b(2026, 11, 2, 9, 0)
    assert timefmt.short_when(b(2026, 11, 2, 10, 0), BERLIN, "ru", now) == "10:00"
    assert timefmt.short_when(b(2026, 11, 4, 10, 0), BERLIN, "ru", now) == "4 ноября, 10:00"
    assert timefmt.short_when(b(2026, 11, 4, 10, 0), BERLIN, "en", now) == "November 4, 10:00"
    assert timefmt.stamp(b(2026, 11, 4, 10, 0), BERLIN) == "202611041000"
    assert moves.pick_time("202611041000", BERLIN) == b(2026, 11, 4, 10, 0)
    assert moves.pick_time("garbage", BERLIN) is None
    today = b(2026, 11, 2, 9, 0).date()
    assert timefmt.day_text(today + timedelta(days=1), today, "ru") == "завтра, 3 ноября"


def test_which_occurrence_this_one_means() -> None:
    weekly = It(start_at=b(2026, 11, 2, 10, 0), end_at=b(2026, 11, 2, 10, 15),
                rrule="FREQ=WEEKLY;BYDAY=MO,WE")  # fmt: skip
    # before it: the current one; after it ended: the next; cancelled ones are skipped
    assert series.occurrence_to_cancel(weekly, b(2026, 11, 2, 9, 0), set(), BERLIN) == b(
        2026, 11, 2, 10, 0
    )
    assert series.occurrence_to_cancel(weekly, b(2026, 11, 2, 11, 0), set(), BERLIN) == b(
        2026, 11, 4, 10, 0
    )
    skip = {b(2026, 11, 2, 10, 0)}
    assert series.occurrence_to_cancel(weekly, b(2026, 11, 2, 9, 0), skip, BERLIN) == b(
        2026, 11, 4, 10, 0
    )
    assert series.occurrence_at_stamp(weekly, "202611041000", BERLIN, BERLIN) == b(
        2026, 11, 4, 10, 0
    )
    assert series.occurrence_at_stamp(weekly, "202611051000", BERLIN, BERLIN) is None
    assert series.occurrence_to_cancel(It(start_at=b(2026, 11, 2, 10, 0)), b(2026, 11, 1, 0),
                                       set(), BERLIN) is None  # fmt: skip


def test_settings_rules_decide_without_the_database() -> None:
    def nowhere(lat: float, lon: float) -> str | None:
        return None

    def paris(lat: float, lon: float) -> str | None:
        return "Europe/Paris"

    decide = setting_rules.decide
    assert decide([], paris) == Show()
    assert decide(["colour", "red"], paris) == Show()
    assert decide(["tz", "Europe/Moscow"], paris) == Change("tz", "Europe/Moscow", resync=True)
    assert decide(["tz"], paris) == Problem("zone_shown")
    assert decide(["tz", "Mars/Base"], paris) == Problem("not_a_zone", "Mars/Base")
    assert decide(["location", "48.85,2.35"], paris) == Change("tz", "Europe/Paris", resync=True)
    assert decide(["location", "48.85,2.35"], nowhere) == Problem("no_zone_there")
    assert decide(["location", "north pole"], paris) == Problem("location")
    assert decide(["location", "91,0"], paris) == Problem("location")
    assert decide(["agenda", "OFF"], paris) == Change("agenda_time", "off", resync=False)
    assert decide(["agenda", "7:30"], paris) == Change("agenda_time", "07:30", resync=False)
    assert decide(["agenda", "later"], paris) == Problem("agenda")
    assert decide(["lead", "30min"], paris) == Change("reminder_lead_min", 30, resync=True)
    assert decide(["lead", "2000"], paris) == Problem("lead")
    assert decide(["язык", "English"], paris) == Change("lang", "en", resync=False)
    assert decide(["lang", "de"], paris) == Problem("lang")
    assert texts.setting_problem("lead", "en") == "Reminder lead: minutes from 0 to 1440."


def test_reminder_text_and_buttons_from_plain_values() -> None:
    now = b(2026, 11, 2, 9, 45)
    item = It(start_at=b(2026, 11, 2, 10, 0), end_at=b(2026, 11, 2, 11, 0))
    text, keyboard = texts.reminder_message(
        item, Row("meeting", item.start_at, now), Prefs(), now, late=False  # type: ignore[arg-type]
    )
    assert text == "⏰ Планёрка — 10:00–11:00 (через 15 минут)"
    data = [b["callback_data"] for row in keyboard for b in row]
    assert data == ["done:7", "snooze:7:15m", "snooze:7:1h", "snooze:7:tom", "late:7"]
    late, _ = texts.reminder_message(
        It(type="task", title=None, start_at=now), Row("task", now, now - timedelta(hours=3)),
        Prefs(lang="en"), now, late=True,
    )  # fmt: skip
    assert late == "⏰ Reminder: untitled (late by 3 hr)"


def test_new_times_keep_the_clock_and_the_length() -> None:
    now = b(2026, 11, 2, 9, 0)
    item = It(start_at=b(2026, 11, 3, 15, 0), end_at=b(2026, 11, 3, 16, 30))
    to_friday = Parsed("reschedule", None, b(2026, 11, 6, 0, 0), None, True, None, ())
    assert moves.new_times(item, to_friday, BERLIN, now) == (
        b(2026, 11, 6, 15, 0), b(2026, 11, 6, 16, 30), False
    )
    at_17 = Parsed("reschedule", None, b(2026, 11, 2, 17, 0), None, False, None, (), False)
    assert moves.new_times(item, at_17, BERLIN, now) == (
        b(2026, 11, 3, 17, 0), b(2026, 11, 3, 18, 30), False
    )


def test_choose_the_item_a_request_means_from_plain_items() -> None:
    now = b(2026, 11, 2, 9, 0)
    petya = It(id=1, title="Встреча с Петей", start_at=b(2026, 11, 3, 15, 0))
    olya = It(id=2, title="Созвон с Олей", start_at=b(2026, 11, 5, 16, 30))
    olya2 = It(id=3, title="Созвон с Олей", start_at=b(2026, 11, 6, 11, 0))
    cancel = Parsed("cancel", "встречу с Петей", None, None, False, None, ())
    assert choice.choose(cancel, [petya, olya], tz=BERLIN, now=now, lang="ru") == choice.One(petya)
    # two calls with Olya: ask which, one button per call, each moving it to 17:00
    to_17 = Parsed("reschedule", "созвон с Олей", b(2026, 11, 2, 17, 0), None, False, None, ())
    asked = choice.choose(to_17, [petya, olya, olya2], tz=BERLIN, now=now, lang="ru")
    assert isinstance(asked, choice.Ask)
    assert [row[0]["callback_data"] for row in asked.keyboard] == [
        "pick:2:202611021700", "pick:3:202611021700"
    ]
    gone = Parsed("complete", "молоко", None, None, False, None, ())
    found = choice.choose(gone, [petya], tz=BERLIN, now=now, lang="en")
    assert isinstance(found, choice.NotFound) and "молоко" in found.text


# --- property tests over the pure core ------------------------------------------------

MOMENTS = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)
ZONES = st.sampled_from([BERLIN, "Asia/Tokyo", "America/New_York", "UTC", "Asia/Kolkata"])


@settings(max_examples=150, deadline=None)
@given(words=st.lists(st.text(max_size=12), max_size=4))
def test_settings_rules_answer_any_words(words: list[str]) -> None:
    d = setting_rules.decide(words, lambda lat, lon: "Europe/Paris")
    assert isinstance(d, Show | Problem | Change)
    if isinstance(d, Problem) and d.kind not in ("zone_shown", "not_a_zone"):
        assert texts.setting_problem(d.kind, "en")  # every problem has its words


@settings(max_examples=150, deadline=None)
@given(moment=MOMENTS, tz=ZONES)
def test_a_button_stamp_names_the_minute_it_was_made_from(moment: datetime, tz: str) -> None:
    minute = moment.replace(second=0, microsecond=0)
    back = moves.pick_time(timefmt.stamp(minute, tz), tz)
    assert back is not None and timefmt.stamp(back, tz) == timefmt.stamp(minute, tz)


@settings(max_examples=100, deadline=None)
@given(
    now=st.datetimes(
        min_value=datetime(2026, 10, 1), max_value=datetime(2027, 3, 1), timezones=st.just(UTC)
    ),
    cancelled=st.sets(st.integers(min_value=0, max_value=30), max_size=10),
)
def test_this_one_is_never_an_occurrence_already_cancelled(
    now: datetime, cancelled: set[int]
) -> None:
    start = b(2026, 11, 2, 10, 0)
    weekly = It(start_at=start, end_at=start + timedelta(minutes=30), rrule="FREQ=WEEKLY")
    skip = {start + timedelta(weeks=k) for k in cancelled}
    occ = series.occurrence_to_cancel(weekly, now, skip, BERLIN)
    assert occ is None or (occ not in skip and occ >= start)


@settings(max_examples=100, deadline=None)
@given(moment=MOMENTS, now=MOMENTS, lang=st.sampled_from(["ru", "en"]), tz=ZONES)
def test_short_when_is_the_clock_alone_only_on_the_same_day(
    moment: datetime, now: datetime, lang: str, tz: str
) -> None:
    text = timefmt.short_when(moment, tz, lang, now)
    same_day = timefmt.local(moment, tz).date() == timefmt.local(now, tz).date()
    assert text.endswith(timefmt.hhmm(moment, tz))
    assert (text == timefmt.hhmm(moment, tz)) == same_day


def test_the_design_map_names_every_conversation_module() -> None:
    """docs/DESIGN.md's map is where a newcomer looks first: it keeps up with the code."""
    design = (REPO / "docs" / "DESIGN.md").read_text(encoding="utf-8")
    for package in ("pipeline", "reminders"):
        for module in sorted((REPO / "src" / "organizer" / package).glob("*.py")):
            if module.name == "__init__.py":
                continue
            assert f"{package}/{module.name}" in design or f"`{module.stem}`" in design, (
                f"{package}/{module.name} is missing from the module map in docs/DESIGN.md"
            )


@pytest.mark.parametrize(
    ("code", "lang"),
    [(None, "ru"), ("", "ru"), ("ru", "ru"), ("kk", "ru"), ("uk-UA", "ru"), ("be", "ru"),
     ("en-US", "en"), ("de", "en"), ("RU", "ru")],
)
def test_the_bot_and_the_pipeline_choose_the_same_language(code: str | None, lang: str) -> None:
    """A Kazakh speaker got the bot's texts in Russian and the worker's replies in English."""
    from organizer.bot.texts import lang_of

    assert lang_of(code) == lang
    assert language.lang_of_code(code) == (lang if code else None)
