"""The outbox: replies written by the worker, delivered by the bot.

Producers call `enqueue`; `dedup_key` (e.g. "reply:<inbox_id>") makes a reply to a
message that is processed twice a no-op the second time.

The delivery side (the bots): `ready` → `mark_sending` (the sender's claim) → Telegram →
`mark_sent`, `retry_later` or `mark_failed`. Several bots (on one SQLite host, or on
several machines with PostgreSQL) deliver one outbox: a row is TAKEN by one sender with
a conditional UPDATE (claimed_by + lease_until, migration 0014), the sender `renew`s its
leases while requests are in flight, and only the claim holder records an outcome.
`recover_in_flight` takes back a row whose sender died (its lease lapsed, or a dead
process on this host held it); see docs/BOT.md, "Delivery semantics": sends are
at-least-once, repeated within RESEND_WINDOW_S when their outcome is unknown. A row that
finally fails may leave the person a short notice (`NOTICE_PREFIX` dedup key).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from organizer.db.connect import transaction
from organizer.model import to_db


@dataclass(frozen=True)
class OutboxRow:
    id: int
    chat_id: int
    kind: str
    dedup_key: str | None
    text: str | None
    parse_mode: str | None
    reply_markup: str | None
    target_message_id: int | None
    target_outbox_id: int | None
    callback_query_id: str | None
    item_id: int | None
    inbox_id: int | None
    status: str
    attempts: int
    next_attempt_at: str
    last_error: str | None
    tg_message_id: int | None
    created_at: str
    sent_at: str | None
    parts_sent: int = 0  # migration 0004
    unconfirmed_at: str | None = None  # migration 0008
    claimed_by: str | None = None  # migration 0014: the sender holding (or that held) it
    lease_until: str | None = None  # migration 0014: when a SENDING row's claim lapses


Keyboard = list[list[dict[str, str]]]  # rows of {"text": …, "callback_data": …}


def enqueue(
    conn: sqlite3.Connection,
    *,
    chat_id: int,
    text: str | None,
    now: datetime,
    kind: str = "send",
    dedup_key: str | None = None,
    keyboard: Keyboard | None = None,
    parse_mode: str | None = None,
    target_message_id: int | None = None,
    target_outbox_id: int | None = None,
    callback_query_id: str | None = None,
    item_id: int | None = None,
    inbox_id: int | None = None,
) -> int | None:
    """Add a reply; returns its id, or None when dedup_key was already used.

    Runs inside the caller's transaction when there is one (so the item change and
    its reply commit together); otherwise it is its own autocommit statement.
    """
    markup: Any = (
        json.dumps({"inline_keyboard": keyboard}, ensure_ascii=False) if keyboard else None
    )
    r = conn.execute(
        "INSERT INTO outbox (chat_id, kind, dedup_key, text, parse_mode, reply_markup,"
        " target_message_id, target_outbox_id, callback_query_id, item_id, inbox_id,"
        " next_attempt_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
        (
            chat_id,
            kind,
            dedup_key,
            text,
            parse_mode,
            markup,
            target_message_id,
            target_outbox_id,
            callback_query_id,
            item_id,
            inbox_id,
            to_db(now),
            to_db(now),
        ),
    ).fetchall()  # read to the end: the statement (and, on SQLite, its lock) is done
    # RETURNING, not lastrowid: PostgreSQL has none, and a conflict returns no row
    return int(r[0][0]) if r else None


def get(conn: sqlite3.Connection, outbox_id: int) -> OutboxRow | None:
    r = conn.execute("SELECT * FROM outbox WHERE id = ?", (outbox_id,)).fetchone()
    return None if r is None else OutboxRow(**dict(r))


# ---------------------------------------------------------------- delivery (the bot)

MAX_ATTEMPTS = 6  # per-row failures (5xx, …) before FAILED; outages and 429 don't count
# An unconfirmed send (answer lost, or in flight when the bot died) is repeated only this
# long after its outcome first became unknown: a duplicate minutes later is a small
# confusion, a reply repeated hours later is a wrong one.
RESEND_WINDOW_S = 15 * 60.0
IN_FLIGHT_ERROR = "in flight when the bot stopped; delivery unknown, sent again (at-least-once)"
UNKNOWN_PREFIX = "delivery unknown"
NOTICE_PREFIX = "undelivered:"  # dedup key of the notice about row N: "undelivered:N"


def _rows(cur: sqlite3.Cursor) -> list[OutboxRow]:
    return [OutboxRow(**dict(r)) for r in cur]


def ready(conn: sqlite3.Connection, now: datetime, limit: int = 50) -> list[OutboxRow]:
    """Due PENDING rows that are the oldest undelivered row of their chat, oldest first.

    A later row never overtakes an earlier one of the same chat (so an edit always
    finds the message it edits already sent, and replies arrive in order). Chats that
    only ever spoke through `organizer chat` are left to it: Telegram does not know them.
    """
    return _rows(
        conn.execute(
            "SELECT * FROM outbox o"
            " WHERE o.status = 'PENDING' AND o.next_attempt_at <= ?"
            "   AND NOT EXISTS (SELECT 1 FROM outbox e"
            "                   WHERE e.chat_id = o.chat_id AND e.status IN ('PENDING', 'SENDING')"
            "                     AND e.id < o.id)"
            "   AND NOT (EXISTS (SELECT 1 FROM inbox_queue c"
            "                    WHERE c.chat_id = o.chat_id AND c.source = 'chat')"
            "            AND NOT EXISTS (SELECT 1 FROM inbox_queue t"
            "                            WHERE t.chat_id = o.chat_id AND t.source = 'telegram'))"
            " ORDER BY o.id LIMIT ?",
            (to_db(now), limit),
        )
    )


# A sender's claim on a row in flight lapses this long after it was taken or last renewed
# (the sender renews every RENEW_EVERY_S while its request runs). Then a sibling takes
# the row back: its sender is taken for dead. Longer than any pause between renewals.
LEASE_S, RENEW_EVERY_S = 90.0, 20.0
# Telegram allows about one message a second per chat (bot.limits.CHAT_INTERVAL_S). Each
# bot spaces its own sends; across bots the claim does: a chat's send or edit is not
# taken within this long of the chat's last one, whichever bot sent that.
CHAT_GAP_S = 1.0
# An outcome is recorded only by the sender holding the row's claim, so a sender whose
# claim was taken back never undoes what the sibling that took it did.
_MINE = "status = 'SENDING' AND claimed_by = ?"


def mark_sending(
    conn: sqlite3.Connection,
    outbox_id: int,
    now: datetime,
    *,
    sender: str = "bot",
    lease_s: float = LEASE_S,
) -> bool:
    """PENDING → SENDING, claimed by `sender` (committed before the request goes out).

    One conditional UPDATE: of two senders taking the same row, exactly one gets it
    (rowcount 1), on SQLite and on PostgreSQL alike. It also re-checks what `ready` saw,
    which may be stale by now: the row is due and still the first undelivered of its chat;
    and a message (not a callback answer) waits CHAT_GAP_S after the chat's last one.
    """
    ts = to_db(now)
    with transaction(conn):
        cur = conn.execute(
            # next_attempt_at of a SENDING row: when its request went out (in_flight_since)
            "UPDATE outbox SET status = 'SENDING', attempts = attempts + 1, next_attempt_at = ?,"
            " claimed_by = ?, lease_until = ?"
            " WHERE id = ? AND status = 'PENDING' AND next_attempt_at <= ?"
            "   AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.chat_id = outbox.chat_id"
            "                   AND e.status IN ('PENDING', 'SENDING') AND e.id < outbox.id)"
            "   AND (outbox.kind = 'callback_answer'"
            "        OR NOT EXISTS (SELECT 1 FROM outbox p WHERE p.chat_id = outbox.chat_id"
            "                       AND p.sent_at > ? AND p.kind <> 'callback_answer'))",
            (ts, sender, to_db(now + timedelta(seconds=lease_s)), outbox_id, ts,
             to_db(now - timedelta(seconds=CHAT_GAP_S))),
        )
        return cur.rowcount == 1


def renew(
    conn: sqlite3.Connection, sender: str, ids: Iterable[int], now: datetime,
    lease_s: float = LEASE_S,
) -> set[int]:  # fmt: skip
    """Extend the leases of `sender`'s requests in flight (`ids`); returns those it still
    holds. Only rows named: one whose task ended without an outcome recorded (a database
    error) lapses and is taken back, rather than held for as long as this process lives."""
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    marks = ", ".join("?" for _ in wanted)
    with transaction(conn):
        rows = conn.execute(
            f"UPDATE outbox SET lease_until = ? WHERE {_MINE} AND id IN ({marks}) RETURNING id",
            (to_db(now + timedelta(seconds=lease_s)), sender, *wanted),
        ).fetchall()
    return {int(r[0]) for r in rows}


def mark_part(
    conn: sqlite3.Connection, outbox_id: int, parts_sent: int, tg_message_id: int,
    sender: str = "bot",
) -> None:  # fmt: skip
    """One part of a split text went out: remember it, so a retry resumes after it.

    Also when the claim was taken back meanwhile (the row PENDING again): Telegram has
    the part, whoever sends the rest must not send it twice."""
    with transaction(conn):
        conn.execute(
            "UPDATE outbox SET parts_sent = ?, tg_message_id = ?"
            f" WHERE id = ? AND (status = 'PENDING' OR ({_MINE}))",
            (parts_sent, tg_message_id, outbox_id, sender),
        )


def mark_sent(
    conn: sqlite3.Connection, outbox_id: int, now: datetime, tg_message_id: int | None,
    sender: str = "bot",
) -> bool:  # fmt: skip
    """Telegram confirmed it → SENT. Also when the claim was taken back but no sibling
    has sent it yet (PENDING again): that keeps it from a second send. False when a
    sibling holds it now (it records its own outcome) or it is already settled."""
    with transaction(conn):
        cur = conn.execute(
            "UPDATE outbox SET status = 'SENT', sent_at = ?, last_error = NULL,"
            " lease_until = NULL, tg_message_id = COALESCE(?, tg_message_id)"
            f" WHERE id = ? AND (status = 'PENDING' OR ({_MINE}))",
            (to_db(now), tg_message_id, outbox_id, sender),
        )
        return cur.rowcount == 1


def _notify(conn: sqlite3.Connection, outbox_id: int, now: datetime, notice: str | None) -> None:
    """Inside the FAILED transaction: the person's notice, once per failed row."""
    if not notice:
        return
    r = conn.execute("SELECT chat_id FROM outbox WHERE id = ?", (outbox_id,)).fetchone()
    if r is not None:
        enqueue(conn, chat_id=int(r[0]), text=notice, now=now,
                dedup_key=f"{NOTICE_PREFIX}{outbox_id}")  # fmt: skip


