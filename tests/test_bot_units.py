"""The bot's pure parts and its SQL: limits, text splitting, keyboards, outbox delivery states."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from datetime import timedelta

import pytest

from organizer.bot.limits import (
    CUT_NOTE,
    MAX_TEXT,
    RateLimiter,
    cut_text,
    parse_keyboard,
    split_text,
    utf16_len,
)
from organizer.db import botstate, outbox
from organizer.model import to_db, utcnow

# The SQL tests (those taking `conn`) run on SQLite and on PostgreSQL.
pytestmark = pytest.mark.stores


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_rate_limiter_per_chat_and_global() -> None:
    clock = Clock()
    rl = RateLimiter(per_s=30, window_s=1.0, chat_interval_s=1.0, clock=clock)
    assert rl.delay(1) == 0
    rl.take(1)
    assert rl.delay(1) > 0  # in flight in that chat
    clock.t += 0.2  # the answer came back 0.2 s later: the chat's second counts from here
    rl.done(1)
    assert 0.99 < rl.delay(1) <= 1.0
    for chat in range(2, 31):
        assert rl.delay(chat) == 0
        rl.take(chat)
    assert rl.delay(99) > 0  # 30 started or ended within the window: the 31st waits
    for chat in range(2, 31):
        rl.done(chat)
    assert 0.99 < rl.delay(99) <= 1.0  # counted from their answers, not their starts
    clock.t += 1.0
    assert rl.delay(99) == 0 and rl.delay(1) == 0
    rl.pause(5)
    assert rl.delay(None) == 5


def test_split_text_fits_and_prefers_boundaries() -> None:
    assert split_text("short") == ["short"]
    para = ("слово " * 700).strip()  # ~4,200 characters
    text = "\n\n".join([para, para])
    parts = split_text(text)
    assert all(utf16_len(p) <= MAX_TEXT for p in parts)
    assert len(parts) >= 2
    assert "".join(p.replace(" ", "").replace("\n", "") for p in parts) == text.replace(" ", "").replace("\n", "")


def test_split_text_cuts_after_max_parts_with_a_note() -> None:
    text = "x" * (MAX_TEXT * 5)
    parts = split_text(text, max_parts=3)
    assert len(parts) == 3
    assert parts[-1].endswith(CUT_NOTE)
    assert all(utf16_len(p) <= MAX_TEXT for p in parts)


def test_utf16_counting_for_emoji() -> None:
    text = "😀" * 3000  # 6,000 UTF-16 units
    assert all(utf16_len(p) <= MAX_TEXT for p in split_text(text))
    cut = cut_text(text)
    assert utf16_len(cut) <= MAX_TEXT and cut.endswith(CUT_NOTE)


def test_keyboard_drops_bad_buttons_keeps_good_ones() -> None:
    markup = json.dumps(
        {
            "inline_keyboard": [
                [{"text": "Done", "callback_data": "done:1"}, {"text": "Long", "callback_data": "x" * 65}],
                [{"text": "", "callback_data": "a"}],
                [{"text": "Site", "url": "https://example.org"}, {"text": "none"}],
            ]
        }
    )
    rows = parse_keyboard(markup)
    assert rows == [
        [{"text": "Done", "callback_data": "done:1"}],
        [{"text": "Site", "url": "https://example.org"}],
    ]
    assert parse_keyboard("{not json") is None
    assert parse_keyboard(None) is None
    # 64 bytes of Cyrillic is 32 characters: bytes count, not characters.
    assert parse_keyboard(json.dumps([[{"text": "a", "callback_data": "я" * 33}]])) is None
    assert parse_keyboard(json.dumps([[{"text": "a", "callback_data": "я" * 32}]])) is not None


def _add(conn: sqlite3.Connection, chat: int, text: str, **kw: object) -> int:
    oid = outbox.enqueue(conn, chat_id=chat, text=text, now=utcnow(), **kw)  # type: ignore[arg-type]
    assert oid is not None
    return oid


def test_ready_keeps_each_chat_in_order(conn: sqlite3.Connection) -> None:
    a1 = _add(conn, 1, "a1")
    a2 = _add(conn, 1, "a2")
    b1 = _add(conn, 2, "b1")
    now = utcnow()
    assert [r.id for r in outbox.ready(conn, now)] == [a1, b1]
    assert outbox.mark_sending(conn, a1, now)
    assert not outbox.mark_sending(conn, a1, now)  # only once
    assert [r.id for r in outbox.ready(conn, now)] == [b1]  # a2 waits behind a1 in flight
    outbox.mark_sent(conn, a1, now, 500)
    assert [r.id for r in outbox.ready(conn, now)] == [a2, b1]
    assert outbox.tg_message_id_of(conn, a1) == 500


def test_retry_later_counts_attempts_unless_told_not_to(conn: sqlite3.Connection) -> None:
    oid = _add(conn, 1, "x")
    now = utcnow()
    for _ in range(outbox.MAX_ATTEMPTS * 2):  # outages never fail a row
        assert outbox.mark_sending(conn, oid, now)
        assert outbox.retry_later(conn, oid, now, 0, "down", count=False) == "PENDING"
    statuses = []
    for _ in range(outbox.MAX_ATTEMPTS):
        assert outbox.mark_sending(conn, oid, now)
        statuses.append(outbox.retry_later(conn, oid, now, 0, "500"))
    assert statuses[-1] == "FAILED" and set(statuses[:-1]) == {"PENDING"}
    later = outbox.ready(conn, now)
    assert later == []


def test_backoff_delays_the_row(conn: sqlite3.Connection) -> None:
    oid = _add(conn, 1, "x")
    now = utcnow()
    outbox.mark_sending(conn, oid, now)
    outbox.retry_later(conn, oid, now, 30, "502")
    assert outbox.ready(conn, now) == []
    assert [r.id for r in outbox.ready(conn, now + timedelta(seconds=31))] == [oid]


def test_recover_in_flight_is_at_least_once_for_sends(conn: sqlite3.Connection) -> None:
    s = _add(conn, 1, "send")
    e = _add(conn, 2, "edit", kind="edit", target_message_id=5)
    c = _add(conn, 3, None, kind="callback_answer", callback_query_id="q")  # type: ignore[arg-type]
    now = utcnow()  # a row is taken only once it is due
    for oid in (s, e, c):
        outbox.mark_sending(conn, oid, now, sender="host#1/42")
    # the bot that held them is gone (a restart on this host): taken back at once
    assert outbox.recover_in_flight(conn, now, dead=["host#1/42"]) == (1, 2)
    row = outbox.get(conn, s)
    assert row is not None and row.status == "PENDING" and row.unconfirmed_at == to_db(now)
    assert row.last_error == outbox.IN_FLIGHT_ERROR
    assert {r.id for r in outbox.ready(conn, now)} == {s, e, c}


def test_a_siblings_send_in_flight_is_left_alone_until_its_lease_lapses(
    conn: sqlite3.Connection,
) -> None:
    """Several bots on one database: a bot must not resend what a live sibling is
    sending right now (its lease renewed), but takes back a dead sibling's rows."""
    s = _add(conn, 1, "in flight at a sibling")
    t0 = utcnow()
    assert outbox.mark_sending(conn, s, t0, sender="a")
    assert outbox.recover_in_flight(conn, t0 + timedelta(seconds=60)) == (0, 0)
    assert outbox.renew(conn, "a", [s], t0 + timedelta(seconds=60)) == {s}  # a lives on
    assert outbox.recover_in_flight(conn, t0 + timedelta(seconds=120)) == (0, 0)
    assert outbox.get(conn, s).status == "SENDING"  # type: ignore[union-attr]
    later = t0 + timedelta(seconds=60 + outbox.LEASE_S + 1)  # a stopped renewing: dead
    assert outbox.recover_in_flight(conn, later) == (1, 0)
    assert outbox.get(conn, s).status == "PENDING"  # type: ignore[union-attr]
    assert outbox.renew(conn, "a", [s], later) == set()  # a, if it wakes up, knows


