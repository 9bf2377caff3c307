"""The inbox queue: enqueue once, claim with a lease, complete, fail with backoff, reap.

Rows of one chat are handed out one at a time and in order, so the answer to a
clarifying question is never processed beside the question's own message. One
exception: a voice row waiting for its back-off (the ASR is down, which may last many
minutes) does not hold the chat's later messages; it is handled when the ASR is back.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from organizer.db.connect import transaction
from organizer.db.dialect import postgres_twin
from organizer.errors import NotFound
from organizer.model import InboxRow, to_db

PG = "organizer.db.pg_queue"  # the PostgreSQL twin of every public function below
BACKOFF_BASE_S = 2.0
BACKOFF_MAX_S = 300.0


def backoff_s(attempts: int, base_s: float = BACKOFF_BASE_S, max_s: float = BACKOFF_MAX_S) -> float:
    """Exponential: base, 2·base, 4·base … capped."""
    return min(max_s, base_s * (2 ** max(0, attempts - 1)))


# The queue's decisions, the same on every store (db/pg_queue.py uses them too); only
# the SQL around them is per dialect.


def failure_outcome(
    attempts: int, max_attempts: int, retry: bool, now: datetime
) -> tuple[str, str]:
    """(status, next_attempt_at) after a failed attempt: FAILED at once when attempts
    are spent or retry is off, else NEW after the attempt's back-off."""
    if not retry or attempts >= max_attempts:
        return "FAILED", to_db(now)
    return "NEW", to_db(now + timedelta(seconds=backoff_s(attempts)))


def deferred_until(now: datetime, delay_s: float) -> str:
    """When a deferred row is ready again: `delay_s` on, capped at BACKOFF_MAX_S."""
    return to_db(now + timedelta(seconds=min(max(0.0, delay_s), BACKOFF_MAX_S)))


def check_retryable(row_id: int, status: str | None) -> None:
    """An operator's retry: only a FAILED or a waiting (NEW) row; one line otherwise."""
    if status is None:
        raise NotFound(f"inbox row {row_id} does not exist", "see `organizer diag queue`")
    if status in ("CLAIMED", "DONE"):
        raise NotFound(
            f"inbox row {row_id} is {status}, not FAILED or NEW",
            "only failed or waiting rows can be retried",
        )


def _row(r: sqlite3.Row | None) -> InboxRow | None:
    return None if r is None else InboxRow(**dict(r))


