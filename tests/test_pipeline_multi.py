"""Several items in one message, through the real worker and handlers (issue 16 item 1).

Real parser, real SQLite, real Worker; Monday 23 Nov 2026, 10:00 Moscow.
"""

from __future__ import annotations

import pytest

from fixtures.pipeline import buttons, local


def summary(pipe) -> list[tuple[str, str, str | None, str]]:
    return [(i["type"], i["title"], local(i["start_at"]), i["status"]) for i in pipe.items()]


def undos(reply) -> list[str]:
    return [d for _, d in buttons(reply) if d.startswith("undo:")]


def test_two_meetings_each_with_its_own_day(pipe):
    r = pipe.say("в понедельник в 10 планёрка и в среду в 10 планёрка")
    assert summary(pipe) == [
        ("meeting", "Планёрка", "2026-11-30 10:00", "OPEN"),
        ("meeting", "Планёрка", "2026-11-25 10:00", "OPEN"),
    ]
    assert r.text == (
        "Добавил встречу: Планёрка — понедельник, 30 ноября, 10:00–11:00\n"
        "Добавил встречу: Планёрка — послезавтра, 25 ноября, 10:00–11:00"
    )
    ids = [i["id"] for i in pipe.items()]
    assert undos(r) == [f"undo:{i}" for i in ids]
    # both are complete meetings: each asks the calendar for its event
    assert {i["cal_state"] for i in pipe.items()} == {"LOCAL"}


def test_the_day_said_first_carries_to_a_later_time(pipe):
    r = pipe.say("завтра купить хлеб и в 18 позвонить маме")
    assert summary(pipe) == [
        ("task", "Купить хлеб", "2026-11-24 00:00", "OPEN"),
        ("task", "Позвонить маме", "2026-11-24 18:00", "OPEN"),
    ]
    assert pipe.items()[0]["all_day"] == 1 and pipe.items()[1]["all_day"] == 0
    assert len(undos(r)) == 2 and r.text.count("Добавил задачу") == 2


def test_numbered_list(pipe):
    r = pipe.say("1. купить хлеб\n2. позвонить маме\n3. завтра в 15 встреча с Петей")
    assert summary(pipe) == [
        ("task", "Купить хлеб", None, "OPEN"),
        ("task", "Позвонить маме", None, "OPEN"),
        ("meeting", "Встреча с Петей", "2026-11-24 15:00", "OPEN"),
    ]
    assert len(undos(r)) == 3


def test_english_lunch_and_a_call(pipe):
    r = pipe.say("lunch with Anna at 1pm and call the bank at 4")
    assert summary(pipe) == [
        ("meeting", "Lunch with Anna", "2026-11-23 13:00", "OPEN"),
        ("task", "Call the bank", "2026-11-23 16:00", "OPEN"),
    ]
    assert r.text == (
        "Added a meeting: Lunch with Anna — today, 23 November, 13:00–14:00\n"
        "Added a task: Call the bank — today, 23 November, 16:00"
    )
    assert [t for t, _ in buttons(r)] == [
        "Undo: Lunch with Anna, Mon 23.11 13:00",
        "Undo: Call the bank, Mon 23.11 16:00",
    ]


def test_a_part_without_its_time_is_asked_after_the_others_are_created(pipe):
    r = pipe.say("завтра в 10 планёрка и в среду созвон с Олей")
    assert summary(pipe) == [
        ("meeting", "Планёрка", "2026-11-24 10:00", "OPEN"),
        ("meeting", "Созвон с Олей", "2026-11-25 00:00", "DRAFT"),
    ]
    plan, call = (i["id"] for i in pipe.items())
    assert r.text.startswith("Добавил встречу: Планёрка — завтра, 24 ноября, 10:00–11:00\n\n")
    assert r.text.endswith(
        "Во сколько «Созвон с Олей» (послезавтра, 25 ноября)? Например «в 15:00»."
    )
    data = [d for _, d in buttons(r)]
    assert data[0] == f"undo:{plan}" and f"pick:{call}:202611251500" in data
    assert data[-1] == f"cancel:{call}"
    assert pipe.clarify()["item_id"] == call
    r = pipe.say("в 16")
    assert r.text == "Добавил встречу: Созвон с Олей — послезавтра, 25 ноября, 16:00–17:00"
    assert summary(pipe)[1] == ("meeting", "Созвон с Олей", "2026-11-25 16:00", "OPEN")


@pytest.mark.stores
def test_undo_cancels_one_and_the_list_stays(pipe):
    r = pipe.say("в понедельник в 10 планёрка и в среду в 10 планёрка")
    first, second = undos(r)
    edit = pipe.press(first)
    assert edit.kind == "edit"
    assert edit.text == (
        "Отменил: Планёрка — понедельник, 30 ноября, 10:00–11:00\n"
        "Добавил встречу: Планёрка — послезавтра, 25 ноября, 10:00–11:00"
    )
    assert undos(edit) == [second]
    assert [i["status"] for i in pipe.items()] == ["CANCELLED", "OPEN"]
    edit = pipe.press(second)
    assert edit.text.count("Отменил") == 2 and edit.reply_markup is None


