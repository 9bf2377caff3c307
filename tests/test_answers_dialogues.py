"""Issue 16 #2/#3 variants through the real worker and handlers (`pipe`): casual
confirmations right after an item or a reminder complete it; phrasal and particle verbs in
the past tense complete the matching task. Wordings of our own, not the dialogue sets'.
Monday 23 Nov 2026, 10:00 Moscow; judged on the items."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import ORGANIZER, make_env
from fixtures.pipeline import Pipe, buttons

# ---------------------------------------------------------------- confirmations


@pytest.mark.parametrize(
    ("create", "done", "lang"),
    [
        ("купить батарейки", "ага, готово", "ru"),
        ("купить батарейки", "да, уже сделала", "ru"),
        ("купить батарейки", "уже", "ru"),
        ("buy batteries", "all done", "en"),
        ("buy batteries", "yeah, finished it", "en"),
        ("buy batteries", "bought them", "en"),
        ("купить батарейки", "купила", "ru"),
    ],
)
def test_a_casual_confirmation_completes_the_item_just_created(
    pipe: Pipe, create: str, done: str, lang: str
) -> None:
    pipe.say("позвонить маме" if lang == "ru" else "call mom", lang=lang)
    pipe.say(create, lang=lang)
    reply = pipe.say(done, lang=lang)
    assert [i["status"] for i in pipe.items()] == ["OPEN", "DONE"], reply.text
    assert not buttons(reply) or "sel:" not in str(buttons(reply))
    assert len(pipe.items()) == 2  # nothing new


@pytest.mark.parametrize(
    ("text", "done"),
    [
        ("напомни через 10 минут выпить таблетки", "угу, выпил их"),
        ("напомни через 10 минут выпить таблетки", "ага, выполнено"),
        ("напомни через 10 минут выпить таблетки", "выпила"),
        ("remind me in 10 minutes to water the plants", "yup, did that"),
        ("remind me in 10 minutes to water the plants", "already"),
    ],
)
def test_a_casual_confirmation_after_a_reminder_completes_it(
    pipe: Pipe, text: str, done: str
) -> None:
    pipe.say(text)
    pipe.say("позвонить маме завтра" if text.startswith("напомни") else "call mom tomorrow")
    reminded = pipe.items()[0]["id"]
    pipe.advance(minutes=10)
    pipe.tick()
    pipe.advance(minutes=1)
    reply = pipe.say(done)
    assert pipe.item(reminded)["status"] == "DONE", reply.text
    assert [i["status"] for i in pipe.items()][1] == "OPEN"


# ---------------------------------------------------------------- phrasal past tense


@pytest.mark.parametrize(
    ("task", "said"),
    [
        ("drop off the keys at the office", "dropped off the keys"),
        ("fill out the visa form", "filled out the visa form"),
        ("sign up for the pottery class", "I signed up for the pottery class"),
        ("hand in the library books", "handed in the library books"),
        ("drop off the car at the garage", "dropped the car off"),
        ("go to the pharmacy", "went to the pharmacy"),
        ("back up the laptop", "backed up the laptop"),
        ("забрать справку из поликлиники", "забрала справку"),
        ("сходить в банк", "сходил в банк"),
        ("записаться на маникюр", "записалась на маникюр"),
    ],
)
def test_phrasal_past_tense_completes_the_open_task(pipe: Pipe, task: str, said: str) -> None:
    pipe.say(task)
    pipe.say("buy milk" if task.isascii() else "купить молоко")
    reply = pipe.say(said)
    statuses = [i["status"] for i in pipe.items()]
    assert statuses == ["DONE", "OPEN"], reply.text


def test_a_verb_whose_past_is_its_imperative_stays_a_to_do(pipe: Pipe) -> None:
    pipe.say("set up the printer", lang="en")
    (item,) = pipe.items()
    assert (item["type"], item["status"]) == ("task", "OPEN")


def test_a_past_verb_without_its_particle_is_no_report(pipe: Pipe) -> None:
    pipe.say("pick up Anna from school", lang="en")
    pipe.say("I picked Anna for the team", lang="en")
    assert pipe.items()[0]["status"] == "OPEN"


# ---------------------------------------------------------------- «X отменяются»


@pytest.mark.parametrize(
    ("create", "said", "lang"),
    [
        ("в пятницу в 19 посиделки у Лены", "посиделки у Лены не состоятся", "ru"),
        ("в четверг в 8 бассейн", "бассейн в четверг отпадает", "ru"),
        ("урок английского в субботу в 11", "урок английского отменился", "ru"),
        ("drinks with Tom on Friday at 7pm", "the drinks with Tom are off", "en"),
        ("retro on Thursday at 4pm", "the retro got scrapped", "en"),
        ("в субботу в 14 пикник", "пикник сорвался", "ru"),
        ("в субботу в 14 пикник", "пикник можно вычеркнуть", "ru"),
        ("tennis with Mark on Friday at 6pm", "tennis with Mark fell through", "en"),
    ],
)
def test_an_event_said_to_be_off_is_cancelled(
    pipe: Pipe, create: str, said: str, lang: str
) -> None:
    pipe.say(create, lang=lang)
    pipe.say("купить уголь" if lang == "ru" else "buy charcoal", lang=lang)
    reply = pipe.say(said, lang=lang)
    assert [i["status"] for i in pipe.items()] == ["CANCELLED", "OPEN"], reply.text
    assert pipe.clarify() is None  # no new draft asking when


# ---------------------------------------------------------------- impossible dates


def test_an_impossible_date_stores_nothing_and_asks_the_day_keeping_the_time(pipe: Pipe) -> None:
    r = pipe.say("31 июня в 18 ужин с Олегом")
    assert r.text.startswith("Даты «31 июня» не бывает: в этом месяце 30 дней."), r.text
    assert "«Ужин с Олегом» в 18:00" in r.text
    (item,) = pipe.items()
    assert (item["status"], item["start_at"]) == ("DRAFT", None)  # nothing on a wrong day
    r = pipe.say("30 июня")
    (item,) = pipe.items()
    assert item["status"] == "OPEN" and r.text.startswith("Добавил встречу"), r.text
    assert "30 июня 2027, 18:00–19:00" in r.text


def test_the_whole_message_said_again_with_a_real_date(pipe: Pipe) -> None:
    """The answer repeats title and time: the draft's words joined to it are one item,
    not two timed items cut apart (the first of which would land on the wrong day)."""
    pipe.say("31 июня в 18 ужин с Олегом")
    r = pipe.say("30 июня в 18 ужин с Олегом")
    (item,) = pipe.items()
    assert item["status"] == "OPEN" and "30 июня 2027, 18:00–19:00" in r.text, r.text


def test_an_impossible_date_for_a_task_en(pipe: Pipe) -> None:
    r = pipe.say("pay the rent on September 31st", lang="en")
    assert r.text.startswith("There is no September 31st: that month has 30 days."), r.text
    assert pipe.items()[0]["status"] == "DRAFT"
    r = pipe.say("September 30", lang="en")
    (item,) = pipe.items()
    assert item["status"] == "OPEN" and item["start_at"] is not None, r.text
    assert "30 September" in r.text


def test_an_impossible_date_as_the_answer_asks_again(pipe: Pipe) -> None:
    pipe.say("встреча с Петей")
    r = pipe.say("30 февраля в 15")
    assert r.text.startswith("Даты «30 февраля» не бывает: в феврале 28 дней"), r.text
    assert "«Встреча с Петей»" in r.text
    (item,) = pipe.items()
    assert (item["status"], item["start_at"]) == ("DRAFT", None)
    assert pipe.clarify()["asks"] == 2
    pipe.say("28 февраля в 15")
    assert pipe.items()[0]["status"] == "OPEN"


def test_an_impossible_date_in_a_move_changes_nothing(pipe: Pipe) -> None:
    pipe.say("завтра в 12 обед с Ирой")
    before = pipe.items()[0]["start_at"]
    r = pipe.say("перенеси обед с Ирой на 31 ноября")
    assert r.text.startswith("Даты «31 ноября» не бывает"), r.text
    (item,) = pipe.items()
    assert (item["status"], item["start_at"]) == ("OPEN", before)


def test_a_new_item_with_an_impossible_date_replaces_the_open_question(pipe: Pipe) -> None:
    pipe.say("созвон с Олей")
    r = pipe.say("32 мая купить подарок маме")
    assert r.text.startswith("Даты «32 мая» не бывает"), r.text
    call, gift = pipe.items()
    assert call["status"] == "OPEN" and call["type"] == "task"  # kept as on expiry
    assert (gift["status"], gift["title"]) == ("DRAFT", "Купить подарок маме")
    assert pipe.clarify()["item_id"] == gift["id"]


def test_a_note_keeps_an_impossible_date_as_words(pipe: Pipe) -> None:
    pipe.say("заметка: 30 февраля — шутка для Пети")
    (item,) = pipe.items()
    assert (item["type"], item["status"]) == ("note", "OPEN")


def test_through_organizer_chat(db_path: Path) -> None:
    """Each phenomenon once through `organizer chat` (a real process, piped stdin)."""
    lines = ["31 ноября в 9 созвон с бухгалтером", "30 ноября", "обед с Ирой", "хз пока",
             "remind me to fill out the insurance form", "no date for now",
             "filled out the insurance form", "в субботу в 14 пикник", "пикник отменяется",
             "купить билеты", "ага, готово"]  # fmt: skip
    r = subprocess.run(
        [ORGANIZER, "chat", "--now", "2026-11-23T10:00:00+03:00"],
        input="".join(line + "\n" for line in lines),
        env=make_env(db_path, ORGANIZER_TZ="Europe/Moscow"),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "Даты «31 ноября» не бывает: в этом месяце 30 дней." in out
    assert "Добавил встречу: Созвон с бухгалтером — понедельник, 30 ноября, 09:00–10:00" in out
    assert "Сохранил без времени: Обед с Ирой" in out
    assert "Saved without a time: Fill out the insurance form" in out
    assert "Marked done: Fill out the insurance form" in out
    assert "Отменил: Пикник" in out
    assert "Отметил выполненным: Купить билеты" in out


def test_an_impossible_date_without_a_time_asks_the_day_then_the_time(pipe: Pipe) -> None:
    pipe.say("встреча с юристом 31 ноября")
    r = pipe.say("30 ноября")
    assert r.text.startswith("Во сколько «Встреча с юристом»"), r.text
    pipe.say("в 15")
    (item,) = pipe.items()
    assert (item["status"], item["all_day"]) == ("OPEN", 0)


def test_an_impossible_date_as_the_new_time_asks_again(pipe: Pipe) -> None:
    pipe.say("завтра в 12 обед с Ирой")
    before = pipe.items()[0]["start_at"]
    pipe.say("перенеси обед с Ирой")
    r = pipe.say("на 31 ноября")
    assert r.text.startswith("Даты «31 ноября» не бывает: в этом месяце 30 дней. На когда"), r.text
    assert pipe.items()[0]["start_at"] == before
    pipe.say("на 30 ноября")
    assert pipe.items()[0]["start_at"] != before