@postgres_twin(PG)
def enqueue(
    conn: sqlite3.Connection,
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
    with transaction(conn):
        cur = conn.execute(
            "INSERT INTO inbox_queue (source, chat_id, user_id, message_key, kind, payload,"
            " max_attempts, next_attempt_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (message_key) DO NOTHING",
            (source, chat_id, user_id, message_key, kind, body, max_attempts, ts, ts, ts),
        )
        if cur.rowcount == 1:
            return int(cur.lastrowid or 0), True
        row = conn.execute(
            "SELECT id FROM inbox_queue WHERE message_key = ?", (message_key,)
        ).fetchone()
        return int(row[0]), False


@postgres_twin(PG)
def claim(
    conn: sqlite3.Connection, worker_id: str, now: datetime, lease_s: float
) -> InboxRow | None:
    """Take the oldest ready row whose chat has nothing else in hand.

    A row waiting longer than the longest possible backoff was scheduled by a clock
    that has since been stepped back: that wait is skew, not backoff, so the row is due.
    An earlier row of the chat holds the later ones, except a voice row in back-off.
    """
    with transaction(conn):
        return claim_in(conn, worker_id, now, lease_s)


def claim_in(
    conn: sqlite3.Connection, worker_id: str, now: datetime, lease_s: float
) -> InboxRow | None:
    """`claim` inside the caller's transaction (SQLite): the worker claims its next row
    in the transaction that marks the current one DONE (Worker's prefetch)."""
    ts = to_db(now)
    skew = to_db(now + timedelta(seconds=BACKOFF_MAX_S))
    r = conn.execute(
        "UPDATE inbox_queue SET status = 'CLAIMED', claimed_by = ?, lease_until = ?,"
        " attempts = attempts + 1, updated_at = ?"
        " WHERE id = ("
        "   SELECT q.id FROM inbox_queue q"
        "   WHERE q.status = 'NEW' AND (q.next_attempt_at <= ? OR q.next_attempt_at > ?)"
        "     AND NOT EXISTS (SELECT 1 FROM inbox_queue c"
        "                     WHERE c.chat_id = q.chat_id AND c.status = 'CLAIMED')"
        "     AND NOT EXISTS (SELECT 1 FROM inbox_queue e"
        "                     WHERE e.chat_id = q.chat_id AND e.status = 'NEW'"
        "                       AND e.id < q.id"
        "                       AND NOT (e.kind = 'voice' AND e.next_attempt_at > ?"
        "                                AND e.next_attempt_at <= ?))"
        "   ORDER BY q.next_attempt_at, q.id LIMIT 1)"
        " RETURNING *",
        (worker_id, to_db(now + timedelta(seconds=lease_s)), ts, ts, skew, ts, skew),
    ).fetchone()
    return _row(r)


def holds(conn: sqlite3.Connection, row: InboxRow, worker_id: str) -> bool:
    """True while `row` (as this worker claimed it) is still this worker's claim: a
    claim made inside a transaction that later rolled back is not."""
    r = conn.execute(
        "SELECT 1 FROM inbox_queue WHERE id = ? AND status = 'CLAIMED' AND claimed_by = ?"
        " AND attempts = ?",
        (row.id, worker_id, row.attempts),
    ).fetchone()
    return r is not None


@postgres_twin(PG)
def extend_lease(
    conn: sqlite3.Connection, row_id: int, worker_id: str, now: datetime, lease_s: float
) -> bool:
    with transaction(conn):
        cur = conn.execute(
            "UPDATE inbox_queue SET lease_until = ?, updated_at = ?"
            " WHERE id = ? AND status = 'CLAIMED' AND claimed_by = ?",
            (to_db(now + timedelta(seconds=lease_s)), to_db(now), row_id, worker_id),
        )
        return cur.rowcount == 1


@postgres_twin(PG)
def complete(conn: sqlite3.Connection, row_id: int, worker_id: str, now: datetime) -> bool:
    """CLAIMED -> DONE, only for the holder of the lease."""
    with transaction(conn):
        return complete_in(conn, row_id, worker_id, now)


@postgres_twin(PG, "complete")
def complete_in(conn: sqlite3.Connection, row_id: int, worker_id: str, now: datetime) -> bool:
    """`complete` inside the caller's transaction: a handler marks its row DONE in the
    transaction that writes its reply (registry.Context.mark_done)."""
    ts = to_db(now)
    cur = conn.execute(
        "UPDATE inbox_queue SET status = 'DONE', done_at = ?, updated_at = ?,"
        " lease_until = NULL, last_error = NULL"
        " WHERE id = ? AND status = 'CLAIMED' AND claimed_by = ?",
        (ts, ts, row_id, worker_id),
    )
    return cur.rowcount == 1


@postgres_twin(PG)
def fail(
    conn: sqlite3.Connection,
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
    with transaction(conn):
        r = conn.execute(
            "SELECT attempts, max_attempts FROM inbox_queue"
            " WHERE id = ? AND status = 'CLAIMED' AND claimed_by = ?",
            (row_id, worker_id),
        ).fetchone()
        if r is None:
            return None
        status, next_at = failure_outcome(int(r[0]), int(r[1]), retry, now)
        conn.execute(
            "UPDATE inbox_queue SET status = ?, last_error = ?, claimed_by = NULL,"
            " lease_until = NULL, next_attempt_at = ?, updated_at = ? WHERE id = ?",
            (status, error[:2000], next_at, ts, row_id),
        )
        return status


@postgres_twin(PG)
def defer(
    conn: sqlite3.Connection, row_id: int, worker_id: str, now: datetime, delay_s: float,
    error: str,
) -> bool:
    """Back to NEW after `delay_s`, the attempt not counted: waiting out an outage.

    A voice note whose ASR is down is not failing, it is early; the handler decides how
    long it may wait (ASR_RETRY_WINDOW_SEC), so WORKER_MAX_ATTEMPTS is left for real
    failures. The delay is capped at BACKOFF_MAX_S (a longer one reads as clock skew).
    """
    ts = to_db(now)
    with transaction(conn):
        cur = conn.execute(
            "UPDATE inbox_queue SET status = 'NEW', claimed_by = NULL, lease_until = NULL,"
            " attempts = MAX(0, attempts - 1), last_error = ?, next_attempt_at = ?,"
            " updated_at = ? WHERE id = ? AND status = 'CLAIMED' AND claimed_by = ?",
            (error[:2000], deferred_until(now, delay_s), ts, row_id, worker_id),
        )
        return cur.rowcount == 1


@postgres_twin(PG)
def release(conn: sqlite3.Connection, row_id: int, worker_id: str, now: datetime) -> bool:
    """Give a claimed row back untouched (on shutdown): the attempt is not counted."""
    ts = to_db(now)
    with transaction(conn):
        cur = conn.execute(
            "UPDATE inbox_queue SET status = 'NEW', claimed_by = NULL, lease_until = NULL,"
            " attempts = MAX(0, attempts - 1), next_attempt_at = ?, updated_at = ?"
            " WHERE id = ? AND status = 'CLAIMED' AND claimed_by = ?",
            (ts, ts, row_id, worker_id),
        )
        return cur.rowcount == 1


@postgres_twin(PG)
def reap_expired(conn: sqlite3.Connection, now: datetime) -> int:
    """Expired leases go back to NEW, or to FAILED when their attempts are spent."""
    ts = to_db(now)
    with transaction(conn):
        failed = conn.execute(
            "UPDATE inbox_queue SET status = 'FAILED', claimed_by = NULL, lease_until = NULL,"
            " last_error = COALESCE(last_error || ' | ', '') || 'lease expired (worker died?)',"
            " updated_at = ?"
            " WHERE status = 'CLAIMED' AND lease_until < ? AND attempts >= max_attempts",
            (ts, ts),
        ).rowcount
        back = conn.execute(
            "UPDATE inbox_queue SET status = 'NEW', claimed_by = NULL, lease_until = NULL,"
            " next_attempt_at = ?, updated_at = ?"
            " WHERE status = 'CLAIMED' AND lease_until < ?",
            (ts, ts, ts),
        ).rowcount
        return failed + back


@postgres_twin(PG)
def retry(conn: sqlite3.Connection, row_id: int, now: datetime) -> InboxRow:
    """Operator repair: a FAILED (or backing-off NEW) row becomes ready now."""
    ts = to_db(now)
    with transaction(conn):
        r = conn.execute("SELECT status FROM inbox_queue WHERE id = ?", (row_id,)).fetchone()
        check_retryable(row_id, r[0] if r is not None else None)
        if r[0] == "FAILED":
            _detach_notices(conn, "id = ?", (row_id,), ts)
        row = conn.execute(
            "UPDATE inbox_queue SET status = 'NEW', attempts = 0, next_attempt_at = ?,"
            " last_error = NULL, done_at = NULL, updated_at = ? WHERE id = ? RETURNING *",
            (ts, ts, row_id),
        ).fetchone()
        return InboxRow(**dict(row))


@postgres_twin(PG)
def retry_failed(conn: sqlite3.Connection, now: datetime) -> int:
    """Every FAILED row back to NEW, ready now, attempts reset: the worker runs it again."""
    ts = to_db(now)
    with transaction(conn):
        _detach_notices(conn, "status = 'FAILED'", (), ts)
        return conn.execute(
            "UPDATE inbox_queue SET status = 'NEW', attempts = 0, next_attempt_at = ?,"
            " last_error = NULL, done_at = NULL, updated_at = ? WHERE status = 'FAILED'",
            (ts, ts),
        ).rowcount


def _detach_notices(
    conn: sqlite3.Connection, where: str, args: tuple[Any, ...], ts: str
) -> None:
    """Unlink what a FAILED row already told the user ("sorry, that failed").

    The pipeline takes an outbox row for an inbox row as "answered, nothing to redo",
    so a retried row would otherwise go DONE without running. The notice stays in the
    outbox (sent or not) under a renamed dedup key, so the re-run's reply is not deduped.
    """
    conn.execute(
        "UPDATE outbox SET inbox_id = NULL,"
        " dedup_key = CASE WHEN dedup_key IS NULL THEN NULL"
        "                  ELSE dedup_key || ':failed-before:' || ? END"
        f" WHERE inbox_id IN (SELECT id FROM inbox_queue WHERE {where})",
        (ts, *args),
    )


@postgres_twin(PG)
def get(conn: sqlite3.Connection, row_id: int) -> InboxRow | None:
    return _row(conn.execute("SELECT * FROM inbox_queue WHERE id = ?", (row_id,)).fetchone())


@dataclass(frozen=True)
class QueueCounts:
    by_status: dict[str, int]
    oldest_new_at: str | None
    max_attempts_seen: int
    expired_leases: int


@postgres_twin(PG)
def counts(conn: sqlite3.Connection, now: datetime) -> QueueCounts:
    by = {s: 0 for s in ("NEW", "CLAIMED", "DONE", "FAILED")}
    for status, n in conn.execute("SELECT status, COUNT(*) FROM inbox_queue GROUP BY status"):
        by[status] = n
    oldest = conn.execute("SELECT MIN(created_at) FROM inbox_queue WHERE status = 'NEW'").fetchone()
    worst = conn.execute(
        # the OR of equalities, as migration 0018's partial index is written (IN would scan)
        "SELECT COALESCE(MAX(attempts), 0) FROM inbox_queue"
        " WHERE (status = 'NEW' OR status = 'CLAIMED')"
    ).fetchone()
    expired = conn.execute(
        "SELECT COUNT(*) FROM inbox_queue WHERE status = 'CLAIMED' AND lease_until < ?",
        (to_db(now),),
    ).fetchone()
    return QueueCounts(by, oldest[0], int(worst[0]), int(expired[0]))


@postgres_twin(PG)
def list_rows(
    conn: sqlite3.Connection, *, status: str | None = None, limit: int = 20
) -> list[InboxRow]:
    if status:
        rows = conn.execute(
            "SELECT * FROM inbox_queue WHERE status = ? ORDER BY id DESC LIMIT ?", (status, limit)
        )
    else:
        rows = conn.execute("SELECT * FROM inbox_queue ORDER BY id DESC LIMIT ?", (limit,))
    return [InboxRow(**dict(r)) for r in rows]


@postgres_twin(PG)
def voice_file_in_use(conn: sqlite3.Connection, file_path: str) -> bool:
    """True while a waiting or claimed voice row still needs this spooled file."""
    r = conn.execute(
        "SELECT 1 FROM inbox_queue WHERE kind = 'voice' AND (status = 'NEW' OR status = 'CLAIMED')"
        " AND json_extract(payload, '$.file_path') = ? LIMIT 1",
        (file_path,),
    ).fetchone()
    return r is not None
