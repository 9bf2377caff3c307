"""Issue 16 #2, #6, #11 through the real worker: past-tense completion, «не знаю»
answers, long pastes kept as notes, and no reply echoing more than 80 characters of
the person's text.

Real parser, real SQLite, real Worker (tests/fixtures/pipeline.py); Monday 23 Nov 2026,
10:00 Moscow.
"""

from __future__ import annotations

import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures.pipeline import buttons, make_pipe

# ---------------------------------------------------------------- #2 past tense


@pytest.mark.parametrize(
    "task,said",
    [
        ("купить молоко", "купил молоко"),
        ("купить хлеб", "хлеб купил"),
        ("отправить договор", "отправил договор"),
        ("позвонить маме", "позвонила маме"),
        ("сделать отчёт", "сделал отчёт"),
        ("оплатить интернет", "оплатил интернет"),
        ("купить молоко", "я уже купила молоко"),
        ("купить молоко", "вчера купил молоко"),
    ],
)
def test_past_tense_completes_the_open_task_ru(pipe, task, said):
    pipe.say(task)
    pipe.say("завтра в 15 встреча с Петей")
    r = pipe.say(said)
    assert r.text.startswith("Отметил выполненным: "), r.text
    statuses = {i["title"]: i["status"] for i in pipe.items()}
    assert statuses[task[0].upper() + task[1:]] == "DONE"
    assert statuses["Встреча с Петей"] == "OPEN"
    assert len(pipe.items()) == 2  # nothing new


@pytest.mark.parametrize(
    "task,said",
    [
        ("pay the electricity bill", "paid the electricity bill"),
        ("call mom", "I already called mom"),
        ("send the contract", "sent the contract"),
        ("buy milk", "bought milk"),
    ],
)
def test_past_tense_completes_the_open_task_en(pipe, task, said):
    pipe.say(task, lang="en")
    r = pipe.say(said, lang="en")
    assert r.text.startswith("Marked done: "), r.text
    (item,) = pipe.items()
    assert item["status"] == "DONE"


def test_past_tense_with_no_open_task_creates_nothing(pipe):
    pipe.say("купить молоко")
    r = pipe.say("отправил договор")
    assert r.text == "Не нашёл «отправить договор» среди открытых дел."
    r = pipe.say("paid the electricity bill", lang="en")
    assert "couldn't find" in r.text
    (item,) = pipe.items()
    assert item["title"] == "Купить молоко" and item["status"] == "OPEN"


@pytest.mark.stores
def test_past_tense_two_plausible_tasks_asks_which(pipe):
    pipe.say("купить молоко")
    pipe.say("купить молоко для кота")
    r = pipe.say("купил молоко")
    assert r.text.startswith("Нашёл несколько похожих")
    assert [d.split(":")[0] for _, d in buttons(r)] == ["sel", "sel"]
    assert {i["status"] for i in pipe.items()} == {"OPEN"}


@pytest.mark.parametrize("said", ["вчера был у врача", "I met Anna yesterday"])
def test_past_tense_not_about_a_task_completes_nothing(pipe, said):
    pipe.say("купить молоко")
    pipe.say("встретить Аню в 18")
    pipe.say(said)
    done = [i for i in pipe.items() if i["status"] == "DONE"]
    assert done == []


# ---------------------------------------------------------------- #6 «не знаю»


@pytest.mark.parametrize(
    "answer",
    ["не знаю", "пока не знаю", "не решил", "потом решу", "как-нибудь потом"],
)
def test_unsure_answer_keeps_a_meeting_without_a_time_ru(pipe_factory, answer):
    pipe = pipe_factory(
        CALENDAR_BACKEND="google",
        GOOGLE_CALENDAR_ID="team@group.calendar.google.com",
        GOOGLE_CALENDAR_API_ENDPOINT="http://127.0.0.1:9/calendar/v3/",
    )
    q = pipe.say("встреча с Петей")
    assert q.text.startswith("Когда «Встреча с Петей»?")
    r = pipe.say(answer)
    assert r.text.startswith("Сохранил без времени: Встреча с Петей."), r.text
    (item,) = pipe.items()
    assert (item["type"], item["status"], item["start_at"]) == ("meeting", "OPEN", None)
    assert item["cal_state"] == "NONE"  # not sent to the calendar until it has a time
    assert pipe.clarify() is None
    # later it gets a time: now it goes to the calendar
    r = pipe.say("перенеси встречу с Петей на завтра в 15")
    assert r.text == "Перенёс: Встреча с Петей — завтра, 24 ноября, 15:00–16:00"
    assert pipe.items()[0]["cal_state"] == "PENDING"


