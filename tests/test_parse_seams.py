"""Several items without «и» between them, and two errands joined by «и»
(organizer.parsing.seams, organizer.parsing.split): timed items said one after another,
commas between timed items, «а» without a comma, the same item again at another time,
«запиши встречу … <time>»; and what stays one item."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from organizer.canon import load_canon
from organizer.parsing import parse

NOW = datetime.fromisoformat("2026-11-23T10:00:00+03:00")  # Monday
TZ = "Europe/Moscow"
CANON = load_canon()


def items(text: str) -> list[tuple[str, str | None, str | None]]:
    d = parse(text, NOW, TZ, CANON).to_dict()
    return [(i["intent"], i["title"], i["start"]) for i in d.get("items", [])]


def at(day: int, hour: int, minute: int = 0) -> str:
    return f"2026-11-{day:02d}T{hour:02d}:{minute:02d}:00+03:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a day, then <time> <what> <time> <what> … with no word between them
        ("в пятницу в 8 пробежка в 13 обед с Костей в 19 кино с Аней", [
            ("task", "Пробежка", at(27, 8)), ("meeting", "Обед с Костей", at(27, 13)),
            ("meeting", "Кино с Аней", at(27, 19))]),
        ("в субботу в 10 уборка в 14 ремонт машины", [
            ("task", "Уборка", at(28, 10)), ("task", "Ремонт машины", at(28, 14))]),
        # times said in words, as dictated
        ("завтра в девять планёрка в двенадцать обед с Ириной", [
            ("meeting", "Планёрка", at(24, 9)), ("meeting", "Обед с Ириной", at(24, 12))]),
        ("tomorrow standup at nine lunch with Irene at noon", [
            ("meeting", "Standup", at(24, 9)), ("meeting", "Lunch with Irene", at(24, 12))]),
        # <what> <time> <what> <time>
        ("tomorrow gym at 7am lunch with Sam at 1pm", [
            ("meeting", "Gym", at(24, 7)), ("meeting", "Lunch with Sam", at(24, 13))]),
        # a comma between parts that each say their own time or day
        ("завтра в 10 созвон с Петром, в 14 встреча с юристом", [
            ("meeting", "Созвон с Петром", at(24, 10)),
            ("meeting", "Встреча с юристом", at(24, 14))]),
        ("tennis with Jack on Saturday at 10, dinner with Tom on Sunday at 8pm", [
            ("meeting", "Tennis with Jack", at(28, 10)),
            ("meeting", "Dinner with Tom", at(29, 20))]),
        # «а» without its comma, as dictated
        ("в среду в 9 врач а в четверг в 17 тренировка", [
            ("meeting", "Врач", at(25, 9)), ("meeting", "Тренировка", at(26, 17))]),
        ("coffee with Lena on Tuesday at 9 and dentist on Thursday at 4pm", [
            ("meeting", "Coffee with Lena", at(24, 9)), ("meeting", "Dentist", at(26, 16))]),
        # the same item again at another time or on another day
        ("созвон с Олегом в 12 и в 15", [
            ("meeting", "Созвон с Олегом", at(23, 12)),
            ("meeting", "Созвон с Олегом", at(23, 15))]),
        ("в четверг в 19 тренировка и в субботу в 11", [
            ("meeting", "Тренировка", at(26, 19)), ("meeting", "Тренировка", at(28, 11))]),
        ("yoga on Tuesday at 8am and on Friday at 8am", [
            ("meeting", "Yoga", at(24, 8)), ("meeting", "Yoga", at(27, 8))]),
        # two errands, each with its own object, and no day or time said
        ("помыть машину и забрать костюм из химчистки", [
            ("task", "Помыть машину", None), ("task", "Забрать костюм из химчистки", None)]),
        ("полить цветы и покормить кота", [
            ("task", "Полить цветы", None), ("task", "Покормить кота", None)]),
        ("water the plants and feed the cat", [
            ("task", "Water the plants", None), ("task", "Feed the cat", None)]),
        # «запиши встречу … <time>» is put in the calendar
        ("запиши созвон с Олей завтра в 11 и встречу с бухгалтером в пятницу в 15", [
            ("meeting", "Созвон с Олей", at(24, 11)),
            ("meeting", "Встречу с бухгалтером", at(27, 15))]),
    ],
)
def test_several_items_without_a_join_of_their_own(text, expected):
    assert items(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # the second verb has no object of its own, or points back with a pronoun
        "позвонить бабушке и поздравить её",
        "позвонить и поздравить бабушку",
        "забрать посылку и отнести её соседке",
        "написать отчёт и отправить его начальнику",
        "call grandma and wish her a happy birthday",
        "поздравить Олю и пожелать ей удачи",
        # one reminder of both
        "напомни оплатить интернет и вынести мусор",
        "remind me to pay rent and book a table",
        # one time for both actions
        "в полдень выключить духовку и проверить пирог",
        # a later time or day that is not an item of its own
        "созвон в 10 по поводу встречи в пятницу",
        "встреча с Петей в 10, в кафе на Тверской",
        "обед в 13 с Ириной",
        "в 10 созвон в 11 Петя придёт",
        "Meeting with John, tomorrow, 10am.",
        "Lunch, Friday, 1pm, with Sarah.",
        "завтра, в 10, встреча с Петей",
        # a note stays a note
        "запиши: встреча с юристом прошла хорошо",
        "заметка встреча с ивановыми переносится на декабрь",
    ],
)
def test_one_item_stays_one(text):
    assert items(text) == []


def test_a_booked_event_without_a_time_stays_a_note():
    d = parse("запиши встречу с Петей", NOW, TZ, CANON).to_dict()
    assert d["intent"] == "note"
    d = parse("запиши встречу с Петей в среду в 11", NOW, TZ, CANON).to_dict()
    assert (d["intent"], d["start"]) == ("meeting", at(25, 11))


# ------------------------------------------------------------------ properties

# (the time words, what happens): each alone reads as one item on Friday at that hour.
TIMED = [("в 8", "пробежка"), ("в 9", "планёрка"), ("в 11", "созвон с подрядчиком"),
         ("в 13", "обед с Ириной"), ("в 15", "встреча с юристом"), ("в 17", "тренировка"),
         ("в 19", "ужин с родителями"), ("в 21", "кино с Аней")]
ERRANDS = ["купить корм коту", "позвонить бабушке", "оплатить интернет", "помыть машину",
           "забрать посылку", "вынести мусор", "полить цветы", "записать сына на плавание"]
BARE_VERBS = ["поздравить", "проверить", "перезвонить", "поздравить её", "сказать ему"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(TIMED), min_size=2, max_size=4, unique=True)
       .map(sorted), st.sampled_from([" ", ", "]))
def test_a_day_then_timed_items_come_back_one_by_one(chosen, sep):
    """"в пятницу в 9 планёрка в 13 обед …": each item at its own hour that Friday, with
    the title it has when said alone."""
    chosen = sorted(chosen, key=lambda c: int(c[0].split()[1]))
    text = "в пятницу " + sep.join(f"{when} {what}" for when, what in chosen)
    alone = [parse(f"в пятницу {when} {what}", NOW, TZ, CANON).to_dict() for when, what in chosen]
    assert items(text) == [(a["intent"], a["title"], a["start"]) for a in alone]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(ERRANDS), min_size=2, max_size=2, unique=True))
def test_two_errands_are_two_tasks(pair):
    got = items(" и ".join(pair))
    assert got == [("task", parse(p, NOW, TZ, CANON).to_dict()["title"], None) for p in pair]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(ERRANDS), st.sampled_from(BARE_VERBS),
       st.sampled_from(["", "в 18 ", "завтра ", "завтра в 9 "]))
def test_an_errand_and_a_verb_without_an_object_of_its_own_are_one(errand, verb, when):
    """… and a day or time said once, before both, is theirs together."""
    assert items(f"{when}{errand} и {verb}") == []


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(ERRANDS), min_size=2, max_size=2, unique=True),
       st.sampled_from(["в 18 ", "завтра ", "в пятницу в 9 "]))
def test_two_errands_after_one_time_are_one_item(pair, when):
    """A time said once for both actions: one item (the errand rule needs no time at all)."""
    assert items(when + " и ".join(pair)) == []