def test_only_the_claim_holder_records_an_outcome(conn: sqlite3.Connection) -> None:
    """Two senders: one takes the row; the one whose claim was taken back can neither
    fail it, nor put it back, nor mark it sent under the new holder's feet."""
    oid = _add(conn, 1, "x")
    t0 = utcnow()
    assert outbox.mark_sending(conn, oid, t0, sender="a")
    assert not outbox.mark_sending(conn, oid, t0, sender="b")  # taken: b gets nothing
    late = t0 + timedelta(seconds=outbox.LEASE_S + 1)
    assert outbox.recover_in_flight(conn, late) == (1, 0)  # a stalled past its lease
    assert outbox.mark_sending(conn, oid, late, sender="b")
    assert outbox.retry_later(conn, oid, late, 0, "502", sender="a") == "LOST"
    assert not outbox.mark_failed(conn, oid, late, "403", notice="не доставлено", sender="a")
    assert not outbox.mark_sent(conn, oid, late, 77, sender="a")
    row = outbox.get(conn, oid)
    assert row is not None and (row.status, row.claimed_by) == ("SENDING", "b")
    assert outbox.ready(conn, late) == []  # no notice was written either
    assert outbox.mark_sent(conn, oid, late, 78, sender="b")
    assert outbox.tg_message_id_of(conn, oid) == 78


