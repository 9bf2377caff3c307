"""The message pipeline end to end: inbox row → real worker + handlers → items, outbox.

Real parser, real SQLite, real Worker; the clock is injected (Monday 23 Nov 2026,
10:00 Moscow) so expiry and dates are exact.
"""

from __future__ import annotations

import json

import pytest

from fixtures.pipeline import buttons, local
from organizer.db import queue
from organizer.model import to_db

# ---------------------------------------------------------------- text → item + reply


@pytest.mark.stores
def test_meeting_becomes_item_and_reply(pipe):
    reply = pipe.say("завтра в 15 встреча с Петей")
    assert reply.text == "Добавил встречу: Встреча с Петей — завтра, 24 ноября, 15:00–16:00"
    assert reply.dedup_key.startswith("reply:")
    (item,) = pipe.items()
    assert item["type"] == "meeting" and item["status"] == "OPEN"
    assert local(item["start_at"]) == "2026-11-24 15:00"
    assert local(item["end_at"]) == "2026-11-24 16:00"
    assert item["cal_state"] == "LOCAL"  # CALENDAR_BACKEND=none
    assert item["tz"] == "Europe/Moscow"
    assert [d for _, d in buttons(reply)] == [f"resched:{item['id']}", f"cancel:{item['id']}"]


def test_task_note_and_english(pipe):
    r = pipe.say("купить молоко")
    assert r.text == "Добавил задачу: Купить молоко"
    assert [t for t, _ in buttons(r)] == ["Готово", "Перенести", "Отменить"]
    r = pipe.say("заметка: код от домофона 1234")
    assert r.text.startswith("Записал заметку: Код от домофона 1234")
    r = pipe.say("meeting with Anna tomorrow at 3pm")
    assert r.text == "Added a meeting: Meeting with Anna — tomorrow, 24 November, 15:00–16:00"
    assert [t for t, _ in buttons(r)] == ["Change time", "Cancel"]
    assert [i["type"] for i in pipe.items()] == ["task", "note", "meeting"]
    assert pipe.items()[1]["start_at"] is None


def test_payload_lang_decides_reply_language(pipe):
    r = pipe.say("купить молоко", lang="en")
    assert r.text == "Added a task: Купить молоко"


def test_google_backend_requests_sync_in_the_same_transaction(pipe_factory):
    pipe = pipe_factory(
        CALENDAR_BACKEND="google",
        GOOGLE_CALENDAR_ID="team@group.calendar.google.com",
        GOOGLE_CALENDAR_API_ENDPOINT="http://127.0.0.1:9/calendar/v3/",
    )
    pipe.say("созвон с Олей в четверг в 16")
    (item,) = pipe.items()
    assert item["cal_state"] == "PENDING" and item["cal_op"] == "upsert"
    assert item["attempts"] == 0 and item["next_attempt_at"] == to_db(pipe.now)
    instance = pipe.conn.execute("SELECT value FROM meta WHERE key='instance_id'").fetchone()[0]
    assert item["cal_uid"] == f"organizer-{instance}-{item['id']}@organizer.local"
    # pretend the sync job created it, then cancel: a delete is requested
    pipe.conn.execute("UPDATE items SET cal_state='SYNCED', cal_event_id='ev1', cal_op='upsert'")
    r = pipe.say("отмени созвон с Олей")
    assert r.text.startswith("Отменил: Созвон с Олей")
    item = pipe.item(item["id"])
    assert (item["status"], item["cal_state"], item["cal_op"]) == ("CANCELLED", "PENDING", "delete")


# ---------------------------------------------------------------- exactly once


