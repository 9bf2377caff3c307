"""Issue 16 #2/#3 variants through the real worker and handlers (`pipe`): casual
confirmations right after an item or a reminder complete it; phrasal and particle verbs in
the past tense complete the matching task. Wordings of our own, not the dialogue sets'.
Monday 23 Nov 2026, 10:00 Moscow; judged on the items."""

from __future__ import annotations

import pytest

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
