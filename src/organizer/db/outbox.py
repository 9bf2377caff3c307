"""The outbox: replies written by the worker, delivered by the bot.

Producers call `enqueue`; `dedup_key` (e.g. "reply:<inbox_id>") makes a reply to a
message that is processed twice a no-op the second time.

The delivery side (the bot only): `ready` → `mark_sending` → Telegram → `mark_sent`,
`retry_later` or `mark_failed`. `recover_in_flight` decides at start what happens to a
row that was SENDING when the bot died (see docs/BOT.md, "Delivery semantics"): sends
are at-least-once, repeated within RESEND_WINDOW_S when their outcome is unknown. A row
that finally fails may leave the person a short notice (`NOTICE_PREFIX` dedup key).
"""

from __future__ import annotations

import json
import sqlite3
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
    cur = conn.execute(
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
    )
    new = cur.fetchone()  # RETURNING: lastrowid does not exist on PostgreSQL
    return int(new[0]) if new is not None else None


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


def mark_sending(conn: sqlite3.Connection, outbox_id: int, now: datetime) -> bool:
    """PENDING → SENDING (committed before the request goes out)."""
    with transaction(conn):
        cur = conn.execute(
            # next_attempt_at of a SENDING row: when its request went out (in_flight_since)
            "UPDATE outbox SET status = 'SENDING', attempts = attempts + 1, next_attempt_at = ?"
            " WHERE id = ? AND status = 'PENDING'",
            (to_db(now), outbox_id),
        )
        return cur.rowcount == 1


def mark_part(conn: sqlite3.Connection, outbox_id: int, parts_sent: int, tg_message_id: int) -> None:
    """One part of a split text went out: remember it, so a retry resumes after it."""
    with transaction(conn):
        conn.execute(
            "UPDATE outbox SET parts_sent = ?, tg_message_id = ? WHERE id = ?",
            (parts_sent, tg_message_id, outbox_id),
        )


def mark_sent(
    conn: sqlite3.Connection, outbox_id: int, now: datetime, tg_message_id: int | None
) -> None:
    with transaction(conn):
        conn.execute(
            "UPDATE outbox SET status = 'SENT', sent_at = ?, last_error = NULL,"
            " tg_message_id = COALESCE(?, tg_message_id) WHERE id = ?",
            (to_db(now), tg_message_id, outbox_id),
        )


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
) -> None:
    """→ FAILED; with `notice`, the person is told in the same transaction."""
    with transaction(conn):
        conn.execute(
            "UPDATE outbox SET status = 'FAILED', last_error = ?, next_attempt_at = ?"
            " WHERE id = ?",
            (error[:2000], to_db(now), outbox_id),
        )
        _notify(conn, outbox_id, now, notice)


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
) -> str:
    """SENDING → PENDING after `delay_s`, or FAILED once MAX_ATTEMPTS are spent.

    `count=False` (Telegram unreachable, 429) gives the attempt back: an outage of any
    length never fails a row, it waits. `unconfirmed=True` (the answer was lost):
    Telegram may have the message; it is repeated only within RESEND_WINDOW_S of the
    first unknown outcome. A row that becomes FAILED gets `notice` for the person.
    """
    with transaction(conn):
        r = conn.execute(
            "SELECT attempts, unconfirmed_at FROM outbox WHERE id = ?", (outbox_id,)
        ).fetchone()
        if r is None:
            return "GONE"
        attempts = int(r[0]) if count else max(0, int(r[0]) - 1)
        since = (r[1] or to_db(now)) if unconfirmed else r[1]
        late = unconfirmed and since < to_db(now - timedelta(seconds=RESEND_WINDOW_S))
        status = "FAILED" if (count and attempts >= MAX_ATTEMPTS) or late else "PENDING"
        conn.execute(
            "UPDATE outbox SET status = ?, attempts = ?, last_error = ?, next_attempt_at = ?,"
            " unconfirmed_at = ? WHERE id = ?",
            (
                status,
                attempts,
                error[:2000],
                to_db(now if status == "FAILED" else now + timedelta(seconds=delay_s)),
                since,
                outbox_id,
            ),
        )
        if status == "FAILED":
            _notify(conn, outbox_id, now, notice)
        return status


def past_resend_window(row: OutboxRow, now: datetime) -> bool:
    """An unconfirmed send whose window is over: it must not go out again."""
    cutoff = to_db(now - timedelta(seconds=RESEND_WINDOW_S))
    return row.unconfirmed_at is not None and row.unconfirmed_at < cutoff


def recover_in_flight(
    conn: sqlite3.Connection, now: datetime, *, started_before: datetime | None = None
) -> tuple[int, int]:
    """At start, rows left SENDING by a bot that died mid-request: (sends, others).

    `started_before`: only rows whose request went out before it — with several bots on
    one database (webhook mode) a live sibling's requests in flight are left alone, and
    a dead sibling's are taken back once older than any request can take.

    All go back to PENDING. A `send` is at-least-once: Telegram may or may not have
    it and has no idempotency key, so it is sent again, marked `unconfirmed_at` (the
    resend window starts) with IN_FLIGHT_ERROR. `edit` and `callback_answer` are
    idempotent (a repeated edit is "not modified", a repeated answer is refused as
    too old).
    """
    # a row marked SENDING by an older version has its old next_attempt_at: also older
    cutoff = to_db(started_before) if started_before is not None else "9999"
    with transaction(conn):
        sends = conn.execute(
            "UPDATE outbox SET status = 'PENDING', last_error = ?, next_attempt_at = ?,"
            " unconfirmed_at = COALESCE(unconfirmed_at, ?)"
            " WHERE status = 'SENDING' AND kind = 'send' AND next_attempt_at < ?",
            (IN_FLIGHT_ERROR, to_db(now), to_db(now), cutoff),
        ).rowcount
        others = conn.execute(
            "UPDATE outbox SET status = 'PENDING', next_attempt_at = ?"
            " WHERE status = 'SENDING' AND next_attempt_at < ?",
            (to_db(now), cutoff),
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