@pytest.mark.stores
def test_same_row_processed_twice_makes_one_item_and_one_reply(pipe):
    """A crash after the work but before `complete`: the row runs again."""
    row_id = pipe.enqueue("text", {"text": "завтра в 15 встреча с Петей", "message_id": 1})
    assert pipe.run(row_id) == "DONE"
    # the worker died before completing: the row is handed out again
    pipe.conn.execute("UPDATE inbox_queue SET status='NEW', done_at=NULL WHERE id=?", (row_id,))
    assert pipe.run(row_id) == "DONE"
    # and the handler itself called twice directly
    from organizer.pipeline.handle import handle_text
    from organizer.worker import Context

    row = queue.get(pipe.conn, row_id)
    handle_text(Context(pipe.conn, pipe.settings, pipe.now, "w", pipe.worker.stop), row)
    assert len(pipe.items()) == 1
    assert len(pipe.outbox_for(row_id)) == 1


@pytest.mark.stores
def test_clarify_answer_processed_twice_completes_once(pipe):
    pipe.say("встреча с Петей")
    row_id = pipe.enqueue("text", {"text": "завтра в 15", "message_id": 99})
    assert pipe.run(row_id) == "DONE"
    pipe.conn.execute("UPDATE inbox_queue SET status='NEW' WHERE id=?", (row_id,))
    assert pipe.run(row_id) == "DONE"
    (item,) = pipe.items()
    assert item["status"] == "OPEN" and local(item["start_at"]) == "2026-11-24 15:00"
    assert len(pipe.outbox_for(row_id)) == 1


@pytest.mark.stores
def test_button_press_processed_twice_acts_and_answers_once(pipe):
    r = pipe.say("купить молоко")
    done = dict((t, d) for t, d in buttons(r))["Готово"]
    row_id = pipe.enqueue("callback", {"data": done, "message_id": 3, "callback_query_id": "x"})
    assert pipe.run(row_id) == "DONE"
    pipe.conn.execute("UPDATE inbox_queue SET status='NEW' WHERE id=?", (row_id,))
    assert pipe.run(row_id) == "DONE"
    assert sorted(o.kind for o in pipe.outbox_for(row_id)) == ["callback_answer", "edit"]
    assert pipe.items()[0]["status"] == "DONE"


def test_redelivered_telegram_update_is_a_noop(pipe):
    key = "tg:msg:100:555"
    a = pipe.enqueue("text", {"text": "купить хлеб"}, key=key)
    b = pipe.enqueue("text", {"text": "купить хлеб"}, key=key)
    assert a == b
    pipe.run(a)
    assert len(pipe.items()) == 1


# ---------------------------------------------------------------- clarify


@pytest.mark.stores
def test_clarify_completes_the_same_item(pipe):
    q = pipe.say("встреча с Петей")
    assert q.text.startswith("Когда «Встреча с Петей»?")
    (draft,) = pipe.items()
    assert draft["status"] == "DRAFT" and draft["cal_state"] == "NONE"
    assert pipe.clarify()["item_id"] == draft["id"]
    assert any(d.startswith(f"pick:{draft['id']}:") for _, d in buttons(q))
    r = pipe.say("завтра в 15")
    assert r.text == "Добавил встречу: Встреча с Петей — завтра, 24 ноября, 15:00–16:00"
    (item,) = pipe.items()
    assert item["id"] == draft["id"] and item["status"] == "OPEN"
    assert item["cal_state"] == "LOCAL"
    assert pipe.clarify() is None


def test_answer_that_lacks_the_time_asks_again(pipe):
    pipe.say("созвон с Олей в четверг")  # day known, time missing
    (draft,) = pipe.items()
    assert draft["all_day"] == 1 and local(draft["start_at"]) == "2026-11-26 00:00"
    r = pipe.say("😀")
    assert r.text.startswith("Не понял, когда. Во сколько «Созвон с Олей» (четверг, 26 ноября)?")
    assert pipe.clarify()["asks"] == 2
    r = pipe.say("в 16")
    assert r.text == "Добавил встречу: Созвон с Олей — четверг, 26 ноября, 16:00–17:00"
    assert len(pipe.items()) == 1


def test_partial_answer_narrows_the_question(pipe):
    pipe.say("встреча с Петей")
    r = pipe.say("завтра")
    assert r.text.startswith("Во сколько «Встреча с Петей» (завтра, 24 ноября)?")
    assert json.loads(pipe.clarify()["missing"]) == ["time"]
    r = pipe.say("в 11")
    assert "завтра, 24 ноября, 11:00–12:00" in r.text
    assert len(pipe.items()) == 1


