"""Reminders through the real pipeline: a message becomes an item, the worker's periodic
job reminds at the right moment, and the buttons on the reminder come back through the
inbox to the hooks (pipeline fixtures: `pipe`, a real Worker with the real handlers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fixtures.pipeline import Pipe, buttons

MSK = ZoneInfo("Europe/Moscow")


def reminders_sent(pipe: Pipe) -> list[Any]:
    return pipe.conn.execute(
        "SELECT * FROM outbox WHERE dedup_key LIKE 'remind:%' ORDER BY id"
    ).fetchall()


def test_text_to_reminder_snooze_and_done(pipe: Pipe) -> None:
    pipe.say("напомни через 20 минут вынуть пиццу")
    (item,) = pipe.items()
    pipe.advance(minutes=19, seconds=59)
    pipe.tick()
    assert reminders_sent(pipe) == []
    pipe.advance(seconds=1)
    pipe.tick()
    (first,) = reminders_sent(pipe)
    assert first["text"].startswith("⏰ Напоминание:") and "пицц" in first["text"].lower()
    data = [d for _, d in buttons(_row(first))]
    assert f"snooze:{item['id']}:15m" in data
    # snooze: the item does not move, the reminder comes again in 15 minutes, once
    edit = pipe.press(f"snooze:{item['id']}:15m")
    assert "💤" in (edit.text or "")
    assert pipe.item(item["id"])["start_at"] == item["start_at"]
    pipe.advance(minutes=15)
    pipe.tick()
    pipe.tick()
    assert len(reminders_sent(pipe)) == 2
    # Done through the pipeline closes it; nothing more is sent
    pipe.press(f"done:{item['id']}")
    assert pipe.item(item["id"])["status"] == "DONE"
    pipe.advance(hours=2)
    pipe.tick()
    assert len(reminders_sent(pipe)) == 2


def _row(r: Any) -> Any:
    from organizer.db.outbox import OutboxRow

    return OutboxRow(**dict(r))


def test_recurring_item_reminds_advances_and_cancels_by_series(pipe: Pipe) -> None:
    pipe.say("каждый день в 20:00 пить таблетки")
    (item,) = pipe.items()
    assert item["rrule"] == "FREQ=DAILY"
    pipe.now = datetime(2026, 11, 23, 20, 0, tzinfo=MSK)
    pipe.tick()
    (rem,) = reminders_sent(pipe)
    done = next(d for _, d in buttons(_row(rem)) if d.startswith("done:"))
    assert done == f"done:{item['id']}:202611232000"
    pipe.advance(minutes=3)
    pipe.press(done)
    moved = pipe.item(item["id"])
    assert (moved["status"], moved["start_at"][:16]) == ("OPEN", "2026-11-24T17:00")
    # the pipeline's own Done (from the creation message) moves it one more day
    pipe.press(f"done:{item['id']}")
    assert pipe.item(item["id"])["start_at"][:16] == "2026-11-25T17:00"
    # Cancel asks this one or the series; the series goes
    ask = pipe.press(f"cancel:{item['id']}")
    assert [d for _, d in buttons(ask)] == [f"cxo:{item['id']}:202611252000", f"cxs:{item['id']}"]
    pipe.press(f"cxo:{item['id']}:202611252000")
    assert pipe.item(item["id"])["start_at"][:16] == "2026-11-26T17:00"
    pipe.press(f"cxs:{item['id']}")
    assert pipe.item(item["id"])["status"] == "CANCELLED"
    pipe.now = datetime(2026, 11, 26, 20, 0, tzinfo=MSK)
    pipe.tick()
    assert len(reminders_sent(pipe)) == 1


def test_settings_commands_and_the_daily_agenda(pipe: Pipe) -> None:
    reply = pipe.command("settings")
    assert "Часовой пояс: Europe/Moscow" in (reply.text or "")
    assert "Europe/Berlin" in (pipe.command("tz", "Europe/Berlin").text or "")
    pipe.command("settings", "agenda 07:30")
    pipe.say("завтра в 15 встреча с Петей")
    pipe.say("купить молоко завтра")
    # 07:30 in Berlin on Tuesday 24 November
    pipe.now = datetime(2026, 11, 24, 7, 29, tzinfo=ZoneInfo("Europe/Berlin"))
    pipe.tick()
    assert (
        pipe.conn.execute("SELECT COUNT(*) FROM outbox WHERE dedup_key LIKE 'agenda:%'").fetchone()[
            0
        ]
        == 0
    )
    pipe.advance(minutes=1)
    pipe.tick()
    pipe.tick()
    (agenda,) = pipe.conn.execute("SELECT * FROM outbox WHERE dedup_key LIKE 'agenda:%'").fetchall()
    assert agenda["dedup_key"] == "agenda:100:2026-11-24"
    assert "Встреча с Петей" in agenda["text"] and "молоко" in agenda["text"].lower()
