"""Issue 16 #4/#5/#9 as dialogues through the real worker and handlers (`pipe`): moves
said with other verbs and forms, corrections right after creating ("make it 3pm
instead", «лучше в 14»), answers to «На когда перенести?», object-first moves. Each
moves the right item, keeps its length and leaves no stray item. Wordings of our own."""

from __future__ import annotations

import pytest

from fixtures.pipeline import Pipe
from organizer.model import from_db
from test_followup_dialogues import MSK, local, only, span


def _titles(pipe: Pipe) -> list[str]:
    return [str(i["title"]) for i in pipe.items()]


# ---------------------------------------------------------------- corrections after creating


@pytest.mark.parametrize(
    ("move", "expected"),
    [
        ("лучше в 14", ("Tue 24 14:00", "Tue 24 15:30")),
        ("нет, пусть будет в 16", ("Tue 24 16:00", "Tue 24 17:30")),
        ("а можно на час позже?", ("Tue 24 13:00", "Tue 24 14:30")),
        ("давай в четверг", ("Thu 26 12:00", "Thu 26 13:30")),
        ("сделай на 20 минут пораньше", ("Tue 24 11:40", "Tue 24 13:10")),
        ("ok, change it to 3pm", ("Tue 24 15:00", "Tue 24 16:30")),
        ("can we do Thursday?", ("Thu 26 12:00", "Thu 26 13:30")),
        ("let's do half an hour later", ("Tue 24 12:30", "Tue 24 14:00")),
        ("2pm instead", ("Tue 24 14:00", "Tue 24 15:30")),
        ("oh wait, make it a day later", ("Wed 25 12:00", "Wed 25 13:30")),
        ("no wait, 4pm", ("Tue 24 16:00", "Tue 24 17:30")),
        ("на час пораньше можно?", ("Tue 24 11:00", "Tue 24 12:30")),
        ("we'll do it at 6pm instead", ("Tue 24 18:00", "Tue 24 19:30")),
        ("move it up an hour", ("Tue 24 11:00", "Tue 24 12:30")),
        ("давай попозже, в 15", ("Tue 24 15:00", "Tue 24 16:30")),
        ("actually 3pm would be better", ("Tue 24 15:00", "Tue 24 16:30")),
        ("не в 12, а в 14", ("Tue 24 14:00", "Tue 24 15:30")),
        ("а её можно на среду?", ("Wed 25 12:00", "Wed 25 13:30")),
        ("я имела в виду в 17", ("Tue 24 17:00", "Tue 24 18:30")),
        ("sorry, I meant 4pm", ("Tue 24 16:00", "Tue 24 17:30")),
        ("it should be at 3pm, not 12", ("Tue 24 15:00", "Tue 24 16:30")),
        ("change the time to 11", ("Tue 24 11:00", "Tue 24 12:30")),
    ],
)
def test_a_correction_right_after_creating_moves_the_item(
    pipe: Pipe, move: str, expected: tuple[str, str]
) -> None:
    pipe.say("стрижка завтра с 12 до 13:30")
    pipe.advance(minutes=1)
    reply = pipe.say(move)
    assert span(pipe, only(pipe)) == expected, reply.text  # one item: nothing stray


def test_a_sure_correction_with_nothing_in_focus_creates_nothing(pipe: Pipe) -> None:
    pipe.say("стрижка завтра в 12")
    pipe.advance(hours=2)  # no referent any more
    pipe.say("make it 5pm instead")
    pipe.say("лучше в 18")
    assert _titles(pipe) == ["Стрижка"]
    assert local(pipe.items()[0]["start_at"]) == "Tue 24 12:00"


def test_an_open_drafts_question_takes_the_correction_as_its_answer(pipe: Pipe) -> None:
    pipe.say("стрижка завтра в 12")
    ask = pipe.say("встреча с Петей")
    assert pipe.clarify() is not None, ask.text
    pipe.say("давай лучше в пятницу в 15")
    haircut, petya = pipe.items()
    assert local(haircut["start_at"]) == "Tue 24 12:00"  # the earlier item stays
    assert (petya["status"], local(petya["start_at"])) == ("OPEN", "Fri 27 15:00")