def test_new_command_while_question_open_is_new_and_question_stays(pipe):
    pipe.say("встреча с Петей")
    r = pipe.say("купить молоко")
    assert r.text == "Добавил задачу: Купить молоко"
    assert pipe.clarify() is not None
    r = pipe.say("что у меня завтра")
    assert r.text.startswith("Завтра, 24 ноября")
    r = pipe.say("завтра в 15")
    assert r.text.startswith("Добавил встречу: Встреча с Петей")
    assert [(i["title"], i["status"]) for i in pipe.items()] == [
        ("Встреча с Петей", "OPEN"),
        ("Купить молоко", "OPEN"),
    ]


def test_another_incomplete_item_replaces_the_question(pipe):
    pipe.say("встреча с Петей")
    r = pipe.say("созвон с Олей")
    assert r.text.startswith(
        "Прошлое сохранил как задачу без времени: Встреча с Петей\n\nКогда «Созвон с Олей»?"
    )
    first, second = pipe.items()
    assert (first["type"], first["status"]) == ("task", "OPEN")
    assert second["status"] == "DRAFT" and pipe.clarify()["item_id"] == second["id"]
    pipe.say("завтра в 12")
    assert pipe.item(second["id"])["status"] == "OPEN"
    assert pipe.item(first["id"])["start_at"] is None


def test_filler_answer_is_an_answer_not_a_task(pipe):
    pipe.say("встреча с Петей")
    r = pipe.say("давай в 16")
    assert r.text.startswith("Добавил встречу: Встреча с Петей — сегодня, 23 ноября, 16:00")
    assert len(pipe.items()) == 1


def test_bare_cancel_drops_the_draft(pipe):
    pipe.say("встреча с Петей")
    r = pipe.say("отмена")
    assert r.text == "Хорошо, «Встреча с Петей» не сохраняю."
    assert pipe.items()[0]["status"] == "CANCELLED" and pipe.clarify() is None


def test_cancel_command_closes_the_question(pipe):
    assert pipe.command("cancel").text == "Нет открытых вопросов."
    pipe.say("встреча с Петей")
    assert pipe.command("cancel").text == "Хорошо, «Встреча с Петей» не сохраняю."
    assert pipe.clarify() is None and pipe.items()[0]["status"] == "CANCELLED"
    assert pipe.command("start").text.startswith("Привет!")


def test_missing_title_is_asked_for(pipe):
    r = pipe.say("напомни в 10")
    assert r.text.startswith("О чём напомнить (завтра, 24 ноября, 10:00)?")
    r = pipe.say("позвонить маме")
    assert r.text == "Добавил задачу: Позвонить маме — завтра, 24 ноября, 10:00"
    assert len(pipe.items()) == 1


def test_pick_an_offered_time(pipe):
    q = pipe.say("встреча с Петей")
    label, data = next((t, d) for t, d in buttons(q) if d.startswith("pick:"))
    assert label == "Сегодня 12:00"
    edit = pipe.press(data)
    assert edit.kind == "edit" and edit.target_message_id == 7
    assert edit.text == "Добавил встречу: Встреча с Петей — сегодня, 23 ноября, 12:00–13:00"
    assert pipe.items()[0]["status"] == "OPEN" and pipe.clarify() is None


