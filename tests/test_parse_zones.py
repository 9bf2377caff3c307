"""A time zone named in the message (issue 16 #10; parsing/zones.py): the clock is read in
that zone, start/end come out in the user's zone, and `zone` names the IANA zone."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from organizer.parsing import parse
from organizer.parsing.zones import zone_name

MSK_NOW = datetime.fromisoformat("2026-11-23T10:00:00+03:00")  # Monday, user in Moscow
BIN = Path(sys.executable).parent / "organizer"


def _parse(text: str, now: datetime = MSK_NOW, tz: str = "Europe/Moscow") -> dict[str, Any]:
    return parse(text, now, tz).to_dict()


@pytest.mark.parametrize(("text", "start", "zone", "title"), [
    # 9:00 in New York (UTC-5 in November) is 17:00 in Moscow
    ("tomorrow at 9am New York time call with John", "2026-11-24T17:00:00+03:00",
     "America/New_York", "Call with John"),
    ("at 3pm CET sync with Hans", "2026-11-23T17:00:00+03:00", "Europe/Berlin",
     "Sync with Hans"),
    # 10:00 Moscow already now: its next occurrence, tomorrow
    ("в 10 по Москве созвон", "2026-11-24T10:00:00+03:00", "Europe/Moscow", "Созвон"),
    ("в 15 по Киеву созвон с Олей", "2026-11-23T16:00:00+03:00", "Europe/Kyiv",
     "Созвон с Олей"),
    ("в 9 по мск планёрка", "2026-11-24T09:00:00+03:00", "Europe/Moscow", "Планёрка"),
    ("call with Ann at 9 PT", "2026-11-23T20:00:00+03:00", "America/Los_Angeles",
     "Call with Ann"),
    ("at noon London time lunch with Kate", "2026-11-23T15:00:00+03:00", "Europe/London",
     "Lunch with Kate"),
    ("в 18 по Гринвичу вебинар", "2026-11-23T21:00:00+03:00", "UTC", "Вебинар"),
    ("standup at 10 UTC", "2026-11-23T13:00:00+03:00", "UTC", "Standup"),
    ("встреча в 15 GMT+3", "2026-11-23T15:00:00+03:00", "Etc/GMT-3", "Встреча"),
    ("созвон в 12 по нью-йоркскому времени", "2026-11-23T20:00:00+03:00",
     "America/New_York", "Созвон"),
    ("завтра в 9 по Нью-Йорку созвон", "2026-11-24T17:00:00+03:00", "America/New_York",
     "Созвон"),
    ("звонок завтра в 10 по московскому времени", "2026-11-24T10:00:00+03:00",
     "Europe/Moscow", "Звонок"),
    ("sync at 4pm (London time)", "2026-11-23T19:00:00+03:00", "Europe/London", "Sync"),
])
def test_named_zone(text: str, start: str, zone: str, title: str) -> None:
    got = _parse(text)
    assert (got["start"], got["zone"], got["title"]) == (start, zone, title)


def test_end_is_in_the_users_zone_too() -> None:
    got = _parse("созвон с 10 до 11:30 по Киеву")
    assert (got["start"], got["end"]) == ("2026-11-23T11:00:00+03:00",
                                          "2026-11-23T12:30:00+03:00")
    assert got["zone"] == "Europe/Kyiv"


def test_summer_time_of_the_named_zone_counts() -> None:
    # CET said in July is Berlin's summer clock (UTC+2): 15:00 there is 16:00 in Moscow
    got = _parse("sync at 3pm CET", datetime.fromisoformat("2026-07-01T10:00:00+03:00"))
    assert got["start"] == "2026-07-01T16:00:00+03:00"
    # New York changes its clock on 1 Nov 2026: the same words a week apart
    before = _parse("call at 9am New York time", datetime.fromisoformat(
        "2026-10-27T10:00:00+03:00"))
    after = _parse("call at 9am New York time", datetime.fromisoformat(
        "2026-11-03T10:00:00+03:00"))
    assert before["start"] == "2026-10-27T16:00:00+03:00"  # EDT, UTC-4
    assert after["start"] == "2026-11-03T17:00:00+03:00"  # EST, UTC-5


def test_day_words_are_the_users_calendar_days() -> None:
    # 23:30 in Moscow is 15:30 in New York: "tomorrow" is still Moscow's tomorrow
    late = datetime.fromisoformat("2026-11-23T23:30:00+03:00")
    got = _parse("tomorrow at 9am New York time call", late)
    assert got["start"] == "2026-11-24T17:00:00+03:00"


def test_user_zone_elsewhere() -> None:
    ny = datetime.fromisoformat("2026-11-23T08:00:00-05:00")
    got = _parse("созвон в 10 по мск", ny, "America/New_York")
    assert (got["start"], got["zone"]) == ("2026-11-24T02:00:00-05:00", "Europe/Moscow")


@pytest.mark.parametrize("text", [
    "завтра в 15 созвон с Олей", "купить хлеб", "заметка: созвон в 10 по Москве",
    "в субботу конференция в Лондоне",
])
def test_no_zone_field_when_none_is_named(text: str) -> None:
    assert "zone" not in _parse(text)


def test_a_place_without_time_word_is_title() -> None:
    got = _parse("lunch at 1pm London office")
    assert "zone" not in got
    assert got["start"] == "2026-11-23T13:00:00+03:00"


@pytest.mark.parametrize(("text", "start", "zone", "title"), [
    # a US region said bare after the clock, without "time" (9:00 Chicago = 18:00 Moscow)
    ("call Bob at 9am central", "2026-11-23T18:00:00+03:00", "America/Chicago", "Call Bob"),
    ("at 4pm pacific, tomorrow demo", "2026-11-25T03:00:00+03:00", "America/Los_Angeles",
     "Demo"),
    ("remind me at 11 mountain to file the report", "2026-11-23T21:00:00+03:00",
     "America/Denver", "File the report"),
    ("созвон в 9 по восточному", "2026-11-23T17:00:00+03:00", "America/New_York", "Созвон"),
    ("в 8 по тихоокеанскому вебинар", "2026-11-23T19:00:00+03:00", "America/Los_Angeles",
     "Вебинар"),
])
def test_bare_region_after_the_clock(text: str, start: str, zone: str, title: str) -> None:
    got = _parse(text)
    assert (got["start"], got.get("zone"), got["title"]) == (start, zone, title)


@pytest.mark.parametrize("text", ["lunch at 1pm central park", "at 3 mountain bike ride"])
def test_a_region_word_before_a_noun_is_title(text: str) -> None:
    assert "zone" not in _parse(text)


@pytest.mark.parametrize(("tzo", "name"), [
    ("Europe/Kyiv", "Europe/Kyiv"), (0, "UTC"), (180, "Etc/GMT-3"), (-300, "Etc/GMT+5"),
    (330, "UTC+05:30"), (-570, "UTC-09:30"),
])
def test_zone_name(tzo: int | str, name: str) -> None:
    assert zone_name(tzo) == name


def test_cli_prints_the_zone() -> None:
    out = subprocess.run([str(BIN), "parse", "--now", "2026-11-23T10:00:00+03:00", "--tz",
                          "Europe/Moscow", "at 3pm CET sync"], capture_output=True, text=True,
                         timeout=60, check=True)
    assert json.loads(out.stdout)["zone"] == "Europe/Berlin"