def test_a_send_confirmed_after_its_claim_was_taken_back_is_not_sent_again(
    conn: sqlite3.Connection,
) -> None:
    oid = _add(conn, 1, "x")
    t0 = utcnow()
    outbox.mark_sending(conn, oid, t0, sender="a")
    late = t0 + timedelta(seconds=outbox.LEASE_S + 1)
    outbox.recover_in_flight(conn, late)  # PENDING again, no sibling took it yet
    assert outbox.mark_sent(conn, oid, late, 77, sender="a")  # Telegram has it: SENT
    assert outbox.ready(conn, late) == [] and outbox.tg_message_id_of(conn, oid) == 77


def test_a_claim_rechecks_what_a_stale_ready_list_said(conn: sqlite3.Connection) -> None:
    """ready() read by one sender may be stale when it claims: a row put back with a
    backoff, or no longer the first of its chat, is not taken."""
    a1 = _add(conn, 1, "a1")
    a2 = _add(conn, 1, "a2")
    now = utcnow()
    assert outbox.mark_sending(conn, a1, now, sender="a")
    assert outbox.retry_later(conn, a1, now, 30, "502", sender="a") == "PENDING"
    assert not outbox.mark_sending(conn, a1, now, sender="b")  # its backoff runs
    assert not outbox.mark_sending(conn, a2, now, sender="b")  # a1 comes first


def test_an_unconfirmed_send_is_repeated_only_within_the_window(conn: sqlite3.Connection) -> None:
    oid = _add(conn, 1, "x")
    now = utcnow()
    outbox.mark_sending(conn, oid, now)
    assert outbox.retry_later(conn, oid, now, 0, "delivery unknown", unconfirmed=True,
                              notice="не доставлено") == "PENDING"  # fmt: skip
    later = now + timedelta(seconds=outbox.RESEND_WINDOW_S + 1)
    outbox.mark_sending(conn, oid, later)
    assert outbox.retry_later(conn, oid, later, 0, "delivery unknown", unconfirmed=True,
                              notice="не доставлено") == "FAILED"  # fmt: skip
    (notice,) = [r for r in outbox.ready(conn, later) if r.dedup_key == f"undelivered:{oid}"]
    assert notice.text == "не доставлено" and notice.chat_id == 1


def test_parts_progress_is_kept(conn: sqlite3.Connection) -> None:
    oid = _add(conn, 1, "long")
    outbox.mark_sending(conn, oid, utcnow())
    outbox.mark_part(conn, oid, 1, 77)
    row = outbox.get(conn, oid)
    assert row is not None and row.parts_sent == 1 and row.tg_message_id == 77


def test_refusal_once_per_day_without_the_user_id(conn: sqlite3.Connection) -> None:
    now = utcnow()
    who = botstate.stranger_key("inst", 424242)
    assert "424242" not in who
    assert botstate.note_refusal(conn, who, now)
    assert not botstate.note_refusal(conn, who, now)
    assert botstate.note_refusal(conn, who, now + timedelta(days=1))
    assert botstate.refusals_today(conn, now + timedelta(days=1)) == 1


def test_offset_only_moves_forward_and_belongs_to_one_bot(conn: sqlite3.Connection) -> None:
    now = utcnow()
    assert botstate.get_offset(conn, 1) is None
    botstate.set_offset(conn, 10, now, 1)
    botstate.set_offset(conn, 9, now, 1)
    assert botstate.get_offset(conn, 1) == 10
    botstate.set_offset(conn, 11, now, 1)
    assert botstate.get_offset(conn, 1) == 11
    assert botstate.get_offset(conn, 2) is None  # a new token, another bot: start afresh
    botstate.set_offset(conn, 3, now, 2)
    assert botstate.get_offset(conn, 2) == 3 and botstate.get_offset(conn, 1) is None


def test_the_operators_view_of_failed_rows(conn: sqlite3.Connection) -> None:
    oid = _add(conn, 1, "Завтра: встреча")
    now = utcnow()
    assert outbox.mark_sending(conn, oid, now, sender="a")
    assert outbox.mark_failed(conn, oid, now, "bad request: too long", notice="не доставлено",
                              sender="a")  # fmt: skip
    (row,) = outbox.undelivered(conn)
    assert (row.id, row.person_told, row.text) == (oid, "PENDING", "Завтра: встреча")
    assert outbox.counts(conn) == {"PENDING": 1, "SENDING": 0, "SENT": 0, "FAILED": 1}