@pytest.mark.parametrize("answer", ["whenever", "no idea", "not sure yet", "later"])
def test_unsure_answer_keeps_a_task_without_a_date_en(pipe, answer):
    q = pipe.say("remind me to call the bank", lang="en")
    assert q.text.startswith("When should I remind you")
    r = pipe.say(answer, lang="en")
    assert r.text.startswith("Saved without a time: Call the bank."), r.text
    (item,) = pipe.items()
    assert (item["type"], item["status"], item["start_at"]) == ("task", "OPEN", None)
    assert pipe.clarify() is None


@pytest.mark.parametrize(
    "draft,answer,lang,start",
    [
        ("обед с Ирой", "сама пока не знаю", "ru", None),
        ("созвон с Олей в четверг", "время пока не знаю, уточню", "ru", "thu"),
        ("напомни записаться к стоматологу", "хз, без даты", "ru", None),
        ("remind me to renew the passport", "no clue, no date for now", "en", None),
        ("dinner with Sam on Friday", "not sure about the time yet", "en", "fri"),
    ],
)
def test_hedged_unknown_answers_save_without_a_time(pipe, draft, answer, lang, start):
    pipe.say(draft, lang=lang)
    assert pipe.clarify() is not None
    r = pipe.say(answer, lang=lang)
    assert r.text.startswith(("Сохранил без времени", "Saved without a time")), r.text
    (item,) = pipe.items()
    assert item["status"] == "OPEN" and pipe.clarify() is None
    assert (item["start_at"] is None) == (start is None)  # the day said is kept


@pytest.mark.parametrize(
    "draft,answer,lang,kept",
    [
        ("ужин у Сони", "в пятницу, а во сколько пока не знаю", "ru", "пятница, 27 ноября"),
        ("напомни забрать костюм", "послезавтра, время уточню", "ru", "послезавтра, 25 ноября"),
        ("drinks with Max", "Thursday, no idea what time yet", "en", "Thursday, 26 November"),
    ],
)
def test_a_day_with_a_hedged_time_saves_the_day_without_a_time(pipe, draft, answer, lang, kept):
    pipe.say(draft, lang=lang)
    r = pipe.say(answer, lang=lang)
    assert r.text.startswith(("Сохранил без времени", "Saved without a time")), r.text
    assert kept in r.text
    (item,) = pipe.items()  # no new item made of the hedge
    assert (item["status"], item["all_day"]) == ("OPEN", 1) and pipe.clarify() is None


def test_a_time_with_a_hedge_is_an_answer(pipe):
    pipe.say("ужин у Сони в пятницу")
    r = pipe.say("в 19, но это не точно")
    assert r.text.startswith("Добавил встречу: Ужин у Сони — пятница, 27 ноября, 19:00"), r.text
    assert len(pipe.items()) == 1


def test_unsure_answer_keeps_the_day_of_a_meeting(pipe):
    pipe.say("созвон с Олей в четверг")  # day known, time missing
    r = pipe.say("не знаю")
    assert r.text.startswith("Сохранил без времени: Созвон с Олей — четверг, 26 ноября.")
    (item,) = pipe.items()
    assert item["status"] == "OPEN" and item["cal_state"] == "NONE"
    r = pipe.say("перенеси созвон с Олей на 16")  # the day is kept
    assert r.text == "Перенёс: Созвон с Олей — четверг, 26 ноября, 16:00–17:00"