@pytest.mark.parametrize(
    "text",
    [
        "давай созвонимся с Олегом в среду в 10",
        "work on the report tomorrow at 9",
        "how about lunch with Kate on Friday at 1",
        "перекинь деньги маме в среду",
        "change the oil on Friday",
        "2 hours later call mom",
    ],
)
def test_a_new_item_right_after_is_still_a_new_item(pipe: Pipe, text: str) -> None:
    pipe.say("стрижка завтра в 12")
    reply = pipe.say(text)
    assert len(pipe.items()) == 2, reply.text
    assert local(pipe.items()[0]["start_at"]) == "Tue 24 12:00"


# ---------------------------------------------------------------- relative moves, other verbs


RU_LUNCH, EN_LUNCH = "обед с Олей завтра с 13 до 14:30", "lunch with Anna tomorrow 1-2:30pm"


@pytest.mark.parametrize(
    ("create", "move", "expected"),
    [
        (RU_LUNCH, "отодвинь обед на 40 минут", ("Tue 24 13:40", "Tue 24 15:10")),
        (RU_LUNCH, "подвинь на полчаса пораньше", ("Tue 24 12:30", "Tue 24 14:00")),
        (RU_LUNCH, "обед на час позже", ("Tue 24 14:00", "Tue 24 15:30")),
        (RU_LUNCH, "перенеси на неделю", ("Tue 01 13:00", "Tue 01 14:30")),
        (RU_LUNCH, "перенеси на следующий день", ("Wed 25 13:00", "Wed 25 14:30")),
        (RU_LUNCH, "обед с Олей сдвигаем на час", ("Tue 24 14:00", "Tue 24 15:30")),
        (RU_LUNCH, "обед давай на четверг", ("Thu 26 13:00", "Thu 26 14:30")),
        (EN_LUNCH, "could you push it back like 30 minutes", ("Tue 24 13:30", "Tue 24 15:00")),
        (EN_LUNCH, "quarter of an hour later", ("Tue 24 13:15", "Tue 24 14:45")),
        (EN_LUNCH, "delay lunch by 20 minutes", ("Tue 24 13:20", "Tue 24 14:50")),
        (EN_LUNCH, "pull it forward by 15 minutes", ("Tue 24 12:45", "Tue 24 14:15")),
        (EN_LUNCH, "push lunch back two days", ("Thu 26 13:00", "Thu 26 14:30")),
        (EN_LUNCH, "shift it to 4pm", ("Tue 24 16:00", "Tue 24 17:30")),
        (EN_LUNCH, "bring lunch forward an hour", ("Tue 24 12:00", "Tue 24 13:30")),
    ],
)
def test_relative_and_absolute_moves_with_other_verbs(
    pipe: Pipe, create: str, move: str, expected: tuple[str, str]
) -> None:
    pipe.say(create)
    reply = pipe.say(move)
    assert span(pipe, only(pipe)) == expected, reply.text


def test_a_named_move_with_another_verb_long_after(pipe: Pipe) -> None:
    pipe.say("обед с Олей завтра в 13")
    pipe.say("dentist on Thursday at 11")
    pipe.advance(hours=3)
    pipe.say("отодвинь обед с Олей на 2 часа")
    pipe.say("delay the dentist by a day")
    lunch, dentist = (i["id"] for i in pipe.items())
    assert span(pipe, lunch) == ("Tue 24 15:00", "Tue 24 16:00")
    assert span(pipe, dentist) == ("Fri 27 11:00", "Fri 27 12:00")


def test_a_move_of_the_reminder_moves_its_item(pipe: Pipe) -> None:
    pipe.say("напомни завтра в 8 выпить таблетки")
    pipe.say("встреча с Петей в среду в 15")
    pipe.advance(hours=1)
    pipe.say("сдвинь напоминалку про таблетки на 15 минут позже")
    pills, petya = pipe.items()
    assert local(pills["start_at"]) == "Tue 24 08:15"
    assert local(petya["start_at"]) == "Wed 25 15:00"


