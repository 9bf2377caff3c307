"""The inbox queue on PostgreSQL: the functions and semantics of organizer.db.queue.

Enqueue once (ON CONFLICT on message_key), claim with a lease, complete, fail with
backoff, defer, release, reap, operator retry. What SQLite gets from its single writer,
PostgreSQL gets from row locks and one advisory lock per chat:

- claim picks the oldest ready row with `FOR UPDATE SKIP LOCKED` (workers never wait on
  each other's rows), then takes the chat's transaction-scoped advisory lock with
  `pg_try_advisory_xact_lock(chat_id)` and re-checks "nothing of this chat in hand, no
  earlier row waiting" in a new statement, hence a fresh snapshot. Two workers claiming
  in one chat at once are serialized by that lock, so a chat's messages are never
  processed in parallel or out of order, across any number of workers and machines.
- enqueue takes the same lock (blocking, it is short), so within a chat ids are handed
  out in commit order and the oldest id is the oldest message.

Every function is one short transaction; called inside the caller's own
`conn.transaction()` it becomes a SAVEPOINT of it (the caller's work and, say, the
completion commit together).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from organizer.db.queue import (
    BACKOFF_MAX_S,
    QueueCounts,
    backoff_s,
    check_retryable,
    deferred_until,
    failure_outcome,
)
from organizer.model import InboxRow, to_db

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "BACKOFF_MAX_S",
    "QueueCounts",
    "backoff_s",
    "claim",
    "complete",
    "counts",
    "defer",
    "enqueue",
    "extend_lease",
    "fail",
    "get",
    "list_rows",
    "reap_expired",
    "release",
    "retry",
    "retry_failed",
    "voice_file_in_use",
]

# A claim gives up on a chat another worker is claiming in and tries the next ready
# row; after this many such chats in one call it returns None (the caller polls again).
CLAIM_TRIES = 8

_READY = "q.status = 'NEW' AND (q.next_attempt_at <= %(now)s OR q.next_attempt_at > %(skew)s)"
# An earlier row of the chat holds the later ones, except a voice row in back-off.
_CHAT_FREE = (
    "NOT EXISTS (SELECT 1 FROM inbox_queue c"
    "            WHERE c.chat_id = q.chat_id AND c.status = 'CLAIMED')"
    " AND NOT EXISTS (SELECT 1 FROM inbox_queue e"
    "                 WHERE e.chat_id = q.chat_id AND e.status = 'NEW' AND e.id < q.id"
    "                   AND NOT (e.kind = 'voice' AND e.next_attempt_at > %(now)s"
    "                            AND e.next_attempt_at <= %(skew)s))"
)
_PICK = (
    f"SELECT q.id, q.chat_id FROM inbox_queue q WHERE {_READY} AND {_CHAT_FREE}"
    " AND q.chat_id <> ALL(%(skip)s)"
    " ORDER BY q.next_attempt_at, q.id LIMIT 1 FOR UPDATE OF q SKIP LOCKED"
)
_TAKE = (
    "UPDATE inbox_queue AS q SET status = 'CLAIMED', claimed_by = %(worker)s,"
    " lease_until = %(lease)s, attempts = q.attempts + 1, updated_at = %(now)s"
    f" WHERE q.id = %(id)s AND {_READY} AND {_CHAT_FREE} RETURNING q.*"
)


def _rows(conn: psycopg.Connection[Any]) -> psycopg.Cursor[dict[str, Any]]:
    from psycopg.rows import dict_row

    return conn.cursor(row_factory=dict_row)


def _row(r: dict[str, Any] | None) -> InboxRow | None:
    return None if r is None else InboxRow(**r)


def enqueue(
    conn: psycopg.Connection[Any],
    *,
    message_key: str,
    chat_id: int,
    kind: str,
    payload: dict[str, Any] | str,
    now: datetime,
    user_id: int | None = None,
    source: str = "telegram",
    max_attempts: int = 5,
) -> tuple[int, bool]:
    """Insert a message; (id, True) when new, (existing id, False) when re-delivered."""
    body = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    ts = to_db(now)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (chat_id,))
        r = conn.execute(
            "INSERT INTO inbox_queue (source, chat_id, user_id, message_key, kind, payload,"
            " max_attempts, next_attempt_at, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (message_key) DO NOTHING RETURNING id",
            (source, chat_id, user_id, message_key, kind, body, max_attempts, ts, ts, ts),
        ).fetchone()
        if r is not None:
            return int(r[0]), True
        row = conn.execute(
            "SELECT id FROM inbox_queue WHERE message_key = %s", (message_key,)
        ).fetchone()
        assert row is not None  # the conflict was on this key
        return int(row[0]), False


def claim(
    conn: psycopg.Connection[Any], worker_id: str, now: datetime, lease_s: float
) -> InboxRow | None:
    """Take the oldest ready row whose chat has nothing else in hand (see the module doc).

    A row waiting longer than the longest possible backoff is clock skew: it is due.
    """
    args: dict[str, Any] = {
        "worker": worker_id,
        "now": to_db(now),
        "skew": to_db(now + timedelta(seconds=BACKOFF_MAX_S)),
        "lease": to_db(now + timedelta(seconds=lease_s)),
        "skip": [],
    }
    with conn.transaction():
        cur = _rows(conn)
        for _ in range(CLAIM_TRIES):
            pick = conn.execute(_PICK, args).fetchone()
            if pick is None:
                return None
            row_id, chat_id = pick
            locked = conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (chat_id,)).fetchone()
            if locked and locked[0]:
                taken = cur.execute(_TAKE, {**args, "id": row_id}).fetchone()
                if taken is not None:
                    return InboxRow(**taken)
            args["skip"] = [*args["skip"], chat_id]
        return None


def extend_lease(
    conn: psycopg.Connection[Any], row_id: int, worker_id: str, now: datetime, lease_s: float
) -> bool:
    with conn.transaction():
        cur = conn.execute(
            "UPDATE inbox_queue SET lease_until = %s, updated_at = %s"
            " WHERE id = %s AND status = 'CLAIMED' AND claimed_by = %s",
            (to_db(now + timedelta(seconds=lease_s)), to_db(now), row_id, worker_id),
        )
        return cur.rowcount == 1


def complete(conn: psycopg.Connection[Any], row_id: int, worker_id: str, now: datetime) -> bool:
    """CLAIMED -> DONE, only for the holder of the lease."""
    ts = to_db(now)
    with conn.transaction():
        cur = conn.execute(
            "UPDATE inbox_queue SET status = 'DONE', done_at = %s, updated_at = %s,"
            " lease_until = NULL, last_error = NULL"
            " WHERE id = %s AND status = 'CLAIMED' AND claimed_by = %s",
            (ts, ts, row_id, worker_id),
        )
        return cur.rowcount == 1


def fail(
    conn: psycopg.Connection[Any],
    row_id: int,
    worker_id: str,
    now: datetime,
    error: str,
    *,
    retry: bool = True,
) -> str | None:
    """Back to NEW after a backoff, or FAILED once attempts are spent (or retry=False).

    Returns the new status, or None when this worker no longer holds the row.
    """
    ts = to_db(now)
    with conn.transaction():
        r = conn.execute(
            "SELECT attempts, max_attempts FROM inbox_queue"
            " WHERE id = %s AND status = 'CLAIMED' AND claimed_by = %s FOR UPDATE",
            (row_id, worker_id),
        ).fetchone()
        if r is None:
            return None
        status, next_at = failure_outcome(int(r[0]), int(r[1]), retry, now)
        conn.execute(
            "UPDATE inbox_queue SET status = %s, last_error = %s, claimed_by = NULL,"
            " lease_until = NULL, next_attempt_at = %s, updated_at = %s WHERE id = %s",
            (status, error[:2000], next_at, ts, row_id),
        )
        return status


def defer(
    conn: psycopg.Connection[Any], row_id: int, worker_id: str, now: datetime, delay_s: float,
    error: str,
) -> bool:
    """Back to NEW after `delay_s` (capped at BACKOFF_MAX_S), the attempt not counted."""
    ts = to_db(now)
    with conn.transaction():
        cur = conn.execute(
            "UPDATE inbox_queue SET status = 'NEW', claimed_by = NULL, lease_until = NULL,"
            " attempts = GREATEST(0, attempts - 1), last_error = %s, next_attempt_at = %s,"
            " updated_at = %s WHERE id = %s AND status = 'CLAIMED' AND claimed_by = %s",
            (error[:2000], deferred_until(now, delay_s), ts, row_id, worker_id),
        )
        return cur.rowcount == 1


def release(conn: psycopg.Connection[Any], row_id: int, worker_id: str, now: datetime) -> bool:
    """Give a claimed row back untouched (on shutdown): the attempt is not counted."""
    ts = to_db(now)
    with conn.transaction():
        cur = conn.execute(
            "UPDATE inbox_queue SET status = 'NEW', claimed_by = NULL, lease_until = NULL,"
            " attempts = GREATEST(0, attempts - 1), next_attempt_at = %s, updated_at = %s"
            " WHERE id = %s AND status = 'CLAIMED' AND claimed_by = %s",
            (ts, ts, row_id, worker_id),
        )
        return cur.rowcount == 1


def reap_expired(conn: psycopg.Connection[Any], now: datetime) -> int:
    """Expired leases go back to NEW, or to FAILED when their attempts are spent."""
    ts = to_db(now)
    with conn.transaction():
        failed = conn.execute(
            "UPDATE inbox_queue SET status = 'FAILED', claimed_by = NULL, lease_until = NULL,"
            " last_error = COALESCE(last_error || ' | ', '') || 'lease expired (worker died?)',"
            " updated_at = %s"
            " WHERE status = 'CLAIMED' AND lease_until < %s AND attempts >= max_attempts",
            (ts, ts),
        ).rowcount
        back = conn.execute(
            "UPDATE inbox_queue SET status = 'NEW', claimed_by = NULL, lease_until = NULL,"
            " next_attempt_at = %s, updated_at = %s"
            " WHERE status = 'CLAIMED' AND lease_until < %s",
            (ts, ts, ts),
        ).rowcount
        return failed + back


def retry(conn: psycopg.Connection[Any], row_id: int, now: datetime) -> InboxRow:
    """Operator repair: a FAILED (or backing-off NEW) row becomes ready now."""
    ts = to_db(now)
    with conn.transaction():
        r = conn.execute(
            "SELECT status FROM inbox_queue WHERE id = %s FOR UPDATE", (row_id,)
        ).fetchone()
        check_retryable(row_id, r[0] if r is not None else None)
        if r[0] == "FAILED":
            _detach_notices(conn, "id = %s", (row_id,), ts)
        row = _rows(conn).execute(
            "UPDATE inbox_queue SET status = 'NEW', attempts = 0, next_attempt_at = %s,"
            " last_error = NULL, done_at = NULL, updated_at = %s WHERE id = %s RETURNING *",
            (ts, ts, row_id),
        ).fetchone()
        assert row is not None
        return InboxRow(**row)


def retry_failed(conn: psycopg.Connection[Any], now: datetime) -> int:
    """Every FAILED row back to NEW, ready now, attempts reset: the worker runs it again."""
    ts = to_db(now)
    with conn.transaction():
        _detach_notices(conn, "status = 'FAILED'", (), ts)
        return conn.execute(
            "UPDATE inbox_queue SET status = 'NEW', attempts = 0, next_attempt_at = %s,"
            " last_error = NULL, done_at = NULL, updated_at = %s WHERE status = 'FAILED'",
            (ts, ts),
        ).rowcount


def _detach_notices(
    conn: psycopg.Connection[Any], where: str, args: tuple[Any, ...], ts: str
) -> None:
    """Unlink what a FAILED row already told the user (see organizer.db.queue)."""
    conn.execute(
        "UPDATE outbox SET inbox_id = NULL,"
        " dedup_key = CASE WHEN dedup_key IS NULL THEN NULL"
        "                  ELSE dedup_key || ':failed-before:' || %s END"
        f" WHERE inbox_id IN (SELECT id FROM inbox_queue WHERE {where})",
        (ts, *args),
    )


def get(conn: psycopg.Connection[Any], row_id: int) -> InboxRow | None:
    return _row(_rows(conn).execute("SELECT * FROM inbox_queue WHERE id = %s", (row_id,))
                .fetchone())


def counts(conn: psycopg.Connection[Any], now: datetime) -> QueueCounts:
    by = {s: 0 for s in ("NEW", "CLAIMED", "DONE", "FAILED")}
    for status, n in conn.execute("SELECT status, COUNT(*) FROM inbox_queue GROUP BY status"):
        by[status] = int(n)
    oldest = conn.execute(
        "SELECT MIN(created_at) FROM inbox_queue WHERE status = 'NEW'"
    ).fetchone()
    worst = conn.execute(
        "SELECT COALESCE(MAX(attempts), 0) FROM inbox_queue WHERE status IN ('NEW', 'CLAIMED')"
    ).fetchone()
    expired = conn.execute(
        "SELECT COUNT(*) FROM inbox_queue WHERE status = 'CLAIMED' AND lease_until < %s",
        (to_db(now),),
    ).fetchone()
    assert oldest is not None and worst is not None and expired is not None
    return QueueCounts(by, oldest[0], int(worst[0]), int(expired[0]))


def list_rows(
    conn: psycopg.Connection[Any], *, status: str | None = None, limit: int = 20
) -> list[InboxRow]:
    cur = _rows(conn)
    if status:
        cur.execute(
            "SELECT * FROM inbox_queue WHERE status = %s ORDER BY id DESC LIMIT %s",
            (status, limit),
        )
    else:
        cur.execute("SELECT * FROM inbox_queue ORDER BY id DESC LIMIT %s", (limit,))
    return [InboxRow(**r) for r in cur.fetchall()]


def voice_file_in_use(conn: psycopg.Connection[Any], file_path: str) -> bool:
    """True while a waiting or claimed voice row still needs this spooled file."""
    r = conn.execute(
        "SELECT 1 FROM inbox_queue WHERE kind = 'voice' AND status IN ('NEW', 'CLAIMED')"
        " AND (CASE WHEN kind = 'voice' THEN payload::jsonb ->> 'file_path' END) = %s LIMIT 1",
        (file_path,),
    ).fetchone()
    return r is not None