def test_unsure_answer_without_a_question_is_not_a_task(pipe):
    pipe.say("не знаю")
    assert pipe.items() == []


def test_unsure_and_the_agenda_and_reminders_cope(pipe):
    pipe.say("встреча с Петей")
    pipe.say("не знаю")
    r = pipe.command("today")
    assert r.text
    pipe.advance(hours=30)
    pipe.tick()
    assert pipe.items()[0]["status"] == "OPEN"


# ---------------------------------------------------------------- #11 long paste


PROSE_RU = (
    "Вчера на совещании обсуждали перенос релиза на 15 декабря. Петя сказал, что команда "
    "не успевает с тестами, и предложил сдвинуть всё на неделю. Оля возразила: клиенту "
    "обещали показать демо в пятницу в 11, и переносить это нельзя. "
) * 12
PROSE_EN = (
    "Yesterday the team discussed moving the release to December 15. Pete said testing "
    "is behind and suggested a week's delay. Olga objected: the client was promised a "
    "demo on Friday at 11am, and that cannot move. "
) * 12


@pytest.mark.parametrize("text,lang", [(PROSE_RU, "ru"), (PROSE_EN, "en")])
def test_long_paste_becomes_a_note_with_a_short_title(pipe, text, lang):
    assert len(text) > 2000
    r = pipe.say(text, lang=lang)
    assert r.text.startswith(("Записал заметку: ", "Saved a note: ")), r.text
    (item,) = pipe.items()
    assert item["type"] == "note" and item["start_at"] is None
    assert len(item["title"]) <= 60
    assert item["title"].startswith(("Вчера на совещании", "Yesterday the team"))
    assert item["source_text"] == text.strip()  # the whole text kept
    assert len(r.text) < 200


def test_long_paste_keeps_an_open_question(pipe):
    pipe.say("встреча с Петей")
    pipe.say(PROSE_RU)
    assert pipe.clarify() is not None
    r = pipe.say("завтра в 15")
    assert r.text.startswith("Добавил встречу: Встреча с Петей")


# ---------------------------------------------------------------- echo cap


def _longest_common(a: str, b: str) -> int:
    """The length of the longest common substring (case-folded), O(len(a)·len(b))."""
    a, b = a.casefold(), b.casefold()
    best, prev = 0, [0] * (len(b) + 1)
    for ch in a:
        cur = [0] * (len(b) + 1)
        for j, ch2 in enumerate(b, 1):
            if ch == ch2:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


_VOCABULARY = (
    "купить молоко встреча с Петей заметка отмени перенеси готово позвонить маме завтра "
    "в 15 call mom meeting with Anna tomorrow remind me to buy bread note: cancel the "
    "очень длинное описание проекта которое никто не дочитает . , ! ?"
)
_WORDS = st.sampled_from(_VOCABULARY.split())


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.lists(_WORDS, min_size=1, max_size=60).map(" ".join), min_size=1, max_size=3))
def test_no_reply_echoes_more_than_80_characters(template_db, tmp_path_factory, texts):
    path = tmp_path_factory.mktemp("echo") / "organizer.db"
    shutil.copy(template_db, path)
    pipe = make_pipe(path)
    try:
        for text in texts:
            r = pipe.say(text)
            for other in texts:
                assert _longest_common(r.text, other) <= 80, (r.text, other)
    finally:
        pipe.conn.close()


# ---------------------------------------------------------------- `organizer chat`


def test_the_three_through_organizer_chat(db_path):
    from test_chat import chat

    r = chat(
        db_path,
        ["встреча с Петей", "не знаю", "купить хлеб", "хлеб купил", "отправил договор",
         PROSE_RU, "/quit"],
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "Сохранил без времени: Встреча с Петей." in out
    assert "Отметил выполненным: Купить хлеб" in out
    assert "Не нашёл «отправить договор» среди открытых дел." in out
    assert "Записал заметку: Вчера на совещании обсуждали перенос релиза на 15 декабря" in out
    replies = [line for line in out.splitlines() if not line.startswith(">")]  # not the input
    assert max(len(line) for line in replies) < 200