@pytest.mark.stores
def test_question_expires_and_draft_is_kept_as_task(pipe):
    pipe.say("встреча с Петей")
    pipe.advance(seconds=pipe.settings.clarify_ttl_sec - 1)
    pipe.tick()
    assert pipe.clarify() is not None
    pipe.advance(seconds=2)
    pipe.tick()
    assert pipe.clarify() is None
    (item,) = pipe.items()
    assert (item["type"], item["status"]) == ("task", "OPEN")
    (told,) = pipe.conn.execute(
        "SELECT * FROM outbox WHERE dedup_key LIKE 'clarify:%'"
    ).fetchall()
    assert told["text"].startswith("Не дождался ответа — сохранил как задачу без времени")
    # a late answer is not taken as the answer any more: it is a message of its own
    r = pipe.say("завтра в 15")
    assert r.text.startswith("О чём напомнить")
    kept = pipe.item(item["id"])
    assert (kept["type"], kept["status"], kept["start_at"]) == ("task", "OPEN", None)


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_the_expiry_timer_leaves_a_chat_a_worker_is_answering(pipe):
    """PostgreSQL runs workers side by side: the timer of one must not settle the question
    of a chat whose message (maybe the answer) another worker holds. Before: it did, and
    the person was told "kept as a task" beside the answer's own reply."""
    from organizer.pipeline.expiry import expire_job

    pipe.say("встреча с Петей")
    pipe.say("встреча с Олей", chat_id=200)
    pipe.advance(seconds=pipe.settings.clarify_ttl_sec + 5)
    held = pipe.enqueue("text", {"text": "завтра в 15", "message_id": 99, "lang": None})
    row = queue.claim(pipe.conn, "other-worker", pipe.now, 60)
    assert row is not None and row.id == held
    assert expire_job(pipe.settings, pipe.conn)(pipe.now) == 1  # chat 200's only
    assert pipe.clarify() is not None
    told = pipe.conn.execute("SELECT chat_id FROM outbox WHERE dedup_key LIKE 'clarify:%'")
    assert [r[0] for r in told] == [200]
    # once the holder is done, the chat is the timer's again
    assert queue.complete(pipe.conn, held, "other-worker", pipe.now)
    assert expire_job(pipe.settings, pipe.conn)(pipe.now) == 1
    assert pipe.clarify() is None


def test_untitled_draft_is_dropped_on_expiry_even_without_the_timer(pipe):
    pipe.say("напомни в 10")
    pipe.advance(seconds=pipe.settings.clarify_ttl_sec + 5)
    pipe.say("привет")  # the next message settles the expired question first
    assert pipe.items()[0]["status"] == "CANCELLED"
    (told,) = pipe.conn.execute("SELECT text FROM outbox WHERE dedup_key LIKE 'clarify:%'")
    assert "без названия" in told[0]


def test_questions_are_per_chat(pipe):
    pipe.say("встреча с Петей", chat_id=1)
    r = pipe.say("завтра в 15", chat_id=2)
    assert r.text.startswith("О чём напомнить")
    r = pipe.say("завтра в 15", chat_id=1)
    assert r.text.startswith("Добавил встречу")


# ---------------------------------------------------------------- buttons


@pytest.mark.stores
def test_done_and_cancel_buttons(pipe):
    r = pipe.say("купить молоко")
    done = dict((t, d) for t, d in buttons(r))["Готово"]
    edit = pipe.press(done)
    assert edit.text == "Отметил выполненным: Купить молоко" and edit.reply_markup is None
    assert pipe.items()[0]["status"] == "DONE"
    again = pipe.press(done)
    assert again.text.startswith("Уже выполнено")
    r = pipe.say("завтра в 15 встреча с Петей")
    cancel = dict((t, d) for t, d in buttons(r))["Отменить"]
    assert pipe.press(cancel).text.startswith("Отменил: Встреча с Петей")


def test_change_time_button_asks_and_answer_moves(pipe):
    r = pipe.say("завтра в 15 встреча с Петей")
    ask = pipe.press(dict((t, d) for t, d in buttons(r))["Перенести"])
    assert ask.kind == "send" and ask.text.startswith("На когда перенести?")
    assert not any(d.startswith("cancel:") for _, d in buttons(ask))
    r = pipe.say("на пятницу")
    assert r.text == "Перенёс: Встреча с Петей — пятница, 27 ноября, 15:00–16:00"
    assert len(pipe.items()) == 1


