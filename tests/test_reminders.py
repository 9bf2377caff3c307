"""Reminders with a hand-turned clock: exact minutes, DST, month ends, restarts, backlog,
snooze, done, series cancel, the daily agenda and the settings commands."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from fixtures.reminders import Rem, utc
from organizer import reminders
from organizer.db.connect import transaction
from organizer.db.store import open_store

BZ = ZoneInfo("Europe/Berlin")
S = timedelta(seconds=1)


def b(*args: int) -> datetime:
    return datetime(*args, tzinfo=BZ).astimezone(UTC)  # type: ignore[misc]


def local(row_or_text: str) -> str:
    return datetime.fromisoformat(row_or_text).astimezone(BZ).strftime("%Y-%m-%d %H:%M")


def test_task_fires_at_its_minute_once(rem: Rem) -> None:
    rem.now = b(2026, 11, 2, 9, 0)
    item = rem.item(title="Позвонить маме", start=b(2026, 11, 2, 15, 0))
    assert len(rem.pending(item)) == 1
    assert rem.fire(b(2026, 11, 2, 14, 59, 59)) == 0
    assert rem.fire(b(2026, 11, 2, 15, 0)) == 1
    assert rem.fire(b(2026, 11, 2, 15, 0, 1)) == 0
    (out,) = rem.sent()
    assert out["text"] == "⏰ Напоминание: Позвонить маме"
    assert out["item_id"] == item and out["chat_id"] == 100
    assert rem.keyboard(out) == [
        f"done:{item}",
        f"snooze:{item}:15m",
        f"snooze:{item}:1h",
        f"snooze:{item}:tom",
    ]
    (r,) = rem.rows(item)
    assert (r["status"], r["late"], r["outbox_id"]) == ("SENT", 0, out["id"])
    assert out["dedup_key"] == f"remind:{r['id']}"


def test_meeting_fires_lead_minutes_before_and_has_running_late(rem: Rem) -> None:
    rem.now = b(2026, 11, 2, 9, 0)
    item = rem.item(type="meeting", title="Встреча с Петей", start=b(2026, 11, 2, 15, 0),
                    end=b(2026, 11, 2, 16, 0))  # fmt: skip
    assert rem.fire(b(2026, 11, 2, 14, 44, 59)) == 0
    assert rem.fire(b(2026, 11, 2, 14, 45)) == 1
    (out,) = rem.sent()
    assert out["text"] == "⏰ Встреча с Петей — 15:00–16:00 (через 15 минут)"
    assert f"late:{item}" in rem.keyboard(out)
    # a chat's own lead time moves the pending reminder of its meetings
    other = rem.item(type="meeting", title="Ретро", start=b(2026, 11, 3, 11, 0))
    assert "30 мин" in (rem.command("settings", "lead 30") or "")
    assert local(rem.pending(other)[0]["due_at"]) == "2026-11-03 10:30"


def test_meeting_soon_is_reminded_now_and_past_items_not_at_all(rem: Rem) -> None:
    rem.now = b(2026, 11, 2, 14, 50)
    soon = rem.item(type="meeting", start=b(2026, 11, 2, 15, 0))
    past = rem.item(start=b(2026, 11, 2, 10, 0))
    note = rem.item(type="note", start=b(2026, 11, 2, 16, 0))
    draft = rem.item(status="DRAFT", type="meeting", start=b(2026, 11, 2, 16, 0))
    assert [len(rem.pending(i)) for i in (soon, past, note, draft)] == [1, 0, 0, 0]
    assert rem.fire() == 1
    assert "(через 10 минут)" in rem.sent()[0]["text"]


def test_all_day_task_is_reminded_at_nine_local(rem: Rem) -> None:
    rem.now = b(2026, 11, 2, 12, 0)
    item = rem.item(title="Отчёт", start=b(2026, 11, 6, 0, 0), all_day=True)
    assert local(rem.pending(item)[0]["due_at"]) == "2026-11-06 09:00"
    meeting = rem.item(type="meeting", title="Отпуск", start=b(2026, 11, 6), all_day=True)
    assert rem.pending(meeting) == []


def _fire_series(rem: Rem, item: int, expected_local: list[str]) -> None:
    """Tick one second before and at each expected moment: exactly one reminder each."""
    for text in expected_local:
        at = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BZ).astimezone(UTC)
        before = len(rem.sent())
        assert rem.fire(at - S) == 0, f"early before {text}"
        assert rem.fire(at) == 1, f"nothing at {text}"
        assert len(rem.sent()) == before + 1
        assert local(rem.item_row(item).start_at.isoformat()) == text  # the series rolled on


def test_daily_reminder_keeps_local_minute_across_autumn_dst(rem: Rem) -> None:
    rem.now = b(2026, 10, 22, 12, 0)
    item = rem.item(title="Таблетки", start=b(2026, 10, 23, 10, 0), rrule="FREQ=DAILY")
    _fire_series(rem, item, [f"2026-10-{d} 10:00" for d in (23, 24, 25, 26, 27)])
    due = [r["due_at"] for r in rem.rows(item) if r["status"] == "SENT"]
    # 08:00 UTC in summer time, 09:00 UTC after the change on the 25th
    assert [d[11:16] for d in due] == ["08:00", "08:00", "09:00", "09:00", "09:00"]


def test_weekly_meeting_across_spring_dst_and_a_gap_time(rem: Rem) -> None:
    rem.now = b(2027, 3, 20, 12, 0)
    item = rem.item(type="meeting", title="Планёрка", start=b(2027, 3, 21, 9, 0),
                    end=b(2027, 3, 21, 9, 30), rrule="FREQ=WEEKLY;BYDAY=SU")  # fmt: skip
    _fire_series_meeting = ["2027-03-21 08:45", "2027-03-28 08:45", "2027-04-04 08:45"]
    for text in _fire_series_meeting:
        at = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BZ).astimezone(UTC)
        assert rem.fire(at - S) == 0
        assert rem.fire(at) == 1
    assert [m["text"] for m in rem.sent()][1] == "⏰ Планёрка — 09:00–09:30 (через 15 минут) 🔁"
    assert rem.item_row(item).start_at == b(2027, 4, 4, 9, 0)
    # 02:30 daily: on 28 March 02:30 does not exist and it comes at 03:30 CEST
    rem.now = b(2027, 3, 26, 12, 0)
    gap = rem.item(title="Ночной бэкап", start=b(2027, 3, 27, 2, 30), rrule="FREQ=DAILY",
                   chat_id=101)  # fmt: skip
    rem.tick(b(2027, 3, 27, 2, 30))
    nxt = rem.pending(gap)
    assert len(nxt) == 1 and nxt[0]["due_at"].startswith("2027-03-28T01:30")


def test_month_end_series(rem: Rem) -> None:
    rem.now = b(2027, 1, 30, 12, 0)
    item = rem.item(title="Оплатить аренду", start=b(2027, 1, 31, 18, 0),
                    rrule="FREQ=MONTHLY;BYMONTHDAY=-1")  # fmt: skip
    _fire_series(rem, item, ["2027-01-31 18:00", "2027-02-28 18:00", "2027-03-31 18:00"])
    rem.now = b(2027, 2, 27, 0, 0)
    daily = rem.item(title="Зарядка", start=b(2027, 2, 27, 7, 0), rrule="FREQ=DAILY", chat_id=7)
    _fire_series(rem, daily, ["2027-02-27 07:00", "2027-02-28 07:00", "2027-03-01 07:00"])


@pytest.mark.stores
def test_restart_between_ticks_and_a_second_connection_double_nothing(rem: Rem) -> None:
    rem.now = b(2026, 11, 2, 9, 0)
    ids = [rem.item(title=f"t{i}", start=b(2026, 11, 2, 10, i), chat_id=200 + i) for i in range(5)]
    rem.tick(b(2026, 11, 2, 10, 2))
    assert len(rem.sent()) == 3
    # "restart": a brand-new connection (as a new worker process has) ticks the same moment
    other = open_store(rem.settings)  # a second connection, on either store
    try:
        assert reminders.tick(other, b(2026, 11, 2, 10, 2)).sent == 0
        assert reminders.tick(other, b(2026, 11, 2, 10, 10)).sent == 2
    finally:
        other.close()
    assert rem.fire(b(2026, 11, 2, 10, 10)) == 0
    assert sorted(r["item_id"] for r in rem.sent()) == sorted(ids)
    # a crash inside the tick's transaction leaves nothing half-done: both or neither
    rem.item(title="late one", start=b(2026, 11, 2, 11, 0))
    rem.conn.execute("BEGIN")
    rem.conn.execute("UPDATE reminders SET status = 'SENT' WHERE status = 'PENDING'")
    rem.conn.execute("ROLLBACK")
    assert rem.fire(b(2026, 11, 2, 11, 0)) == 1


def test_backlog_after_three_hours_down_is_sent_once_marked_late(rem: Rem) -> None:
    rem.now = b(2026, 11, 2, 9, 0)
    task = rem.item(title="Позвонить маме", start=b(2026, 11, 2, 10, 0))
    series = rem.item(title="Таблетки", start=b(2026, 11, 2, 10, 30), rrule="FREQ=DAILY",
                      chat_id=300, lang="en")  # fmt: skip
    rem.command("settings", "lang en", chat_id=300)
    meeting = rem.item(type="meeting", title="Созвон", start=b(2026, 11, 2, 11, 0), chat_id=301)
    # everything is down from 09:55 to 13:00; nothing was sent
    res = rem.tick(b(2026, 11, 2, 13, 0))
    assert (res.sent, res.late) == (3, 3)  # (no agenda is due in this window)
    texts = {r["item_id"]: r["text"] for r in rem.sent()}
    assert texts[task] == "⏰ Напоминание: Позвонить маме (опоздало на 3 ч)"
    assert texts[series] == "⏰ Reminder: Таблетки 🔁 (late by 2 hr 30 min)"
    assert texts[meeting].endswith("(опоздало на 2 ч 15 мин)")
    assert all(
        r["late"] for i in (task, series, meeting) for r in rem.rows(i) if r["status"] == "SENT"
    )
    # once: a second tick and a second connection send nothing more
    assert rem.fire(b(2026, 11, 2, 13, 0, 5)) == 0
    # the series goes on from tomorrow, on time
    (nxt,) = rem.pending(series)
    assert local(nxt["due_at"]) == "2026-11-03 10:30"
    assert rem.tick(b(2026, 11, 3, 10, 30)).late == 0


def test_snooze_moves_the_reminder_not_the_item(rem: Rem) -> None:
    rem.now = b(2026, 11, 2, 9, 0)
    item = rem.item(title="Вынуть пиццу", start=b(2026, 11, 2, 15, 0))
    rem.tick(b(2026, 11, 2, 15, 0))
    rem.now = b(2026, 11, 2, 15, 1)
    assert rem.press(f"snooze:{item}:15m")
    replies = rem.replies(rem.last_row.id)
    assert replies["callback_answer"]["text"] == "💤 Напомню в 15:16"
    assert replies["edit"]["target_message_id"] == 7
    assert replies["edit"]["text"].startswith("⏰ Напоминание: Вынуть пиццу\n💤")
    # pressing another snooze moves the pending one instead of adding a second
    assert rem.press(f"snooze:{item}:1h")
    (p,) = rem.pending(item)
    assert (p["kind"], p["seq"], local(p["due_at"])) == ("snooze", 1, "2026-11-02 16:01")
    assert rem.item_row(item).start_at == b(2026, 11, 2, 15, 0)  # the item did not move
    assert rem.fire(b(2026, 11, 2, 16, 0, 59)) == 0
    assert rem.fire(b(2026, 11, 2, 16, 1)) == 1
    assert len(rem.sent()) == 2
    # snooze again after it fired: a third row; "tomorrow" is 09:00 local
    rem.now = b(2026, 11, 2, 16, 2)
    assert rem.press(f"snooze:{item}:tom")
    (p,) = rem.pending(item)
    assert (p["seq"], local(p["due_at"])) == (2, "2026-11-03 09:00")
    # an unknown snooze choice is answered, nothing moves
    assert rem.press(f"snooze:{item}:2d")
    assert rem.replies(rem.last_row.id)["callback_answer"]["text"] == "Не понял кнопку"


def test_running_late_reminds_again_at_the_start(rem: Rem) -> None:
    rem.now = b(2026, 11, 2, 9, 0)
    item = rem.item(type="meeting", title="Созвон", start=b(2026, 11, 2, 15, 0))
    rem.tick(b(2026, 11, 2, 14, 45))
    rem.now = b(2026, 11, 2, 14, 46)
    assert rem.press(f"late:{item}")
    assert "Напомню ещё раз в 15:00" in rem.replies(rem.last_row.id)["edit"]["text"]
    assert rem.fire(b(2026, 11, 2, 15, 0)) == 1


def test_done_on_a_recurring_reminder_advances_once(rem: Rem) -> None:
    rem.now = b(2026, 11, 2, 9, 0)
    item = rem.item(title="Таблетки", start=b(2026, 11, 2, 20, 0), rrule="FREQ=DAILY")
    rem.tick(b(2026, 11, 2, 20, 0))
    done = rem.keyboard(rem.sent()[0])[0]
    assert done == f"done:{item}:202611022000"
    rem.now = b(2026, 11, 2, 20, 5)
    assert rem.press(done)
    assert rem.item_row(item).start_at == b(2026, 11, 3, 20, 0)
    assert rem.item_row(item).status == "OPEN"
    assert "Следующий раз: 3 ноября, 20:00" in rem.replies(rem.last_row.id)["edit"]["text"]
    # the same button again: no second step
    assert rem.press(done)
    assert rem.item_row(item).start_at == b(2026, 11, 3, 20, 0)
    assert [local(p["due_at"]) for p in rem.pending(item)] == ["2026-11-03 20:00"]
    # the pipeline's done (no occurrence in the data) goes through on_complete
    assert rem.press(f"done:{item}") is False
    with transaction(rem.conn):
        assert reminders.on_complete(rem.conn, item, rem.now)
    assert rem.item_row(item).start_at == b(2026, 11, 4, 20, 0)
    one_off = rem.item(title="Хлеб", start=b(2026, 11, 5, 10, 0))
    with transaction(rem.conn):
        assert reminders.on_complete(rem.conn, one_off, rem.now) is False


def test_completing_the_last_occurrence_closes_the_series(rem: Rem) -> None:
    rem.now = b(2026, 11, 2, 9, 0)
    item = rem.item(title="Курс", start=b(2026, 11, 2, 20, 0),
                    rrule="FREQ=DAILY;UNTIL=20261103T190000Z")  # fmt: skip
    with transaction(rem.conn):
        assert reminders.on_complete(rem.conn, item, rem.now)
        assert reminders.on_complete(rem.conn, item, rem.now) is False
    rem.now = b(2026, 11, 3, 20, 1)
    assert rem.press(f"done:{item}:202611032000")
    assert rem.item_row(item).status == "DONE"
    assert rem.pending(item) == []


def test_cancel_of_a_series_asks_this_one_or_all(rem: Rem) -> None:
    rem.now = b(2026, 11, 2, 9, 0)
    item = rem.item(type="meeting", title="Планёрка", start=b(2026, 11, 2, 10, 0),
                    end=b(2026, 11, 2, 10, 15), rrule="FREQ=WEEKLY;BYDAY=MO,WE")  # fmt: skip
    rem.conn.execute(
        "UPDATE items SET cal_state = 'SYNCED', cal_event_id = 'ev1' WHERE id = ?", (item,)
    )
    assert rem.press(f"cancel:{item}")
    edit = rem.replies(rem.last_row.id)["edit"]
    assert "Отменить только 10:00 или всю серию?" in edit["text"]
    assert rem.keyboard(edit) == [f"cxo:{item}:202611021000", f"cxs:{item}"]
    # this one: the item moves to Wednesday, its end with it
    assert rem.press(f"cxo:{item}:202611021000")
    it = rem.item_row(item)
    assert (it.start_at, it.end_at, it.status) == (
        b(2026, 11, 4, 10, 0),
        b(2026, 11, 4, 10, 15),
        "OPEN",
    )
    assert [local(p["due_at"]) for p in rem.pending(item)] == ["2026-11-04 09:45"]
    # the whole series: cancelled, no reminder left, the calendar event to delete
    assert rem.press(f"cxs:{item}")
    it = rem.item_row(item)
    assert (it.status, it.cal_state, it.cal_op) == ("CANCELLED", "PENDING", "delete")
    assert rem.pending(item) == []
    assert rem.fire(b(2026, 11, 4, 9, 45)) == 0
    # a one-off item's cancel is the pipeline's; a closed item's button is answered
    one_off = rem.item(title="Хлеб", start=b(2026, 11, 5, 10, 0))
    assert rem.press(f"cancel:{one_off}") is False
    assert rem.press(f"snooze:{item}:15m")
    assert rem.replies(rem.last_row.id)["callback_answer"]["text"] == "Этого уже нет в списке."
    assert rem.press(f"resched:{one_off}") is False


def test_reschedule_and_close_move_or_cancel_the_reminder(rem: Rem) -> None:
    rem.now = b(2026, 11, 2, 9, 0)
    item = rem.item(title="Позвонить", start=b(2026, 11, 2, 15, 0))
    rem.change(item, start_at=b(2026, 11, 3, 11, 0))
    (p,) = rem.pending(item)
    assert local(p["due_at"]) == "2026-11-03 11:00"
    assert rem.fire(b(2026, 11, 2, 15, 0)) == 0
    rem.change(item, status="DONE")
    assert rem.pending(item) == []
    assert rem.fire(b(2026, 11, 3, 11, 0)) == 0
    # an item deleted under a pending reminder takes its rows with it
    gone = rem.item(title="x", start=b(2026, 11, 3, 12, 0))
    rem.conn.execute("DELETE FROM items WHERE id = ?", (gone,))
    assert rem.fire(b(2026, 11, 3, 12, 0)) == 0


@pytest.mark.stores
def test_daily_agenda_once_per_local_day(rem: Rem) -> None:
    rem.now = b(2026, 11, 1, 12, 0)
    rem.item(
        type="meeting", title="Планёрка", start=b(2026, 11, 2, 10, 0), end=b(2026, 11, 2, 10, 30)
    )
    rem.item(
        type="meeting", title="Отпуск Пети", start=b(2026, 11, 2), end=b(2026, 11, 3), all_day=True
    )
    task = rem.item(title="Купить хлеб", start=b(2026, 11, 2), all_day=True)
    rem.item(title="Таблетки", start=b(2026, 11, 1, 20, 0), rrule="FREQ=DAILY")
    rem.now = b(2026, 11, 1, 12, 0)
    old = rem.item(title="Отправить отчёт", start=b(2026, 11, 1, 9, 0))  # overdue tomorrow
    rem.item(title="Чужая задача", start=b(2026, 11, 2, 9, 0), chat_id=999)
    rem.tick(b(2026, 11, 2, 7, 59, 59))
    assert rem.sent("agenda:") == []
    rem.tick(b(2026, 11, 2, 8, 0))
    (msg,) = rem.sent("agenda:100:")
    assert msg["dedup_key"] == "agenda:100:2026-11-02"
    assert msg["text"] == (
        "📅 Сегодня, 2 ноября:\n"
        "• весь день Отпуск Пети\n"
        "• ☐ Купить хлеб\n"
        "• 10:00–10:30 Планёрка\n"
        "• 20:00 ☐ Таблетки (каждый день)\n"
        "\n"
        "Просрочено:\n"
        "• вчера, 1 ноября 09:00 ☐ Отправить отчёт"
    )
    buttons = rem.keyboard(msg)
    assert f"done:{task}" in buttons and f"done:{old}" in buttons
    # not twice: another tick, another connection
    rem.tick(b(2026, 11, 2, 8, 0, 30))
    other = open_store(rem.settings)  # a second connection, on either store
    try:
        reminders.tick(other, b(2026, 11, 2, 9, 0))
    finally:
        other.close()
    assert len(rem.sent("agenda:100:")) == 1
    # tomorrow's is planned; a later agenda time set today does not send today's again
    assert rem.command("settings", "agenda 21:00") is not None
    due = [
        r["due_at"]
        for r in rem.conn.execute(
            "SELECT due_at FROM reminders WHERE kind = 'agenda' AND chat_id = 100 AND status = 'PENDING'"
        )
    ]
    assert [local(d) for d in due] == ["2026-11-03 21:00"]


def test_agenda_time_settings_dst_and_downtime(rem: Rem) -> None:
    rem.now = b(2026, 10, 24, 12, 0)
    assert rem.command("settings", "agenda 07:30") is not None
    rem.item(title="Задача", start=b(2026, 10, 25, 12, 0))
    # the Sunday of the autumn change: 07:30 CET
    assert rem.fire(b(2026, 10, 25, 7, 29)) == 0
    rem.tick(b(2026, 10, 25, 7, 30))
    assert [r["dedup_key"] for r in rem.sent("agenda:")] == ["agenda:100:2026-10-25"]
    # down all of Monday: Monday's agenda is skipped on Tuesday, Tuesday's is sent late
    rem.item(title="Задача 2", start=b(2026, 10, 27, 12, 0))
    rem.tick(b(2026, 10, 27, 9, 30))
    keys = [r["dedup_key"] for r in rem.sent("agenda:")]
    assert keys == ["agenda:100:2026-10-25", "agenda:100:2026-10-27"]
    assert "(опоздало на 2 ч)" in rem.sent("agenda:")[-1]["text"]
    # off: nothing planned
    rem.command("settings", "agenda off")
    assert (
        rem.conn.execute(
            "SELECT COUNT(*) FROM reminders WHERE kind = 'agenda' AND status = 'PENDING'"
        ).fetchone()[0]
        == 0
    )


def test_empty_day_sends_no_agenda(rem: Rem) -> None:
    rem.now = b(2026, 11, 1, 12, 0)
    rem.item(title="Потом", start=b(2026, 11, 20, 10, 0))
    rem.tick(b(2026, 11, 2, 8, 0))
    assert rem.sent("agenda:") == []
    # and the next day's is still planned
    assert (
        rem.conn.execute(
            "SELECT local_date FROM reminders WHERE kind = 'agenda' AND status = 'PENDING'"
        ).fetchone()[0]
        == "2026-11-03"
    )


def test_settings_commands(rem: Rem) -> None:
    rem.now = b(2026, 11, 2, 9, 0)
    text = rem.command("settings") or ""
    assert "Часовой пояс: Europe/Berlin" in text and "Сводка дня: 08:00" in text
    assert "за: 15 мин" in text
    assert "Europe/Moscow" in (rem.command("tz", "Europe/Moscow") or "")
    assert "не часовой пояс" in (rem.command("tz", "Mars/Base") or "")
    assert "Europe/Paris" in (rem.command("location", "48.8566,2.3522") or "")
    assert "Не понял координаты" in (rem.command("location", "north pole") or "")
    assert "07:00" in (rem.command("settings", "agenda 7:00") or "")
    assert "07:30" in (rem.command("settings", "agenda 25:00") or "")
    assert "1440" in (rem.command("settings", "lead -5") or "")
    en = rem.command("settings", "lang en") or ""
    assert en.startswith("Saved.") and "Time zone: Europe/Paris" in en
    assert rem.command("today") is None and rem.command("help") is None
    row = rem.conn.execute("SELECT * FROM users WHERE chat_id = 100").fetchone()
    assert (row["tz"], row["agenda_time"], row["lang"]) == ("Europe/Paris", "07:00", "en")
    # the agenda follows the chat's zone: 07:00 Paris
    due = rem.conn.execute(
        "SELECT due_at FROM reminders WHERE kind = 'agenda' AND status = 'PENDING'"
    ).fetchone()[0]
    assert due.startswith("2026-11-03T06:00")
    # replies are idempotent per inbox row (dedup reply:<id>)
    n = rem.conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
    assert n == rem.conn.execute("SELECT COUNT(DISTINCT dedup_key) FROM outbox").fetchone()[0]


def test_reminders_speak_english_when_the_chat_does(rem: Rem) -> None:
    rem.now = b(2026, 11, 2, 9, 0)
    rem.command("settings", "lang en", chat_id=5)
    item = rem.item(type="meeting", title="Sync", start=b(2026, 11, 2, 15, 0), chat_id=5)
    rem.tick(b(2026, 11, 2, 17, 45))
    (out,) = [r for r in rem.sent() if r["item_id"] == item]
    assert out["text"] == "⏰ Sync — 15:00 (late by 3 hr)"
    labels = [
        b["text"] for line in json.loads(out["reply_markup"])["inline_keyboard"] for b in line
    ]
    assert labels == ["✅ Done", "+15 min", "+1 h", "Tomorrow 9:00", "🏃 Running late"]


def test_a_bad_rrule_is_reminded_as_a_one_off(rem: Rem) -> None:
    rem.now = utc(2026, 11, 2, 8, 0)
    item = rem.item(title="x", start=b(2026, 11, 2, 15, 0), rrule="FREQ=NEVER")
    assert len(rem.pending(item)) == 1
    assert rem.fire(b(2026, 11, 2, 15, 0)) == 1
    assert rem.pending(item) == []


def test_old_rows_are_purged_and_nothing_comes_back(rem: Rem) -> None:
    rem.now = b(2026, 11, 2, 9, 0)
    item = rem.item(title="Таблетки", start=b(2026, 11, 2, 20, 0), rrule="FREQ=DAILY")
    for day in range(2, 6):
        rem.tick(b(2026, 11, day, 20, 0))
    assert len(rem.rows(item)) == 5  # four sent, one pending
    # 30 days later: the rows due before 3 Nov 20:30 go (two of the item's, one agenda)
    assert reminders.purge(rem.conn, b(2026, 12, 3, 20, 30)) == 3
    assert [r["status"] for r in rem.rows(item)] == ["SENT", "SENT", "PENDING"]
    assert rem.fire(b(2026, 11, 6, 20, 0)) == 1
    # the periodic job the worker runs ticks and purges
    job = reminders.make_periodic(rem.settings, rem.conn)
    assert job is not None and job.every_s == 1.0
    assert job.maybe_run(b(2026, 12, 20, 9, 0)).sent >= 1  # type: ignore[union-attr]


def test_a_row_that_cannot_be_sent_does_not_block_the_others(rem: Rem) -> None:
    rem.now = b(2026, 11, 2, 9, 0)
    item = rem.item(title="Позвонить", start=b(2026, 11, 2, 15, 0))
    ts = "2026-11-02T13:00:00.000000Z"
    rem.conn.execute(
        "INSERT INTO reminders (chat_id, kind, occurrence_at, local_date, due_at, created_at,"
        " updated_at) VALUES (5, 'agenda', ?, 'not-a-date', ?, ?, ?)",
        (ts, ts, ts, ts),
    )
    res = rem.tick(b(2026, 11, 2, 15, 0))
    assert (res.sent, res.failed) == (1, 1)
    assert [r["item_id"] for r in rem.sent()] == [item]
    bad = rem.conn.execute(
        "SELECT status FROM reminders WHERE local_date = 'not-a-date'"
    ).fetchone()
    assert bad["status"] == "CANCELLED"
    assert rem.tick(b(2026, 11, 2, 15, 1)).failed == 0
