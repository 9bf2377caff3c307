"""Lists, search, busy slots, overlaps, the open question after a restart: the pure parts
(organizer.parsing.lists, organizer.pipeline.lists, replies.suggest_times), plain values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from organizer.canon import load_canon
from organizer.parsing import parse
from organizer.pipeline import dialog, lists, replies
from organizer.pipeline.dialog import OpenQuestion, Parsed

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=MSK)  # Monday
TZ = "Europe/Moscow"


@dataclass
class It:
    id: int
    type: str
    title: str | None
    status: str = "OPEN"
    start_at: datetime | None = None
    end_at: datetime | None = None
    all_day: bool = False
    rrule: str | None = None


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=MSK)


def p(text: str) -> dict[str, object]:
    return parse(text, NOW, TZ, load_canon()).to_dict()


# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    "text",
    [
        "какие у меня задачи",
        "мои задачи",
        "список дел",
        "что мне надо сделать",
        "Ну, какие у меня задачи?",
        "what are my tasks",
        "show my tasks",
        "my to-do list",
    ],
)
def test_task_list_requests(text: str):
    r = p(text)
    assert (r["intent"], r["list"], r["start"], r["title"]) == ("agenda", "tasks", None, None)


@pytest.mark.parametrize("text", ["покажи заметки", "мои заметки", "show my notes", "my notes"])
def test_note_list_requests(text: str):
    r = p(text)
    assert (r["intent"], r["list"]) == ("agenda", "notes")


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("найди заметку про пароль от wifi", "пароль от wifi"),
        ("найди про стоматолога", "стоматолога"),
        ("find my note about the wifi password", "wifi password"),
        ("search dentist", "dentist"),
        ("search for dentist", "dentist"),
    ],
)
def test_search_requests(text: str, query: str):
    r = p(text)
    assert (r["intent"], r["search"], r["title"]) == ("unknown", query, None)


@pytest.mark.parametrize(
    "text",
    [
        "что у меня завтра",
        "какие у меня задачи на завтра",  # a day said: the agenda of that day
        "найти ключи",
        "find a plumber tomorrow",
        "купить молоко",
        "заметка: найди про стоматолога",
    ],
)
def test_other_messages_are_not_lists(text: str):
    r = p(text)
    assert "list" not in r and "search" not in r


def test_the_seven_fields_stay_for_old_consumers():
    assert set(p("купить молоко")) == {
        "intent", "title", "start", "end", "all_day", "rrule", "needs",
    }  # fmt: skip


# ---------------------------------------------------------------- decisions


def test_a_list_is_never_the_answer_to_an_open_question():
    q = OpenQuestion(5, "complete", ("date", "time"), "meeting", "Встреча", None, False)
    asked = Parsed("agenda", None, None, None, False, None, (), listing="tasks")
    assert dialog.decide(asked, q) == lists.ShowList("tasks")
    found = Parsed.from_result({"intent": "unknown", "search": "пароль"})
    assert dialog.decide(found, None) == lists.Search("пароль")
    assert dialog.decide(Parsed("agenda", None, None, None, False, None, ()), None) == (
        dialog.Agenda(Parsed("agenda", None, None, None, False, None, ()))
    )


# ---------------------------------------------------------------- notes


def test_notes_are_paged_with_a_more_button():
    notes = [It(i, "note", f"Заметка {i}") for i in range(25, 15, -1)]
    created = [at(23, 9)] * 10
    text, kb = lists.render_notes(notes, created, page=0, total=25, tz=TZ, lang="ru")
    assert text.splitlines()[0] == "Заметки 1–10 из 25:"
    assert text.splitlines()[1] == "• 23.11 Заметка 25"
    assert kb == [[{"text": "Ещё", "callback_data": "notes:1"}]]
    text, kb = lists.render_notes(notes[:5], created[:5], page=2, total=25, tz=TZ, lang="en")
    assert text.splitlines()[0] == "Notes 21–25 of 25:" and kb == []
    assert lists.render_notes([], [], page=0, total=0, tz=TZ, lang="en")[0].startswith(
        "No notes yet"
    )


def test_a_long_note_is_not_echoed_whole():
    long = "пароль " * 100
    text, _ = lists.render_notes([It(1, "note", long)], [None], page=0, total=1, tz=TZ, lang="ru")
    line = text.splitlines()[1]
    assert len(line) <= 2 + replies.ECHO_CHARS and line.endswith("…")


# ---------------------------------------------------------------- search


def test_search_finds_by_stems_typos_and_note_text():
    pool = [
        It(1, "note", "Пароль от wifi: qwerty123"),
        It(2, "task", "Записаться к стоматологу", start_at=at(27, 0), all_day=True),
        It(3, "meeting", "Dentist appointment", start_at=at(25, 15), end_at=at(25, 16)),
        It(4, "note", "Дача"),
    ]
    texts = [None, None, None, "Дача: ключи у соседа, пароль от роутера на коробке"]
    found = lambda q: [i.id for i in lists.search(q, pool, texts)]  # noqa: E731
    assert found("пароль от wifi") == [1]
    assert found("стоматолога") == [2]
    assert found("стаматолог") == [2]  # a typo
    assert found("dentist") == [3]
    assert found("пароль") == [1, 4]  # the note's text counts too
    assert found("бассейн") == []
    text = lists.render_found("стоматолога", [pool[1]], tz=TZ, lang="ru")
    assert text == "Нашёл по «стоматолога» (1):\n• ☐ Записаться к стоматологу — 27.11"
    assert lists.render_found("бассейн", [], tz=TZ, lang="en") == (
        "Nothing found for “бассейн” among your tasks, meetings and notes."
    )


# ---------------------------------------------------------------- busy slots, overlaps


def test_suggested_times_skip_busy_ones():
    day = at(24, 0).date()
    assert replies.suggest_times(day, now=NOW, tz=TZ) == [at(24, h) for h in (10, 12, 15, 18)]
    busy = lists.busy_intervals(
        [(at(24, 10), at(24, 11), False), (at(24, 15, 30), None, False), (at(24, 0), None, True)]
    )
    got = replies.suggest_times(day, now=NOW, tz=TZ, busy=busy)
    assert got == [at(24, h) for h in (11, 12, 14, 18)]
    assert not any(lists.is_busy(g, busy) for g in got)


def test_suggested_times_without_a_day_skip_busy_ones():
    busy = lists.busy_intervals([(at(23, 12), at(23, 13), False), (at(24, 10), None, False)])
    got = replies.suggest_times(None, now=NOW, tz=TZ, busy=busy)
    assert at(23, 12) not in got and at(24, 10) not in got
    assert got == sorted(got) and len(got) == 4
    assert replies.suggest_times(None, now=NOW, tz=TZ) == [
        at(23, 12), at(23, 15), at(24, 10), at(24, 15),
    ]  # fmt: skip


def test_overlapping_meetings():
    others = [
        It(1, "meeting", "Созвон с Олей", start_at=at(24, 15), end_at=at(24, 16)),
        It(2, "meeting", "Отпуск", start_at=at(24, 0), end_at=at(25, 0), all_day=True),
        It(3, "task", "Купить хлеб", start_at=at(24, 15, 30)),
        It(4, "meeting", "Обед", start_at=at(24, 16), end_at=at(24, 17)),
    ]
    got = lists.overlapping(at(24, 15, 30), at(24, 16, 30), others, self_id=9)
    assert [o.id for o in got] == [1, 4]
    assert lists.overlapping(at(24, 15), at(24, 16), others[:1], self_id=1) == []
    assert replies.overlap_text(got[:1], tz=TZ, now=NOW, lang="ru") == (
        "⚠ Пересекается с «Созвон с Олей» (15:00–16:00)."
    )
    assert replies.overlap_text(got, tz=TZ, now=NOW, lang="en") == (
        "⚠ Overlaps “Созвон с Олей” (15:00–16:00), “Обед” (16:00–17:00)."
    )


def test_nudge_only_for_a_question_shown_by_another_process():
    assert lists.nudge_due(leaves_question=True, shown_by="old", me="new")
    assert lists.nudge_due(leaves_question=True, shown_by=None, me="new")
    assert not lists.nudge_due(leaves_question=True, shown_by="new", me="new")
    assert not lists.nudge_due(leaves_question=False, shown_by="old", me="new")


def test_times_around_now_are_plain():
    assert lists.busy_intervals([(at(24, 9), None, False)]) == [
        (at(24, 9), at(24, 9) + timedelta(minutes=30))
    ]