def test_unknown_button_and_deleted_item(pipe):
    ans = pipe.press("frobnicate")
    assert ans.kind == "callback_answer" and "больше не работает" in ans.text
    ans = pipe.press("done:424242")
    assert ans.kind == "callback_answer" and ans.text == "Этой записи больше нет."
    r = pipe.say("купить молоко")
    item_id = pipe.items()[0]["id"]
    pipe.conn.execute("DELETE FROM items WHERE id = ?", (item_id,))
    ans = pipe.press(dict((t, d) for t, d in buttons(r))["Готово"])
    assert ans.text == "Этой записи больше нет."
    ans = pipe.press(f"snooze:{item_id}:zz")
    assert ans.kind == "callback_answer"


def test_button_of_another_chat_is_not_honoured(pipe):
    pipe.say("купить молоко", chat_id=1)
    item_id = pipe.items()[0]["id"]
    ans = pipe.press(f"done:{item_id}", chat_id=2)
    assert ans.text == "Этой записи больше нет."
    assert pipe.items()[0]["status"] == "OPEN"


# ---------------------------------------------------------------- finding items


def test_cancel_one_clear_match(pipe):
    pipe.say("завтра в 15 встреча с Петей")
    pipe.say("купить молоко")
    r = pipe.say("отмени встречу с Петей")
    assert r.text.startswith("Отменил: Встреча с Петей")
    assert [i["status"] for i in pipe.items()] == ["CANCELLED", "OPEN"]


def test_cancel_of_a_series_asks_this_one_or_all(pipe):
    pipe.say("каждый понедельник в 10 планёрка")
    r = pipe.say("отмени планёрку")
    (item,) = pipe.items()
    assert [d for _, d in buttons(r)] == [f"cxo:{item['id']}:202611301000", f"cxs:{item['id']}"]
    assert pipe.item(item["id"])["status"] == "OPEN"
    pipe.press(f"cxs:{item['id']}")  # the reminders' button
    assert pipe.item(item["id"])["status"] == "CANCELLED"


@pytest.mark.stores
def test_several_matches_ask_with_sel_buttons(pipe):
    pipe.say("завтра в 15 встреча с Петей")
    pipe.say("в пятницу в 12 встреча с Олей")
    r = pipe.say("отмени встречу")
    assert r.text == "Нашёл несколько похожих на «встречу». Что отменить?"
    choices = buttons(r)
    assert sorted(d for _, d in choices) == ["sel:1:cancel", "sel:2:cancel"]
    edit = pipe.press("sel:2:cancel")
    assert edit.text.startswith("Отменил: Встреча с Олей")
    assert [i["status"] for i in pipe.items()] == ["OPEN", "CANCELLED"]


def test_date_narrows_the_match(pipe):
    pipe.say("завтра в 15 встреча с Петей")
    pipe.say("в пятницу в 12 встреча с Олей")
    r = pipe.say("отмени завтрашнюю встречу")
    assert r.text.startswith("Отменил: Встреча с Петей")


def test_no_match_says_so(pipe):
    pipe.say("купить молоко")
    r = pipe.say("отмени встречу с Васей")
    assert r.text == "Не нашёл «встречу с Васей» среди открытых дел."


@pytest.mark.stores
def test_complete_and_reschedule_by_text(pipe):
    pipe.say("купить молоко")
    pipe.say("завтра в 15 встреча с Петей")
    r = pipe.say("готово молоко")
    assert r.text == "Отметил выполненным: Купить молоко"
    r = pipe.say("перенеси встречу с Петей на 17")  # a clock time alone keeps the day
    assert r.text == "Перенёс: Встреча с Петей — завтра, 24 ноября, 17:00–18:00"
    r = pipe.say("перенеси встречу с Петей на сегодня в 18")
    assert r.text == "Перенёс: Встреча с Петей — сегодня, 23 ноября, 18:00–19:00"
    r = pipe.say("перенеси встречу с Петей на пятницу")
    assert r.text == "Перенёс: Встреча с Петей — пятница, 27 ноября, 18:00–19:00"


