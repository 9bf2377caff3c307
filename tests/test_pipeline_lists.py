"""Task and note lists, search, busy slots, overlaps and an open question after a restart,
through the real worker and handlers (issue 16 #8, #12).

Real parser, real SQLite, real Worker; the clock is Monday 23 Nov 2026, 10:00 Moscow.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from fixtures.pipeline import buttons

# ---------------------------------------------------------------- task lists


def _some_tasks(pipe) -> None:
    pipe.say("купить молоко")
    pipe.say("в пятницу оплатить счёт")
    pipe.say("завтра в 10 позвонить маме")
    pipe.say("завтра в 15 встреча с Петей")


RU_TASKS = ["какие у меня задачи", "мои задачи", "список дел", "что мне надо сделать"]
EN_TASKS = ["what are my tasks", "show my tasks", "my to-do list"]


@pytest.mark.parametrize("text", RU_TASKS + EN_TASKS)
def test_task_list_shows_open_tasks_dated_first(pipe, text: str):
    _some_tasks(pipe)
    before = len(pipe.items())
    r = pipe.say(text, lang="en" if text in EN_TASKS else None)
    lines = r.text.splitlines()
    assert lines[0] == ("Open tasks:" if text in EN_TASKS else "Открытые задачи:")
    assert len(lines) == 4, r.text  # three tasks, not the meeting
    assert "Позвонить маме" in lines[1] and "10:00" in lines[1]
    assert "Оплатить счёт" in lines[2] and ("27" in lines[2])
    assert lines[3].endswith("☐ Купить молоко")
    assert len(pipe.items()) == before  # nothing created
    assert next(d for _, d in buttons(r)).startswith("done:")


def test_task_list_when_there_are_none(pipe):
    assert pipe.say("какие у меня задачи").text == "Открытых задач нет."


def test_agenda_questions_keep_working(pipe):
    _some_tasks(pipe)
    r = pipe.say("что у меня завтра")
    assert r.text.splitlines()[0] == "Завтра, 24 ноября:"
    assert "• 15:00–16:00 Встреча с Петей" in r.text
    assert pipe.say("какие у меня задачи на завтра").text.splitlines()[0] == "Завтра, 24 ноября:"


# ---------------------------------------------------------------- notes, paged


@pytest.mark.stores
def test_notes_newest_first_paged_with_more(pipe):
    for n in range(1, 13):
        pipe.say(f"заметка: код двери {n}")
        pipe.advance(minutes=1)
    r = pipe.say("покажи заметки")
    lines = r.text.splitlines()
    assert lines[0] == "Заметки 1–10 из 12:"
    assert lines[1].endswith("Код двери 12") and lines[10].endswith("Код двери 3")
    assert buttons(r) == [("Ещё", "notes:1")]
    edit = pipe.press("notes:1")
    assert edit.kind == "edit"
    assert edit.text.splitlines() == [
        "Заметки 11–12 из 12:", "• 23.11 Код двери 2", "• 23.11 Код двери 1",
    ]  # fmt: skip
    assert buttons(edit) == []
    assert pipe.say("мои заметки").text.startswith("Заметки 1–10 из 12:")
    assert pipe.say("show my notes", lang="en").text.startswith("Notes 1–10 of 12:")
    assert len(pipe.items()) == 12


def test_no_notes_and_a_long_note_is_cut(pipe):
    assert pipe.say("show my notes", lang="en").text.startswith("No notes yet")
    pipe.say("заметка: " + "очень длинный текст " * 30)
    line = pipe.say("мои заметки").text.splitlines()[1]
    assert len(line) < 100 and line.endswith("…")


# ---------------------------------------------------------------- search


@pytest.mark.stores
def test_search_hits_and_no_hit(pipe):
    pipe.say("заметка: пароль от wifi qwerty123")
    pipe.say("в пятницу записаться к стоматологу")
    pipe.say("завтра в 15 встреча с Петей")
    pipe.say("note: dentist phone 555-12-12", lang="en")
    pipe.say("note: wifi password is hunter2", lang="en")
    before = len(pipe.items())
    r = pipe.say("найди заметку про пароль от wifi")
    assert r.text == "Нашёл по «пароль от wifi» (1):\n• ✎ Пароль от wifi qwerty123"
    r = pipe.say("найди про стоматолога")
    assert r.text.splitlines()[1].startswith("• ☐ Записаться к стоматологу — 27.11")
    assert "Встреча с Петей — 24.11 15:00" in pipe.say("найди встречу с Петей").text
    r = pipe.say("find my note about the wifi password", lang="en")
    assert r.text == "Found for “wifi password” (1):\n• ✎ Wifi password is hunter2"
    assert "Dentist phone" in pipe.say("search dentist", lang="en").text
    assert pipe.say("найди про бассейн").text == (
        "Ничего не нашёл по «бассейн» среди задач, встреч и заметок."
    )
    assert len(pipe.items()) == before


# ---------------------------------------------------------------- clarifications


def test_offered_times_skip_busy_ones(pipe):
    pipe.say("завтра в 10 встреча с Олей")
    pipe.say("завтра в 18 позвонить маме")
    q = pipe.say("завтра встреча с Петей")
    assert q.text.startswith("Во сколько «Встреча с Петей»")
    labels = [t for t, d in buttons(q) if d.startswith("pick:")]
    assert "Завтра 10:00" not in labels and "Завтра 18:00" not in labels
    assert labels == ["Завтра 11:00", "Завтра 12:00", "Завтра 14:00", "Завтра 15:00"]


def test_offered_times_without_a_day_skip_busy_ones(pipe):
    pipe.say("сегодня в 12 обед с Аней")
    q = pipe.say("встреча с Петей")
    labels = [t for t, d in buttons(q) if d.startswith("pick:")]
    assert "Сегодня 12:00" not in labels and len(labels) == 4


@pytest.mark.stores
def test_reschedule_offers_free_times(pipe):
    pipe.say("завтра в 12 созвон с Олей")
    pipe.say("завтра в 15 встреча с Петей")
    r = pipe.say("перенеси встречу с Петей")
    assert r.text.startswith("На когда перенести?")
    labels = [t for t, d in buttons(r) if d.startswith("pick:")]
    assert "Завтра 12:00" not in labels and "Завтра 15:00" not in labels


def test_a_new_meeting_that_overlaps_says_so(pipe):
    pipe.say("завтра в 15 встреча с Петей")
    r = pipe.say("завтра в 15:30 созвон с Олей")
    assert r.text == (
        "Добавил встречу: Созвон с Олей — завтра, 24 ноября, 15:30–16:30\n"
        "⚠ Пересекается с «Встреча с Петей» (15:00–16:00)."
    )
    r = pipe.say("meeting with Anna tomorrow at 4pm", lang="en")
    assert r.text.endswith("⚠ Overlaps “Созвон с Олей” (15:30–16:30).")
    assert [i["status"] for i in pipe.items()] == ["OPEN", "OPEN", "OPEN"]
    r = pipe.say("завтра в 17 ужин с Аней")
    assert "Пересекается" not in r.text


def test_an_answered_draft_that_overlaps_says_so(pipe):
    pipe.say("завтра в 15 встреча с Петей")
    pipe.say("созвон с Олей")
    r = pipe.say("завтра в 15")
    assert r.text.endswith("⚠ Пересекается с «Встреча с Петей» (15:00–16:00).")


def test_question_from_before_a_restart_is_shown_again_once(pipe, monkeypatch):
    pipe.say("встреча с Петей")
    # the same process: the question was just asked, no repeat (test_pipeline keeps it)
    assert pipe.say("купить молоко").text == "Добавил задачу: Купить молоко"
    monkeypatch.setattr("organizer.pipeline.lists.PROCESS", "a-restarted-worker")
    r = pipe.say("купить хлеб")
    assert r.text.startswith("Добавил задачу: Купить хлеб\n\nКстати, я всё ещё жду ответа. ")
    assert "Когда «Встреча с Петей»?" in r.text
    assert "Кстати" not in pipe.say("что у меня завтра").text  # once
    assert pipe.say("завтра в 15").text.startswith("Добавил встречу: Встреча с Петей")
    assert pipe.clarify() is None


def test_question_shown_again_in_english_after_a_restart(pipe, monkeypatch):
    pipe.say("meeting with Anna", lang="en")
    monkeypatch.setattr("organizer.pipeline.lists.PROCESS", "a-restarted-worker")
    r = pipe.say("what are my tasks", lang="en")
    assert r.text.startswith("No open tasks.\n\nBy the way, I'm still waiting. When is")


# ---------------------------------------------------------------- a real worker restarted


def test_question_shown_again_after_a_real_worker_restart(
    db_path: Path, db_url: str, conn, tmp_path: Path
):
    from test_pipeline_restart import say, start_worker, wait_reply

    log = tmp_path / "worker.log"
    worker = start_worker(db_path, log, db_url)
    try:
        q = say(conn, 7, 1, "встреча с Петей")
        assert wait_reply(conn, q, log).startswith("Когда «Встреча с Петей»?")
        same = say(conn, 7, 2, "купить молоко")
        assert wait_reply(conn, same, log) == "Добавил задачу: Купить молоко"
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(timeout=15) == -signal.SIGKILL
        worker = start_worker(db_path, log, db_url)
        after = say(conn, 7, 3, "купить хлеб")
        text = wait_reply(conn, after, log)
        assert text.startswith("Добавил задачу: Купить хлеб\n\nКстати, я всё ещё жду ответа.")
        assert "Когда «Встреча с Петей»?" in text
        answer = say(conn, 7, 4, "завтра в 15")
        assert wait_reply(conn, answer, log).startswith("Добавил встречу: Встреча с Петей")
    finally:
        if worker.poll() is None:
            worker.terminate()
            assert worker.wait(timeout=15) == 0
    assert "Traceback" not in log.read_text()


def test_busy_reads_a_range_of_days_as_the_agenda_does_in_three_queries(pipe):
    """Issue 19: a chat's busy times over several days are the daily agenda's entries of
    each day (a series at its first kept occurrence, a cancelled one skipped), read with
    one query for the dated items and one for the series, not three per day."""
    from datetime import timedelta

    from organizer import reminders
    from organizer.db import items
    from organizer.pipeline import busy

    pipe.say("каждый день в 9 зарядка")
    pipe.say("завтра в 15 встреча с Петей")
    pipe.say("в среду в 12 обед с Олей")
    pipe.say("заметка: код от домофона 1234")
    series = next(i for i in pipe.items() if i["rrule"])
    start = pipe.now.replace(hour=0, minute=0)
    end = start + timedelta(days=4)
    day_after = items.get(pipe.conn, series["id"]).start_at + timedelta(days=2)
    items.add_exdate(pipe.conn, series["id"], day_after, now=pipe.now)
    pipe.conn.commit()

    want = []  # the agenda, day by day (the reading before issue 19)
    for k in range(4):
        meetings, tasks, _ = reminders.agenda_entries(
            pipe.conn, pipe.chat_id, start.date() + timedelta(days=k), "Europe/Moscow")
        want += [reminders.at_occurrence(e) for e in (*meetings, *tasks)]
    want.sort(key=lambda i: (i.start_at, not i.all_day, i.id))

    statements: list[str] = []
    if hasattr(pipe.conn, "set_trace_callback"):
        pipe.conn.set_trace_callback(statements.append)
    got = busy.occurrences(pipe.conn, pipe.chat_id, "Europe/Moscow", start, end)
    if hasattr(pipe.conn, "set_trace_callback"):
        pipe.conn.set_trace_callback(None)
        assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 3
    assert [(i.id, i.start_at) for i in got] == [(i.id, i.start_at) for i in want]
    # Monday to Thursday; the series starts on Tuesday at 9, Thursday's is cancelled
    assert len([i for i in got if i.id == series["id"]]) == 2