def mark_failed(
    conn: sqlite3.Connection,
    outbox_id: int,
    now: datetime,
    error: str,
    *,
    notice: str | None = None,
    sender: str = "bot",
) -> bool:
    """→ FAILED; with `notice`, the person is told in the same transaction. False (and
    nothing changed) when `sender` no longer holds the row's claim."""
    with transaction(conn):
        cur = conn.execute(
            "UPDATE outbox SET status = 'FAILED', last_error = ?, next_attempt_at = ?,"
            f" lease_until = NULL WHERE id = ? AND {_MINE}",
            (error[:2000], to_db(now), outbox_id, sender),
        )
        if cur.rowcount != 1:
            return False
        _notify(conn, outbox_id, now, notice)
        return True


def retry_later(
    conn: sqlite3.Connection,
    outbox_id: int,
    now: datetime,
    delay_s: float,
    error: str,
    *,
    count: bool = True,
    unconfirmed: bool = False,
    notice: str | None = None,
    sender: str = "bot",
) -> str:
    """SENDING → PENDING after `delay_s`, or FAILED once MAX_ATTEMPTS are spent.

    `count=False` (Telegram unreachable, 429) gives the attempt back: an outage of any
    length never fails a row, it waits. `unconfirmed=True` (the answer was lost):
    Telegram may have the message; it is repeated only within RESEND_WINDOW_S of the
    first unknown outcome. A row that becomes FAILED gets `notice` for the person.
    "LOST" (nothing changed) when `sender` no longer holds the row's claim.
    """
    with transaction(conn):
        r = conn.execute(
            f"SELECT attempts, unconfirmed_at FROM outbox WHERE id = ? AND {_MINE}",
            (outbox_id, sender),
        ).fetchone()
        if r is None:
            return "LOST"
        attempts = int(r[0]) if count else max(0, int(r[0]) - 1)
        since = (r[1] or to_db(now)) if unconfirmed else r[1]
        late = unconfirmed and since < to_db(now - timedelta(seconds=RESEND_WINDOW_S))
        status = "FAILED" if (count and attempts >= MAX_ATTEMPTS) or late else "PENDING"
        cur = conn.execute(
            "UPDATE outbox SET status = ?, attempts = ?, last_error = ?, next_attempt_at = ?,"
            f" unconfirmed_at = ?, lease_until = NULL WHERE id = ? AND {_MINE}",
            (
                status,
                attempts,
                error[:2000],
                to_db(now if status == "FAILED" else now + timedelta(seconds=delay_s)),
                since,
                outbox_id,
                sender,
            ),
        )
        if cur.rowcount != 1:  # taken back between the two statements (PostgreSQL)
            return "LOST"
        if status == "FAILED":
            _notify(conn, outbox_id, now, notice)
        return status