def test_reschedule_several_offers_the_new_time(pipe):
    pipe.say("завтра в 15 встреча с Петей")
    pipe.say("в пятницу в 12 встреча с Олей")
    r = pipe.say("перенеси встречу в субботу")
    assert sorted(d for _, d in buttons(r)) == ["pick:1:202611281500", "pick:2:202611281200"]
    edit = pipe.press("pick:2:202611281200")
    assert edit.text == "Перенёс: Встреча с Олей — суббота, 28 ноября, 12:00–13:00"


# ---------------------------------------------------------------- agenda


@pytest.mark.stores
def test_agenda_question_and_commands(pipe):
    pipe.say("завтра в 15 встреча с Петей")
    pipe.say("завтра купить молоко")
    r = pipe.say("что у меня завтра")
    assert r.text.splitlines()[0] == "Завтра, 24 ноября:"
    assert "• 15:00–16:00 Встреча с Петей" in r.text
    assert "☐ Купить молоко" in r.text
    assert buttons(r) and buttons(r)[0][1].startswith("done:")
    assert pipe.say("what do I have today").text == "Today, 23 November: nothing planned."
    assert pipe.command("tomorrow").text.startswith("Завтра, 24 ноября:")
    week = pipe.command("week").text
    assert "Встреча с Петей" in week
    assert "Купить молоко" in pipe.command("tasks").text
    assert pipe.command("help").text.startswith("Пишите как человеку")
    assert "/frob" in pipe.command("frob").text


def test_agenda_expands_recurring_items(pipe):
    pipe.say("каждый понедельник в 10 планёрка")  # first: Monday 30 Nov
    pipe.say("в среду в 12 обед с Олей")
    r = pipe.say("что у меня на следующей неделе")
    lines = r.text.splitlines()
    assert lines[0] == "30 ноября – 6 декабря:"
    assert "• 10:00–11:00 Планёрка (каждый понедельник)" in lines
    assert "• 12:00–13:00 Обед с Олей" not in lines  # that Wednesday is this week
    pipe.say("купить молоко")
    r = pipe.say("какие у меня встречи")  # the next 7 days, meetings only
    assert "Обед с Олей" in r.text and "молоко" not in r.text
    pipe.now = pipe.now.replace(day=30, hour=9)
    assert "• 10:00–11:00 Планёрка" in pipe.command("today").text
    r = pipe.say("что у меня 7 декабря")
    assert "• 10:00–11:00 Планёрка (каждый понедельник)" in r.text


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "text", ["", "   ", "😀🎉👍", "x" * 10_000, "встреча " * 1500, "\x00\x01", "????"]
)
def test_odd_texts_get_a_sensible_reply(pipe, text):
    r = pipe.say(text)
    assert r.text and len(r.text) < 5000


def test_long_text_title_is_capped(pipe):
    r = pipe.say("купить " + "молоко " * 2000)
    assert r.text.startswith("Добавил задачу:")
    assert len(pipe.items()[0]["title"]) <= 300


@pytest.mark.parametrize(
    "kind,payload",
    [
        ("text", "not json"),
        ("text", "[1, 2]"),
        ("text", {"message_id": 1}),
        ("text", {"text": 42}),
        ("callback", {"message_id": 1}),
        ("command", {"args": "x"}),
        ("voice", {"duration": 3}),
    ],
)
def test_garbage_payload_fails_permanently_and_worker_goes_on(pipe, kind, payload):
    row_id = pipe.enqueue(kind, payload, chat_id=999)
    assert pipe.run(row_id) == "FAILED"
    row = queue.get(pipe.conn, row_id)
    assert row.attempts == 1 and row.last_error
    assert pipe.say("купить хлеб").text == "Добавил задачу: Купить хлеб"


@pytest.mark.stores
def test_garbage_payload_does_not_poison_its_chat(pipe):
    row_id = pipe.enqueue("text", "not json")
    assert pipe.run(row_id) == "FAILED"
    assert pipe.say("купить хлеб").text == "Добавил задачу: Купить хлеб"