# ---------------------------------------------------------------- «На когда перенести?»


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("давай в четверг", "Thu 26 15:00"),
        ("лучше на полчаса раньше", "Tue 24 14:30"),
        ("то же время, но в четверг", "Thu 26 15:00"),
        ("на четверг на то же время", "Thu 26 15:00"),
        ("same time Thursday", "Thu 26 15:00"),
        ("let's do 5pm", "Tue 24 17:00"),
        ("a day later", "Wed 25 15:00"),
        ("Friday is fine", "Fri 27 15:00"),
        ("maybe 5?", "Tue 24 17:00"),
        ("same day, 6pm", "Tue 24 18:00"),
        ("на завтра же, но в 18", "Tue 24 18:00"),
        ("на следующий день", "Wed 25 15:00"),
    ],
)
def test_answers_to_when_move_the_item(pipe: Pipe, answer: str, expected: str) -> None:
    pipe.say("встреча с Петей завтра в 15")
    pipe.say("купить молоко")
    ask = pipe.say("перенеси встречу с Петей")
    assert pipe.clarify() is not None, ask.text
    reply = pipe.say(answer)
    petya = pipe.items()[0]
    assert (local(petya["start_at"]), local(petya["end_at"])) == (
        expected,
        local_plus_hour(petya["start_at"]),
    ), reply.text
    assert _titles(pipe) == ["Встреча с Петей", "Купить молоко"]  # nothing stray
    assert pipe.clarify() is None


def local_plus_hour(text: str | None) -> str | None:
    dt = from_db(text)
    return (
        None
        if dt is None
        else (dt.astimezone(MSK).replace(hour=dt.astimezone(MSK).hour + 1)).strftime("%a %d %H:%M")
    )


# ---------------------------------------------------------------- object first, no verb


def test_object_first_with_to_and_the_same_time(pipe: Pipe) -> None:
    pipe.say("haircut on Wednesday at 12")
    pipe.say("haircut to Friday, same time")
    pipe.say("стоматолог в четверг в 11")
    pipe.advance(hours=2)
    pipe.say("стоматолог на субботу на то же время")
    haircut, dentist = pipe.items()
    assert span(pipe, haircut["id"]) == ("Fri 27 12:00", "Fri 27 13:00")
    assert span(pipe, dentist["id"]) == ("Sat 28 11:00", "Sat 28 12:00")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("haircut is now at 3pm", "Wed 25 15:00"), ("стрижка теперь в 16", "Wed 25 16:00")],
)
def test_the_new_time_said_as_news_moves_the_item(pipe: Pipe, text: str, expected: str) -> None:
    pipe.say("haircut on Wednesday at 12" if "haircut" in text else "стрижка в среду в 12")
    pipe.advance(hours=2)
    reply = pipe.say(text)
    assert [local(i["start_at"]) for i in pipe.items()] == [expected], reply.text


def test_a_verb_correction_naming_its_item(pipe: Pipe) -> None:
    pipe.say("стрижка в среду в 12")
    pipe.say("купить хлеб")
    pipe.advance(hours=2)
    pipe.say("перекинь стрижку на пятницу")
    assert span(pipe, pipe.items()[0]["id"]) == ("Fri 27 12:00", "Fri 27 13:00")
    assert len(pipe.items()) == 2


@pytest.mark.parametrize("move", ["перенеси на следующую неделю", "push it to next week"])
def test_to_next_week_keeps_the_weekday_and_time(pipe: Pipe, move: str) -> None:
    pipe.say("стрижка в среду с 12 до 13:30")
    reply = pipe.say(move)
    assert span(pipe, only(pipe)) == ("Wed 02 12:00", "Wed 02 13:30"), reply.text


@pytest.mark.parametrize(
    "text",
    [
        "лучше покажи что у меня завтра",
        "а можно что у меня завтра?",
        "давай запиши: код домофона 1234",
    ],
)
def test_a_question_or_a_note_is_not_a_correction(pipe: Pipe, text: str) -> None:
    pipe.say("стрижка завтра в 12")
    reply = pipe.say(text)
    assert local(pipe.items()[0]["start_at"]) == "Tue 24 12:00", reply.text
    assert all(i["type"] != "task" or i["title"] == "Стрижка" for i in pipe.items())