def past_resend_window(row: OutboxRow, now: datetime) -> bool:
    """An unconfirmed send whose window is over: it must not go out again."""
    cutoff = to_db(now - timedelta(seconds=RESEND_WINDOW_S))
    return row.unconfirmed_at is not None and row.unconfirmed_at < cutoff


def senders_in_flight(conn: sqlite3.Connection) -> list[str]:
    """The senders holding rows SENDING now (to find this host's dead processes)."""
    rows = conn.execute(
        "SELECT DISTINCT claimed_by FROM outbox WHERE status = 'SENDING'"
        " AND claimed_by IS NOT NULL"
    ).fetchall()
    return [str(r[0]) for r in rows]


def recover_in_flight(
    conn: sqlite3.Connection, now: datetime, *, dead: Iterable[str] = ()
) -> tuple[int, int]:
    """Take back rows left SENDING by a sender that died mid-request: (sends, others).

    A row is taken back when its claim's lease has lapsed (its sender stopped renewing:
    dead, or cut off from the database for longer than LEASE_S), or when its sender is
    in `dead` (a process of this host that is gone: no need to wait for the lease). A
    live sibling's rows in flight are left alone. Rows marked SENDING by an older version
    (no lease) count as lapsed.

    All go back to PENDING. A `send` is at-least-once: Telegram may or may not have
    it and has no idempotency key, so it is sent again, marked `unconfirmed_at` (the
    resend window starts) with IN_FLIGHT_ERROR. `edit` and `callback_answer` are
    idempotent (a repeated edit is "not modified", a repeated answer is refused as
    too old).
    """
    gone = sorted(set(dead))
    marks = ", ".join("?" for _ in gone) or "NULL"
    taken = (
        "status = 'SENDING' AND (lease_until IS NULL OR lease_until < ?"
        f" OR claimed_by IN ({marks}))"
    )
    ts = to_db(now)
    with transaction(conn):
        sends = conn.execute(
            "UPDATE outbox SET status = 'PENDING', last_error = ?, next_attempt_at = ?,"
            " unconfirmed_at = COALESCE(unconfirmed_at, ?), lease_until = NULL"
            f" WHERE kind = 'send' AND {taken}",
            (IN_FLIGHT_ERROR, ts, ts, ts, *gone),
        ).rowcount
        others = conn.execute(
            f"UPDATE outbox SET status = 'PENDING', next_attempt_at = ?, lease_until = NULL"
            f" WHERE {taken}",
            (ts, ts, *gone),
        ).rowcount
        return sends, others


