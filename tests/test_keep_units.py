"""Issue 16 #2, #6, #11 with plain values: past-tense reports (parsing/past.py), «не
знаю» answers (pipeline/unsure.py), long pastes (pipeline/longtext.py) and the echo cap
(pipeline/language.clip). All pure."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from organizer.canon import load_canon
from organizer.parsing import parse
from organizer.parsing.past import completion, infinitive, task_verbs
from organizer.pipeline.language import ECHO_LIMIT, clip, quote
from organizer.pipeline.longtext import LONG_CHARS, TITLE_CHARS, is_paste, note_title
from organizer.pipeline.unsure import beside_hedge, is_unsure

NOW = datetime.fromisoformat("2026-11-23T10:00:00+03:00")
VERBS = task_verbs(load_canon().phrases("task"))


@pytest.mark.parametrize(
    "said,title",
    [
        ("купил молоко", "Купить молоко"),
        ("купила молоко", "Купить молоко"),
        ("купили молоко", "Купить молоко"),
        ("хлеб купил", "Купить хлеб"),
        ("отправил договор", "Отправить договор"),
        ("позвонила маме", "Позвонить маме"),
        ("оплатил интернет", "Оплатить интернет"),
        ("я уже записался к врачу", "Записаться к врачу"),
        ("принесла документы", "Принести документы"),
        ("paid the electricity bill", "Pay the electricity bill"),
        ("I already called mom", "Call mom"),
        ("sent the contract", "Send the contract"),
        ("bought milk", "Buy milk"),
        ("replied to Anna", "Reply to Anna"),
        ("submitted the report", "Submit the report"),
    ],
)
def test_past_forms_name_the_task(said, title):
    assert completion(said, VERBS) == title
    r = parse(said, NOW, "Europe/Moscow")
    assert (r.intent, r.title, r.start) == ("complete", title, None)


@pytest.mark.parametrize(
    "said",
    [
        "вчера был у врача",
        "I met Anna yesterday",
        "не купил молоко",
        "I didn't call mom",
        "купил молоко?",
        "I've got a meeting with Tom at 3",
        "привет",
    ],
)
def test_past_tense_that_is_no_finished_task_reads_nothing(said):
    assert completion(said, VERBS) is None
    assert parse(said, NOW, "Europe/Moscow").intent != "complete"


@pytest.mark.parametrize(
    "said,title",
    [
        ("dropped off the keys", "Drop off the keys"),
        ("filled in the tax form", "Fill in the tax form"),
        ("handed in the report", "Hand in the report"),
        ("threw out the old boxes", "Throw out the old boxes"),
        ("забрала посылку", "Забрать посылку"),
        ("сходила в аптеку", "Сходить в аптеку"),
    ],
)
def test_phrasal_and_particle_verbs_in_the_past(said, title):
    assert completion(said, VERBS) == title
    r = parse(said, NOW, "Europe/Moscow")
    assert (r.intent, r.title) == ("complete", title)


@pytest.mark.parametrize(
    "said",
    ["ага, готово", "да, уже сделала", "уже", "all done", "yep, did that", "bought them",
     "got it done", "that's done", "taken care of", "handled it", "закрыто",
     "already", "угу, выполнено", "сделал это"],
)  # fmt: skip
def test_confirmations_name_no_item(said):
    r = parse(said, NOW, "Europe/Moscow")
    assert (r.intent, r.title, r.needs) == ("complete", None, ("title",))


@pytest.mark.parametrize(
    "said,title",
    [("I'm done with the slides", "The slides"), ("yep, done with the invoice", "The invoice"),
     ("all done with it", None), ("с этим готово", None)],
)  # fmt: skip
def test_confirming_words_in_front_of_a_title_are_dropped(said, title):
    r = parse(said, NOW, "Europe/Moscow")
    assert (r.intent, r.title) == ("complete", title)


def test_a_phrasal_base_needs_its_particle():
    assert completion("picked Anna for the team", VERBS) is None
    assert completion("picked up Anna", VERBS) == "Pick up Anna"


def test_a_past_verb_alone_names_the_task_by_its_verb():
    # answers2: «купил» right after «купить батарейки» is a confirmation; the verb is the
    # title, so the title matching finds the task with that verb (and asks among several)
    assert completion("купил", VERBS) == "Купить"
    assert completion("paid", VERBS) == "Pay"
    r = parse("выпила", NOW, "Europe/Moscow")
    assert (r.intent, r.title) == ("complete", "Выпить")


def test_a_future_time_keeps_the_appointment_it_reports():
    r = parse("записался к врачу на пятницу в 10", NOW, "Europe/Moscow")
    assert r.intent == "meeting" and r.start is not None


def test_infinitive_needs_a_known_task_verb():
    assert infinitive("купил", VERBS) == "купить"
    assert infinitive("был", VERBS) is None
    assert infinitive("called", VERBS) == "call"
    assert infinitive("wanted", VERBS) is None


@pytest.mark.parametrize(
    "text",
    [
        "не знаю", "Пока не знаю.", "не решил", "потом решу", "как-нибудь потом",
        "ну не знаю пока", "whenever", "no idea", "Not sure yet", "later", "I don't know",
        # hedges around the phrase, several phrases, the unknown thing named
        "сама пока не знаю", "дату пока не знаю", "хз, без даты", "без понятия когда",
        "не знаю точно когда", "да без разницы", "не знаю, решу потом", "когда получится",
        "no date yet honestly", "not sure about the time", "no clue when", "dunno, some day",
        "who knows", "time is tbd", "дата пока неизвестна", "не могу пока сказать",
        "а фиг его знает", "сохрани без времени", "just save it", "no set time", "let me think",
    ],
)  # fmt: skip
def test_unsure_answers(text):
    assert is_unsure(text)


@pytest.mark.parametrize(
    "text",
    [
        "завтра в 15", "не знаю, может завтра", "купить молоко", "later today", "",
        "когда", "да", "no", "now", "some day next week", "просто", "save it", "не знаю, в 5", "без пятнадцати 5",
        "a day later", "an hour earlier", "a couple of days later",
    ],
)
def test_answers_that_say_something(text):
    assert not is_unsure(text)


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("в пятницу, а во сколько пока не знаю", "в пятницу"),
        ("послезавтра, время уточню", "послезавтра"),
        ("next Monday, no idea what time", "next Monday"),
        ("в 15, но это не точно", "в 15"),
        ("купить хлеб и молоко", None),
        ("не знаю", None),
        ("завтра в 15", None),
    ],
)
def test_a_hedge_beside_a_day_or_time(text, rest):
    assert beside_hedge(text) == rest


PROSE = (
    "Вчера на совещании обсуждали перенос релиза на 15 декабря. Петя сказал, что команда "
    "не успевает с тестами, и предложил сдвинуть всё на неделю. "
) * 3


def test_paste_threshold():
    assert len(PROSE) > LONG_CHARS and is_paste(PROSE)
    assert not is_paste(PROSE[:LONG_CHARS])  # short enough to be a message
    assert not is_paste("купить " + "молоко " * 100)  # one run-on "sentence"
    assert not is_paste("напомни " + PROSE)  # an explicit command leads
    assert is_paste("заметка: " + PROSE)


def test_note_title_is_the_first_phrase_cut_at_a_word():
    assert note_title(PROSE) == "Вчера на совещании обсуждали перенос релиза на 15 декабря"
    long_first = "слово " * 40 + ". Ещё."
    title = note_title(long_first)
    assert len(title) <= TITLE_CHARS and title.endswith("слово…")
    assert note_title("Заметка: пароль от wifi. " + PROSE).startswith("Пароль от wifi")


@given(st.text(max_size=400))
def test_clip_and_quote_never_exceed_the_echo_limit(text):
    assert len(clip(text)) <= 60
    assert len(quote("ru", text)) <= ECHO_LIMIT
    if len(text) <= 60:
        assert clip(text) == text