@pytest.mark.parametrize(
    ("text", "kind", "title"),
    [
        ("встреча с Петей и Машей", "meeting", "Встреча с Петей и Машей"),
        ("купить хлеб и молоко", "task", "Купить хлеб и молоко"),
        ("позвонить маме и папе", "task", "Позвонить маме и папе"),
        ("с 10 до 12 совещание и обед", "meeting", None),
        (
            "в полночь выключить духовку и проверить пирог",
            "task",
            "Выключить духовку и проверить пирог",
        ),
    ],
)
def test_one_item_stays_one(pipe, text, kind, title):
    r = pipe.say(text)
    (item,) = pipe.items()
    assert item["type"] == kind
    if title is not None:
        assert item["title"] == title
    assert not undos(r)


@pytest.mark.stores
def test_replayed_message_creates_the_items_once(pipe):
    row_id = pipe.enqueue("text", {"text": "завтра купить хлеб и в 18 позвонить маме"})
    assert pipe.run(row_id) == "DONE"
    pipe.conn.execute("UPDATE inbox_queue SET status='NEW', done_at=NULL WHERE id=?", (row_id,))
    assert pipe.run(row_id) == "DONE"
    assert len(pipe.items()) == 2 and len(pipe.outbox_for(row_id)) == 1


REFUSE_MOM = {
    "sqlite": [
        "CREATE TRIGGER no_mom BEFORE INSERT ON items WHEN NEW.title = 'Позвонить маме'"
        " BEGIN SELECT RAISE(ABORT, 'refused'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION no_mom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        " IF NEW.title = 'Позвонить маме' THEN RAISE EXCEPTION 'refused'; END IF;"
        " RETURN NEW; END $$",
        "CREATE TRIGGER no_mom BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION no_mom()",
    ],
}


@pytest.mark.stores
def test_all_or_nothing(pipe, store):
    """The second item cannot be stored: neither is, and no reply is sent."""
    for sql in REFUSE_MOM[store]:
        pipe.conn.execute(sql)
    row_id = pipe.enqueue("text", {"text": "завтра купить хлеб и в 18 позвонить маме"})
    pipe.run(row_id)
    assert pipe.items() == [] and pipe.outbox_for(row_id) == []
    assert pipe.conn.execute("SELECT COUNT(*) FROM item_batches").fetchone()[0] == 0


def test_items_of_a_message_are_recorded_in_order(pipe):
    pipe.say("1. купить хлеб\n2. позвонить маме")
    rows = pipe.conn.execute("SELECT pos, item_id FROM item_batches ORDER BY pos").fetchall()
    assert [tuple(r) for r in rows] == [(0, pipe.items()[0]["id"]), (1, pipe.items()[1]["id"])]
    assert pipe.items()[0]["inbox_id"] is not None and pipe.items()[1]["inbox_id"] is None


def test_a_single_item_has_no_batch(pipe):
    pipe.say("купить молоко")
    assert pipe.conn.execute("SELECT COUNT(*) FROM item_batches").fetchone()[0] == 0


def test_through_organizer_chat(tmp_path):
    """The same through `organizer chat`: one answer listing both, an Undo pressed by number."""
    from test_chat import chat

    db = tmp_path / "organizer.db"
    r = chat(db, ["в понедельник в 10 планёрка и в среду в 10 планёрка", "1", "/quit"])
    assert r.returncode == 0, r.stderr
    assert "Добавил встречу: Планёрка — понедельник, 30 ноября, 10:00–11:00" in r.stdout
    assert "Добавил встречу: Планёрка — послезавтра, 25 ноября, 10:00–11:00" in r.stdout
    assert "[1] Отменить: Планёрка, пн 30.11 10:00  [2] Отменить: Планёрка, ср 25.11 10:00" in (
        r.stdout
    )
    assert "Отменил: Планёрка — понедельник, 30 ноября" in r.stdout


def test_an_open_question_stays_open_while_several_complete_items_are_added(pipe):
    pipe.say("встреча с Петей")
    draft = pipe.items()[0]["id"]
    r = pipe.say("завтра купить хлеб и в 18 позвонить маме")
    assert len(undos(r)) == 2 and pipe.clarify()["item_id"] == draft
    r = pipe.say("завтра в 15")
    assert r.text == "Добавил встречу: Встреча с Петей — завтра, 24 ноября, 15:00–16:00"


def test_a_new_question_replaces_the_open_one_which_is_kept_as_a_task(pipe):
    pipe.say("встреча с Петей")
    old = pipe.items()[0]["id"]
    r = pipe.say("завтра в 10 планёрка и в среду созвон с Олей")
    assert r.text.startswith("Прошлое сохранил как задачу без времени: Встреча с Петей")
    assert pipe.item(old)["type"] == "task" and pipe.item(old)["status"] == "OPEN"
    assert pipe.clarify()["item_id"] == pipe.items()[-1]["id"]