def test_a_chats_set_aside_updates_are_worked_by_one_bot_at_a_time(
    conn: sqlite3.Connection,
) -> None:
    from organizer.bot import aside
    from organizer.bot.sender import sender_name

    now = utcnow()
    assert aside.claim(conn, 7, "a", now)
    assert not aside.claim(conn, 7, "b", now)  # a works the chat: b leaves it
    assert aside.claim(conn, 8, "b", now)  # another chat is free
    assert aside.claim(conn, 7, "a", now + timedelta(seconds=60))  # a renews
    assert not aside.claim(conn, 7, "b", now + timedelta(seconds=aside.CLAIM_LEASE_S))
    lapsed = now + timedelta(seconds=60 + aside.CLAIM_LEASE_S + 1)
    assert aside.claim(conn, 7, "b", lapsed)  # a stopped renewing: dead
    aside.release(conn, 7, "a")  # a, back from the dead, releases nothing of b's
    assert not aside.claim(conn, 7, "a", lapsed)
    aside.release(conn, 7, "b")
    assert aside.claim(conn, 7, "a", lapsed)
    # a bot of this host that is gone: its claim is taken at once, no lease to wait for
    dead = sender_name().rpartition("/")[0] + f"/{_gone_pid()}"
    assert aside.claim(conn, 9, dead, now)
    assert aside.claim(conn, 9, "c", now)
    assert aside.heads(conn) == []  # claims are not set-aside updates
    aside.put(conn, 9, 5, {"update_id": 5}, now)
    assert aside.holds(conn, 9) and not aside.holds(conn, 90)
    assert [e.key for e in aside.heads(conn)] == ["aside:9:000000000000005"]


def _gone_pid() -> int:
    """The pid of a process that ran and was reaped (not reused within the test)."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_a_bot_stalled_past_its_lease_leaves_the_taken_row_to_the_sibling(
    conn: sqlite3.Connection,
) -> None:
    """Deliverer.renew: a row still held is renewed and its request goes on; a row a
    sibling took back meanwhile has its request (not yet answered) cancelled."""
    import asyncio

    from organizer.bot.delivery import Deliverer, Link

    kept, taken = _add(conn, 1, "kept"), _add(conn, 2, "taken")
    now = utcnow()
    assert outbox.mark_sending(conn, kept, now, sender="a")
    assert outbox.mark_sending(conn, taken, now, sender="a")
    conn.execute("UPDATE outbox SET lease_until = ? WHERE id = ?",
                 (to_db(now - timedelta(seconds=1)), taken))  # fmt: skip
    assert outbox.recover_in_flight(conn, now) == (1, 0)  # a sibling took it back
    soon = to_db(now + timedelta(seconds=1))
    conn.execute("UPDATE outbox SET lease_until = ? WHERE id = ?", (soon, kept))

    async def scenario() -> tuple[bool, bool]:
        d = Deliverer(conn, None, RateLimiter(), Link(), sender="a")  # type: ignore[arg-type]
        for oid in (kept, taken):
            d.claimed[oid] = asyncio.create_task(asyncio.sleep(30))
        d.renew()
        await asyncio.sleep(0)
        result = d.claimed[kept].cancelled(), d.claimed[taken].cancelled()
        d.claimed[kept].cancel()
        return result

    assert asyncio.run(scenario()) == (False, True)
    row = outbox.get(conn, kept)
    assert row is not None and row.lease_until is not None
    assert row.lease_until > to_db(now + timedelta(seconds=outbox.LEASE_S - 5))  # renewed


def test_a_chats_next_message_waits_a_second_whichever_bot_sent_the_last(
    conn: sqlite3.Connection,
) -> None:
    """Each bot spaces its own sends; across bots the claim keeps Telegram's 1 msg/s
    per chat (a callback answer is not a message and does not wait)."""
    first, second = _add(conn, 1, "first"), _add(conn, 1, "second")
    answer = _add(conn, 1, None, kind="callback_answer", callback_query_id="q")  # type: ignore[arg-type]
    t0 = utcnow()
    assert outbox.mark_sending(conn, first, t0, sender="a")
    assert outbox.mark_sent(conn, first, t0, 10, sender="a")
    soon = t0 + timedelta(seconds=outbox.CHAT_GAP_S / 2)
    assert not outbox.mark_sending(conn, second, soon, sender="b")  # too soon after a's
    later = t0 + timedelta(seconds=outbox.CHAT_GAP_S + 0.01)
    assert outbox.mark_sending(conn, second, later, sender="b")
    assert outbox.mark_sent(conn, second, later, 11, sender="b")
    assert outbox.mark_sending(conn, answer, later, sender="a")  # an answer need not wait
