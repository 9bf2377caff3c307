"""Search, overlaps, a question left open, long dictated pastes (issue 16 #8, #11, #12) as
whole dialogues through `organizer chat` (tests/dialogue_runner.py: the real chat, worker
and handlers on a real SQLite file), judged on the items left and the last reply.

The wordings are our own, not the corpus's (tests/data/dialogues_*.jsonl is the measure).
A turn with a later `now` is a new chat session on the same database: a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

import dialogue_runner as dr
from organizer.pipeline.longtext import TITLE_CHARS

RU = ("ru", "Europe/Moscow", "2026-11-23T10:00:00+03:00")  # a Monday
EN = ("en", "Europe/London", "2026-11-23T10:00:00+00:00")


@pytest.fixture(scope="module")
def runner() -> Iterator[dr.Runner]:
    logging.disable(logging.WARNING)
    with dr.Runner() as r:
        yield r
    logging.disable(logging.NOTSET)


def run(runner: dr.Runner, where: tuple[str, str, str], says: list[Any], **expect: Any) -> dr.Outcome:
    lang, tz, now = where
    turns = [dict(s) if isinstance(s, dict) else {"say": s} for s in says]
    turns[0].setdefault("now", now)
    d = dr.Dialogue("own", "lists", lang, tz, turns, expect)
    o = runner.run(d)
    assert o.verdict.ok, f"{o.verdict.reason}\n{o.transcript}"
    return o


# ---------------------------------------------------------------- search


RU_NOTES = ["заметка: запасные ключи от дачи у Марины под ковриком", "заметка: код домофона 4512"]
EN_NOTES = ["note: the spare keys are with Marcus next door", "note: gate code 4512"]


@pytest.mark.parametrize(
    ("where", "notes", "ask", "has", "lacks"),
    [
        (RU, RU_NOTES, "поищи, где я писал про ключи", "Марин", "домофон"),
        (RU, RU_NOTES, "а есть что-нибудь про Марину?", "Марин", "домофон"),
        (RU, RU_NOTES, "где у меня записано насчёт дачи", "Марин", "домофон"),
        (RU, RU_NOTES, "найди мне всё, что я сохранял про коврик", "Марин", "домофон"),
        (RU, RU_NOTES, "что у меня есть о домофоне", "4512", "Марин"),
        (RU, RU_NOTES, "найди запасн", "Марин", "домофон"),  # a partial word
        (RU, RU_NOTES, "напомни, что я записывал про ключи", "Марин", "домофон"),
        (RU, RU_NOTES, "найди, где я писал, что ключи под ковриком", "Марин", "домофон"),
        (EN, EN_NOTES, "where did I write about the keys", "Marcus", "gate"),
        (EN, EN_NOTES, "remind me what I wrote about the keys", "Marcus", "gate"),
        (EN, EN_NOTES, "do I have anything on Marcus?", "Marcus", "gate"),
        (EN, EN_NOTES, "find whatever I saved about the gate", "4512", "Marcus"),
        (EN, EN_NOTES, "look up spare", "Marcus", "gate"),
        (EN, EN_NOTES, "anything about the keys?", "Marcus", "gate"),
    ],
)
def test_a_search_finds_the_note(
    runner: dr.Runner, where: tuple[str, str, str], notes: list[str], ask: str, has: str,
    lacks: str,
) -> None:
    run(runner, where, [*notes, ask], items=[{"type": "note"}, {"type": "note"}],
        reply_has=[has], reply_lacks=[lacks])  # fmt: skip


@pytest.mark.parametrize(
    ("where", "said", "want", "ask", "has"),
    [
        (RU, "в четверг в 12 обед с Игорем", {"type": "meeting", "title": "обед Игорем"},
         "найди Игоря", "Обед с Игорем"),
        (RU, "в четверг в 12 обед с Аней", {"type": "meeting", "title": "обед Аней"},
         "найди про Аню", "Обед с Аней"),
        (RU, "позвонить Олегу насчёт машины", {"type": "task", "title": "позвонить Олегу"},
         "где у меня про Олега", "Позвонить Олегу"),
        (EN, "lunch with Igor on Thursday at noon", {"type": "meeting", "title": "lunch Igor"},
         "find anything about Igor's lunch", "Lunch with Igor"),
    ],
)
def test_a_search_finds_an_inflected_name(
    runner: dr.Runner, where: tuple[str, str, str], said: str, want: dict[str, str], ask: str,
    has: str,
) -> None:
    run(runner, where, [said, ask], items=[want], reply_has=[has])


# ---------------------------------------------------------------- overlaps

LAWYER_RU = {"type": "meeting", "title": "встреча юристом", "start": "2026-11-24T14:00"}
LAWYER_EN = {"type": "meeting", "title": "meeting lawyer", "start": "2026-11-24T14:00"}


def vera(title: str, start: str) -> dict[str, str]:
    return {"type": "meeting", "title": title, "start": f"2026-11-24T{start}"}


@pytest.mark.parametrize(
    ("where", "says", "items", "has"),
    [
        # created onto a busy time
        (RU, ["завтра в 14 встреча с юристом", "завтра в 14:30 созвон с Верой"],
         [LAWYER_RU, vera("созвон Верой", "14:30")], ["юристом", "14:00–15:00"]),
        # a draft completed by the answer
        (RU, ["завтра в 14 встреча с юристом", "созвон с Верой", "завтра в 14"],
         [LAWYER_RU, vera("созвон Верой", "14:00")], ["юристом", "14:00–15:00"]),
        # moved onto a busy time, by a new time and by a relative shift
        (RU, ["завтра в 14 встреча с юристом", "завтра в 17 созвон с Верой",
              "перенеси созвон с Верой на 14:30"],
         [LAWYER_RU, vera("созвон Верой", "14:30")], ["юристом", "14:00–15:00"]),
        (RU, ["завтра в 14 встреча с юристом", "завтра в 16 созвон с Верой",
              "сдвинь созвон с Верой на 2 часа раньше"],
         [LAWYER_RU, vera("созвон Верой", "14:00")], ["юристом", "14:00–15:00"]),
        (EN, ["meeting with the lawyer tomorrow at 2pm", "call with Vera tomorrow at 2:30pm"],
         [LAWYER_EN, vera("call Vera", "14:30")], ["lawyer", "14:00–15:00"]),
        (EN, ["meeting with the lawyer tomorrow at 2pm", "call with Vera", "tomorrow at 1:30pm"],
         [LAWYER_EN, vera("call Vera", "13:30")], ["lawyer", "14:00–15:00"]),
        (EN, ["meeting with the lawyer tomorrow at 2pm", "call with Vera tomorrow at 5pm",
              "move the call with Vera to 2pm"],
         [LAWYER_EN, vera("call Vera", "14:00")], ["lawyer", "14:00–15:00"]),
        (EN, ["meeting with the lawyer tomorrow at 2pm", "call with Vera tomorrow at noon",
              "push it 2 hours later"],  # "it": the meeting just created
         [LAWYER_EN, vera("call Vera", "14:00")], ["lawyer", "14:00–15:00"]),
    ],
)
def test_an_overlap_names_the_other_meeting_and_its_time(
    runner: dr.Runner, where: tuple[str, str, str], says: list[str],
    items: list[dict[str, str]], has: list[str],
) -> None:
    run(runner, where, says, items=items, reply_has=has)


# ---------------------------------------------------------------- a question left open


DRAFT = "draft"


@pytest.mark.parametrize(
    ("where", "says", "items", "has"),
    [
        (RU, ["созвон с бухгалтером", {"now": "2026-11-23T10:05:00+03:00", "say": "полить цветы"}],
         [{"type": "meeting", "title": "созвон бухгалтером", "status": DRAFT},
          {"type": "task", "title": "полить цветы"}], "бухгалтером"),
        (RU, ["встреча с Катей", {"now": "2026-11-23T10:10:00+03:00", "say": "покажи заметки"}],
         [{"type": "meeting", "title": "встреча Катей", "status": DRAFT}], "Катей"),
        (EN, ["call with the accountant",
              {"now": "2026-11-23T10:05:00+00:00", "say": "water the plants"}],
         [{"type": "meeting", "title": "call accountant", "status": DRAFT},
          {"type": "task", "title": "water plants"}], "accountant"),
    ],
)
def test_a_question_left_open_before_a_restart_is_shown_again(
    runner: dr.Runner, where: tuple[str, str, str], says: list[Any],
    items: list[dict[str, str]], has: str,
) -> None:
    run(runner, where, says, items=items, reply_has=[has])


def test_within_one_session_the_question_is_not_repeated(runner: dr.Runner) -> None:
    run(runner, RU, ["созвон с бухгалтером", "полить цветы"],
        items=[{"type": "meeting", "title": "созвон бухгалтером", "status": DRAFT},
               {"type": "task", "title": "полить цветы"}],
        reply_lacks=["бухгалтер"])  # fmt: skip


# ---------------------------------------------------------------- long dictated pastes

RU_DICTATED = (
    "идеи для отпуска летом хочется поехать куда-нибудь к морю но не слишком далеко чтобы "
    "дорога не занимала больше дня маша предлагает турцию а я думаю про грузию там и горы "
    "и море и кухня отличная ещё надо учесть что у детей каникулы начинаются только в "
    "середине июня значит раньше не получится и билеты лучше брать заранее пока цены не "
    "выросли отдельно подумать про страховку и про то кто будет кормить кота пока нас нет"
)
EN_DICTATED = (
    "ideas for the summer holiday we would like to go somewhere by the sea but not too far "
    "so the journey takes less than a day mary suggests portugal while i keep thinking about "
    "croatia with its islands and great food the kids only finish school in late june so we "
    "cannot leave before that and tickets should be booked early before prices go up we also "
    "need travel insurance and someone to feed the cat while we are away"
)
RU_PLAIN = (
    "сегодня на планёрке решили что релиз переносим потому что тестировщики не успевают "
    "проверить новую оплату и ещё нашлись две ошибки в отчётах которые надо исправить до "
    "пятницы дима берёт оплату а лена отчёты я созваниваюсь с клиентом и объясняю почему "
    "сроки сдвигаются и что мы предлагаем взамен скидку на следующий месяц"
)


@pytest.mark.parametrize(
    ("where", "text", "title"),
    [
        (RU, RU_DICTATED, "идеи отпуска"),
        (EN, EN_DICTATED, "ideas summer holiday"),
        (RU, RU_PLAIN, "сегодня планёрке решили"),
    ],
)
def test_a_dictated_paste_is_a_note_with_a_short_title(
    runner: dr.Runner, where: tuple[str, str, str], text: str, title: str
) -> None:
    o = run(runner, where, [text], items=[{"type": "note", "title": title, "start": None}],
            reply_lacks=[text[100:181]])  # fmt: skip
    assert len(o.items[0].title) <= TITLE_CHARS, o.items[0].title
