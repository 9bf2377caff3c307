"""Several items said without «и» between them, and two errands joined by «и», through
the real worker and handlers (issue 16 item 1, parsing/seams.py).

Real parser, real SQLite, real Worker; Monday 23 Nov 2026, 10:00 Moscow.
"""

from __future__ import annotations

from fixtures.pipeline import buttons
from test_pipeline_multi import summary, undos


def test_a_day_then_timed_events_one_after_another(pipe):
    r = pipe.say("в четверг в 8 пробежка в 13 обед с Костей и в 19 кино с Аней")
    assert summary(pipe) == [
        ("task", "Пробежка", "2026-11-26 08:00", "OPEN"),
        ("meeting", "Обед с Костей", "2026-11-26 13:00", "OPEN"),
        ("meeting", "Кино с Аней", "2026-11-26 19:00", "OPEN"),
    ]
    assert len(undos(r)) == 3
    assert r.text.count("Добавил встречу") == 2 and r.text.count("Добавил задачу") == 1


def test_comma_between_events_each_with_its_day_in_english(pipe):
    r = pipe.say("tennis with Jack on Saturday at 10, dinner with Tom on Sunday at 8pm")
    assert summary(pipe) == [
        ("meeting", "Tennis with Jack", "2026-11-28 10:00", "OPEN"),
        ("meeting", "Dinner with Tom", "2026-11-29 20:00", "OPEN"),
    ]
    assert [t for t, _ in buttons(r)] == [
        "Undo: Tennis with Jack, Sat 28.11 10:00",
        "Undo: Dinner with Tom, Sun 29.11 20:00",
    ]


def test_a_without_its_comma(pipe):
    pipe.say("в среду в 9 врач а в четверг в 17 тренировка")
    assert summary(pipe) == [
        ("meeting", "Врач", "2026-11-25 09:00", "OPEN"),
        ("meeting", "Тренировка", "2026-11-26 17:00", "OPEN"),
    ]


def test_the_same_event_again_on_another_day(pipe):
    pipe.say("yoga on Tuesday at 8am and on Friday at 8am")
    assert summary(pipe) == [
        ("meeting", "Yoga", "2026-11-24 08:00", "OPEN"),
        ("meeting", "Yoga", "2026-11-27 08:00", "OPEN"),
    ]


def test_two_errands_without_a_time_are_two_tasks_and_one_undo_leaves_the_other(pipe):
    r = pipe.say("полить цветы и покормить кота")
    assert summary(pipe) == [
        ("task", "Полить цветы", None, "OPEN"),
        ("task", "Покормить кота", None, "OPEN"),
    ]
    first = undos(r)[0]
    pipe.press(first)
    assert [i["status"] for i in pipe.items()] == ["CANCELLED", "OPEN"]


def test_an_errand_and_a_bare_second_verb_stay_one_task(pipe):
    pipe.say("забрать посылку и отнести её соседке")
    assert summary(pipe) == [("task", "Забрать посылку и отнести её соседке", None, "OPEN")]


def test_booking_two_events_in_the_calendar(pipe):
    pipe.say("запиши созвон с Олей завтра в 11 и встречу с бухгалтером в пятницу в 15")
    assert [(t, local) for t, _, local, _ in summary(pipe)] == [
        ("meeting", "2026-11-24 11:00"), ("meeting", "2026-11-27 15:00")]
    assert pipe.items(type="note") == []