def tg_message_id_of(conn: sqlite3.Connection, outbox_id: int) -> int | None:
    """The Telegram message an earlier (sent) row became; None when it never went out."""
    r = conn.execute(
        "SELECT tg_message_id FROM outbox WHERE id = ? AND status = 'SENT'", (outbox_id,)
    ).fetchone()
    return None if r is None or r[0] is None else int(r[0])


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    by = {s: 0 for s in ("PENDING", "SENDING", "SENT", "FAILED")}
    for status, n in conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status"):
        by[status] = n
    return by


@dataclass(frozen=True)
class Undelivered:
    """A FAILED row as the operator sees it (`organizer diag outbox`)."""

    id: int
    chat_id: int
    kind: str
    attempts: int
    failed_at: str
    last_error: str | None
    person_told: str  # the notice row's status, "no" when there is none
    text: str


def undelivered(conn: sqlite3.Connection, limit: int = 20) -> list[Undelivered]:
    """FAILED rows, newest first, with whether the person got the notice."""
    rows = conn.execute(
        "SELECT o.id, o.chat_id, o.kind, o.attempts, o.next_attempt_at, o.last_error,"
        " COALESCE(n.status, 'no') AS told, COALESCE(o.text, '') AS text"
        " FROM outbox o LEFT JOIN outbox n ON n.dedup_key = ? || o.id"
        " WHERE o.status = 'FAILED' ORDER BY o.id DESC LIMIT ?",
        (NOTICE_PREFIX, limit),
    ).fetchall()
    return [Undelivered(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7][:60]) for r in rows]
