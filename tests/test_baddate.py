"""Impossible dates (parsing/baddate.py, pure): found with their span, cut out of the
text, and never reported for a date that exists (29 February waits for a leap year)."""

from __future__ import annotations

import pytest

from organizer.parsing.baddate import days_in, find, said, without


@pytest.mark.parametrize(
    ("text", "shown", "rest", "days"),
    [
        ("31 июня в 18 ужин с Олегом", "31 июня", "в 18 ужин с Олегом", 30),
        ("созвон на 31-е сентября в 11", "31-е сентября", "созвон в 11", 30),
        ("купить цветы 30 февраля", "30 февраля", "купить цветы", 29),
        ("стрижка 35 мая", "35 мая", "стрижка", 31),
        ("встреча 31.11 в 9", "31.11", "встреча в 9", 30),
        ("29 февраля 2027 обед", "29 февраля 2027", "обед", 28),
        ("dinner with Ola on September 31st at 7pm", "September 31st", "dinner with Ola at 7pm", 30),
        ("pay rent by the 31st of November", "31st of November", "pay rent", 30),
        ("haircut Feb 30", "Feb 30", "haircut", 29),
        ("dentist on 6/31 at 9", "6/31", "dentist at 9", 30),
        ("ужин 31/09", "31/09", "ужин", 30),
    ],
)
def test_an_impossible_date_is_found_and_cut_out(text, shown, rest, days):
    bad = find(text)
    assert bad is not None
    assert (said(text, bad), without(text, bad), days_in(bad)) == (shown, rest, days)


@pytest.mark.parametrize(
    "text",
    [
        "29 февраля в 12 обед", "29 февраля 2028", "30 апреля в 10 встреча", "31 декабря",
        "в 10.30 созвон", "через 45 минут", "31 марта", "June 30", "the 31st of May",
        "31 человек придёт", "в 31 кабинет", "купить 30 яиц", "meeting on 12/25", "встреча 30/06",
    ],
)  # fmt: skip
def test_dates_that_exist_and_other_numbers_are_left_alone(text):
    assert find(text) is None
