"""Seams between the follow-up lanes, through the real worker and handlers (`pipe`):
"cancel that" wrapped in fillers, the answer to an impossible date in English order and
with "then", an object-first move of a named item by its day, a task and a meeting each at
its own time in one message, several past-tense reports in one message. Wordings of our
own, not the dialogue sets'. Monday 23 Nov 2026, 10:00 Moscow; judged on the items."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from fixtures.pipeline import Pipe

MSK = ZoneInfo("Europe/Moscow")


def local(value: str | None) -> str | None:
    """An item's stored start as Moscow wall time, minutes precision."""
    if value is None:
        return None
    return datetime.fromisoformat(value).astimezone(MSK).strftime("%Y-%m-%dT%H:%M")


# ---------------------------------------------------------------- "cancel that" + fillers


@pytest.mark.parametrize(
    ("create", "cancel"),
    [
        ("buy a new kettle on thursday", "actually, scrap that"),
        ("buy a new kettle on thursday", "never mind, delete it"),
        ("buy a new kettle on thursday", "oh wait, cancel this"),
        ("buy a new kettle on thursday", "scratch that"),
        ("buy a new kettle on thursday", "nah, cancel that one"),
        ("купить чайник в четверг", "вообще-то отмени это"),
        ("купить чайник в четверг", "на самом деле удали это"),
        ("купить чайник в четверг", "ладно, отмени его"),
        ("купить чайник в четверг", "ой, стоп, удали это"),
    ],
)
def test_cancel_that_with_fillers_cancels_the_item_just_created(
    pipe: Pipe, create: str, cancel: str
) -> None:
    pipe.say(create)
    reply = pipe.say(cancel)
    assert [i["status"] for i in pipe.items()] == ["CANCELLED"], reply.text


def test_a_negated_cancel_of_it_cancels_nothing(pipe: Pipe) -> None:
    pipe.say("купить чайник в четверг")
    pipe.say("не отменяй это")
    assert [i["status"] for i in pipe.items()] == ["OPEN"]


# ---------------------------------------------------------------- impossible date, answered


@pytest.mark.parametrize(
    ("first", "answer", "want"),
    [
        ("call with the bank on april 31 at 4pm", "may 1 at 4pm then", "2027-05-01T16:00"),
        ("dentist on june 31 at 9", "july 3 at 9 instead", "2027-07-03T09:00"),
        ("dentist on june 31 at 9", "then july 3rd", "2027-07-03T09:00"),
        ("встреча с бухгалтером 31 апреля в 12", "тогда 2 мая в 12", "2027-05-02T12:00"),
        ("встреча с бухгалтером 31 апреля в 12", "3 мая тогда", "2027-05-03T12:00"),
    ],
)
def test_the_answer_to_an_impossible_date_is_read_in_its_own_order(
    pipe: Pipe, first: str, answer: str, want: str
) -> None:
    pipe.say(first)
    reply = pipe.say(answer)
    (item,) = pipe.items()
    assert item["status"] == "OPEN", reply.text
    assert local(item["start_at"]) == want, reply.text
    assert "then" not in item["title"].lower() and "тогда" not in item["title"].lower()


# ---------------------------------------------------------------- several reports at once


@pytest.mark.parametrize(
    ("tasks", "said"),
    [
        (("feed the cat", "pay the phone bill"), "fed the cat and paid the phone bill"),
        (("feed the cat", "pay the phone bill", "call grandma"),
         "paid the phone bill, called grandma and fed the cat"),
        (("купить корм коту", "позвонить бабушке"), "бабушке позвонила и корм купила"),
        (("купить корм коту", "позвонить бабушке"), "позвонил бабушке, купил корм"),
    ],
)
def test_several_reports_in_one_message_complete_each_task(
    pipe: Pipe, tasks: tuple[str, ...], said: str
) -> None:
    for task in tasks:
        pipe.say(task)
    pipe.say("сходить в спортзал" if tasks[0].startswith("купить") else "go to the gym")
    reply = pipe.say(said)
    statuses = [i["status"] for i in pipe.items()]
    assert statuses == ["DONE"] * len(tasks) + ["OPEN"], reply.text
    assert len(reply.text.splitlines()) == len(tasks)


def test_a_report_of_one_task_with_two_objects_stays_one_report(pipe: Pipe) -> None:
    pipe.say("купить хлеб и молоко")
    pipe.say("позвонить бабушке")
    pipe.say("купил хлеб и молоко")
    assert [i["status"] for i in pipe.items()] == ["DONE", "OPEN"]



# ---------------------------------------------------------------- object first, a day only


@pytest.mark.parametrize(
    ("create", "move", "want"),
    [
        ("в среду в 18 массаж", "массаж на пятницу", "2026-11-27T18:00"),
        ("в среду в 18 массаж", "массаж на 1 декабря", "2026-12-01T18:00"),
        ("в среду в 18 встреча с юристом", "встречу с юристом на четверг", "2026-11-26T18:00"),
        ("massage on wednesday at 6pm", "massage to friday", "2026-11-27T18:00"),
    ],
)
def test_an_open_item_named_with_a_new_day_moves_and_keeps_its_time(
    pipe: Pipe, create: str, move: str, want: str
) -> None:
    pipe.say(create)
    pipe.advance(hours=3)  # the item is no longer what the conversation is about
    reply = pipe.say(move)
    (item,) = pipe.items()
    assert item["status"] == "OPEN", reply.text
    assert local(item["start_at"]) == want, reply.text
    assert pipe.clarify() is None


def test_a_new_item_for_a_day_that_names_nothing_open_is_new(pipe: Pipe) -> None:
    pipe.say("в среду в 18 массаж")
    pipe.advance(hours=3)
    pipe.say("купить подарок на субботу")
    assert len(pipe.items()) == 2
    assert local(pipe.items()[0]["start_at"]) == "2026-11-25T18:00"


# ---------------------------------------------------------------- a task and a meeting


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("tomorrow at 9 drop the keys off at the office and at 11 call with the bank",
         [("task", "2026-11-24T09:00"), ("meeting", "2026-11-24T11:00")]),
        ("on friday at 9 pick the parcel up and at 2pm meeting with Sam",
         [("task", "2026-11-27T09:00"), ("meeting", "2026-11-27T14:00")]),
        ("завтра в 9 забрать посылку и в 11 созвон с банком",
         [("task", "2026-11-24T09:00"), ("meeting", "2026-11-24T11:00")]),
    ],
)
def test_a_task_and_a_meeting_each_at_its_own_time(
    pipe: Pipe, text: str, want: list[tuple[str, str]]
) -> None:
    reply = pipe.say(text)
    got = [(i["type"], local(i["start_at"])) for i in pipe.items()]
    assert got == want, reply.text


def test_a_separable_phrasal_verb_is_an_action() -> None:
    from organizer.parsing import parse

    now = datetime(2026, 11, 23, 10, 0, tzinfo=MSK)
    r = parse("pick the kids up from school at 3", now, "Europe/Moscow")
    assert (r.intent, r.title) == ("task", "Pick the kids up from school")
    assert parse("drop the car off", now, "Europe/Moscow").intent == "task"
