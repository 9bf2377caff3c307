"""Misspelt words and named zones (issue 16 #7, #10) as whole dialogues through `organizer
chat` (tests/dialogue_runner.py: the real chat, worker and handlers on a real SQLite file),
judged on the items left. The wordings are our own, not the corpus's."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

import dialogue_runner as dr

EN = ("en", "America/New_York", "2026-11-23T10:00:00-05:00")  # a Monday
RU = ("ru", "Europe/Moscow", "2026-11-23T10:00:00+03:00")


@pytest.fixture(scope="module")
def runner() -> Iterator[dr.Runner]:
    logging.disable(logging.WARNING)
    with dr.Runner() as r:
        yield r
    logging.disable(logging.NOTSET)


def run(runner: dr.Runner, where: tuple[str, str, str], says: list[str],
        items: list[dict[str, Any]]) -> None:
    lang, tz, now = where
    turns: list[dict[str, Any]] = [{"say": s} for s in says]
    turns[0]["now"] = now
    o = runner.run(dr.Dialogue("own", "typos", lang, tz, turns, {"items": items}))
    assert o.verdict.ok, f"{o.verdict.reason}\n{o.transcript}"


def test_a_long_command_word_two_slips_away_moves_the_meeting(runner: dr.Runner) -> None:
    run(runner, EN, ["dentist on thursday at 4pm", "reschedeul it to friday"],
        [{"type": "meeting", "title": "dentist", "start": "2026-11-27T16:00"}])


def test_a_misspelt_month_before_the_day(runner: dr.Runner) -> None:
    run(runner, EN, ["renew the car insurance by janaury 9"],
        [{"type": "task", "title": "renew car insurance", "start": "2027-01-09"}])


def test_a_bare_region_after_the_clock(runner: dr.Runner) -> None:
    # 2pm Pacific is 5pm in New York; the region word stays out of the title
    run(runner, EN, ["remind me at 2pm pacific to send the invoice"],
        [{"type": "task", "title": "send invoice", "start": "2026-11-23T17:00"}])


def test_a_russian_region_after_the_clock(runner: dr.Runner) -> None:
    # 9:00 in New York is 17:00 in Moscow
    run(runner, RU, ["созвон с Джоном в 9 по восточному"],
        [{"type": "meeting", "title": "созвон Джоном", "start": "2026-11-23T17:00"}])
