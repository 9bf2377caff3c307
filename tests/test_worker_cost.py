"""Issue 19, per-message cost: the row's DONE commits with its reply (one transaction less),
a lost lease rolls the reply back, and the repeated reads of one message are gone."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest

from conftest import ORGANIZER, make_env, wait_until
from fixtures.pipeline import Pipe
from organizer.db import queue
from organizer.model import to_db, utcnow
from organizer.registry import Context, LeaseLost
from organizer.worker import Worker


def _traced(pipe: Pipe, text: str) -> tuple[int, list[str]]:
    row_id = pipe.enqueue("text", {"text": text, "message_id": 1, "lang": None})
    seen: list[str] = []
    pipe.conn.set_trace_callback(lambda sql: seen.append(" ".join(sql.split())))
    try:
        assert pipe.worker.step(pipe.now)
    finally:
        pipe.conn.set_trace_callback(None)
    return row_id, seen


def test_a_text_message_is_claimed_and_answered_in_two_transactions(pipe: Pipe) -> None:
    """Claim, then one transaction with the item, the reply and DONE (was three)."""
    pipe.say("купить хлеб")  # the chat's first message: its settings rows are made
    row_id, seen = _traced(pipe, "завтра в 15 встреча с Петей")
    assert queue.get(pipe.conn, row_id).status == "DONE"  # type: ignore[union-attr]
    assert len(pipe.outbox_for(row_id)) == 1
    begins = [s for s in seen if s.startswith("BEGIN")]
    assert len(begins) == 2, seen
    # DONE is written in the transaction that writes the reply, after it
    last = seen[seen.index(begins[1]):]
    outbox_at = next(i for i, s in enumerate(last) if s.startswith("INSERT INTO outbox"))
    done_at = next(i for i, s in enumerate(last) if "status = 'DONE'" in s)
    assert outbox_at < done_at < len(last) - 1 and last[-1] == "COMMIT"


def test_repeated_reads_of_one_message_are_gone(pipe: Pipe) -> None:
    """A dated task: the chat's settings row read once by the turn and once by the
    reminders' hook (was four times), its open question and agenda day once (was twice)."""
    pipe.say("купить хлеб")
    _, seen = _traced(pipe, "завтра в 10 купить молоко")
    assert sum(1 for s in seen if s.startswith("SELECT") and "FROM users" in s) == 2, seen
    assert not any(s.startswith("INSERT INTO users") for s in seen), seen  # the row exists
    assert sum(1 for s in seen if s.startswith("SELECT * FROM clarify")) == 1, seen
    agenda_day = [s for s in seen if "kind = 'agenda'" in s and "local_date = " in s]
    assert agenda_day == [], seen  # today's PENDING agenda row was already in hand


@pytest.mark.stores
def test_a_lost_lease_rolls_the_reply_back_and_the_holder_answers_once(pipe: Pipe) -> None:
    """Reaped mid-handler and claimed by another worker: nothing of the first commits
    (no reply without DONE), and the holder's run answers it exactly once."""
    row_id = pipe.enqueue("text", {"text": "купить молоко", "message_id": 1, "lang": None})
    handle_text = pipe.worker.plugins.handlers["text"]
    stolen: list[bool] = []

    def steal_then_handle(ctx: Context, row: object) -> None:
        # another worker took the row (its lease was reaped) while this one was parsing
        pipe.conn.execute(
            "UPDATE inbox_queue SET claimed_by = 'other', lease_until = ? WHERE id = ?",
            (to_db(pipe.now + timedelta(minutes=1)), row_id),
        )
        stolen.append(True)
        try:
            handle_text(ctx, row)  # type: ignore[arg-type]
        except LeaseLost:
            stolen.append(False)
            raise

    first = Worker(pipe.settings, pipe.conn, pipe.worker.plugins, worker_id="first")
    first.plugins.handlers["text"] = steal_then_handle
    try:
        assert first.step(pipe.now)
    finally:
        first.plugins.handlers["text"] = handle_text
    assert stolen == [True, False]
    assert pipe.outbox_for(row_id) == []
    assert pipe.items() == []
    row = queue.get(pipe.conn, row_id)
    assert row is not None and row.status == "CLAIMED" and row.claimed_by == "other"
    assert first.processed == 0
    # the holder's lease runs out; the reaper gives the row back and it is answered once
    later = pipe.now + timedelta(minutes=5)
    assert queue.reap_expired(pipe.conn, later) == 1
    assert Worker(pipe.settings, pipe.conn, pipe.worker.plugins, worker_id="second").step(later)
    assert queue.get(pipe.conn, row_id).status == "DONE"  # type: ignore[union-attr]
    assert len(pipe.outbox_for(row_id)) == 1 and len(pipe.items()) == 1


def test_the_agenda_reads_a_chats_series_in_one_query(pipe: Pipe) -> None:
    """"что у меня завтра" with one or four weekly series: the items read by id do not
    grow with the series (they were read one query per series per day)."""

    def by_id_reads() -> int:
        _, seen = _traced(pipe, "что у меня на этой неделе")
        return sum(1 for s in seen if s.startswith("SELECT") and "FROM items WHERE id =" in s)

    pipe.say("каждый день в 9 зарядка")
    one = by_id_reads()
    for text in ("каждый день в 10 планёрка", "каждый день в 12 обед", "каждый день в 18 спорт"):
        pipe.say(text)
    assert by_id_reads() == one


def _reply_without_done_or_done_without_reply(conn: sqlite3.Connection) -> tuple[int, int]:
    has_reply = "EXISTS (SELECT 1 FROM outbox o WHERE o.inbox_id = q.id AND o.kind = 'send')"
    done_alone = conn.execute(
        f"SELECT COUNT(*) FROM inbox_queue q WHERE status = 'DONE' AND NOT {has_reply}"
    ).fetchone()[0]
    reply_alone = conn.execute(
        f"SELECT COUNT(*) FROM inbox_queue q WHERE status != 'DONE' AND {has_reply}"
    ).fetchone()[0]
    return int(done_alone), int(reply_alone)


@pytest.mark.stores
def test_sigkilled_workers_never_leave_a_reply_without_done(
    conn: sqlite3.Connection, db_path: Path, db_url: str, tmp_path: Path
) -> None:
    """`organizer worker` SIGKILLed three times during a burst: at every kill, no row is
    DONE without its reply and no reply stands beside a row not DONE (they commit
    together now); at the end every message is answered exactly once."""
    n = 120
    for i in range(n):
        queue.enqueue(conn, message_key=f"burst:{i}", chat_id=500 + i % 20, kind="text",
                      payload={"text": f"купить молоко {i}", "message_id": i, "lang": None},
                      now=utcnow())  # fmt: skip
    env = make_env(db_path, db_url, CALENDAR_BACKEND="none", WORKER_LEASE_SEC="1")
    log = (tmp_path / "worker.log").open("ab")

    def done() -> int:
        return int(conn.execute(
            "SELECT COUNT(*) FROM inbox_queue WHERE status = 'DONE'").fetchone()[0])  # fmt: skip

    try:
        for kill in range(3):
            worker = subprocess.Popen([ORGANIZER, "worker"], env=env, stdout=log,
                                      stderr=subprocess.STDOUT)  # fmt: skip
            before = done()
            wait_until(lambda b=before: done() >= min(n, b + 15), timeout=30)
            time.sleep(0.01 * kill)  # somewhere inside the next message
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
            assert _reply_without_done_or_done_without_reply(conn) == (0, 0)
        worker = subprocess.Popen([ORGANIZER, "worker"], env=env, stdout=log,
                                  stderr=subprocess.STDOUT)  # fmt: skip
        try:
            wait_until(lambda: done() == n, timeout=60)
        finally:
            worker.terminate()
            assert worker.wait(timeout=15) == 0
    finally:
        log.close()
    replies = conn.execute(
        "SELECT COUNT(*) FROM inbox_queue q WHERE (SELECT COUNT(*) FROM outbox o"
        " WHERE o.inbox_id = q.id AND o.kind = 'send') != 1"
    ).fetchone()[0]
    assert replies == 0
    assert _reply_without_done_or_done_without_reply(conn) == (0, 0)


def _prefetching(pipe: Pipe) -> Worker:
    """The worker as `organizer worker` makes it (the next claim rides in the DONE commit)."""
    return Worker(pipe.settings, pipe.conn, pipe.worker.plugins, worker_id="service",
                  prefetch=True)  # fmt: skip


def test_the_service_claims_the_next_row_in_the_commit_of_the_last(pipe: Pipe) -> None:
    """Issue 19: with a message waiting, a text message costs one transaction (was two:
    its claim was a commit of its own); every message still answered once, in order."""
    pipe.say("купить хлеб")  # the chat's settings rows exist
    worker = _prefetching(pipe)
    ids = [pipe.enqueue("text", {"text": f"купить молоко {i}", "message_id": i, "lang": None},
                        chat_id=300 + i % 2) for i in range(3)]  # fmt: skip
    assert worker.step(pipe.now)  # claims the first, and the second beside its DONE
    second = queue.get(pipe.conn, ids[1])
    assert second is not None and second.status == "CLAIMED" and second.claimed_by == "service"
    seen: list[str] = []
    pipe.conn.set_trace_callback(lambda sql: seen.append(sql))
    try:
        assert worker.step(pipe.now)
    finally:
        pipe.conn.set_trace_callback(None)
    assert sum(1 for s in seen if s.startswith("BEGIN")) == 1, seen
    assert worker.step(pipe.now)  # the last: nothing left to claim beside its DONE
    assert not worker.step(pipe.now)
    for row_id in ids:
        row = queue.get(pipe.conn, row_id)
        assert row is not None and row.status == "DONE" and row.attempts == 1
        assert len(pipe.outbox_for(row_id)) == 1


def test_a_prefetched_row_is_given_back_untouched_when_the_worker_stops(pipe: Pipe) -> None:
    """Stopping with the next row claimed: it goes back to NEW, its attempt not counted,
    so its chat does not wait for the lease to lapse."""
    worker = _prefetching(pipe)
    first = pipe.enqueue("text", {"text": "купить хлеб", "message_id": 1, "lang": None})
    second = pipe.enqueue("text", {"text": "купить сыр", "message_id": 2, "lang": None})
    assert worker.step(pipe.now)
    assert queue.get(pipe.conn, first).status == "DONE"  # type: ignore[union-attr]
    worker.release_next(pipe.now)
    row = queue.get(pipe.conn, second)
    assert row is not None and row.status == "NEW" and row.claimed_by is None
    assert row.attempts == 0
    assert pipe.worker.step(pipe.now)  # any worker takes it at once
    assert queue.get(pipe.conn, second).status == "DONE"  # type: ignore[union-attr]


def test_a_prefetched_claim_rolled_back_with_its_transaction_is_claimed_afresh(
    pipe: Pipe,
) -> None:
    """A handler that fails after marking DONE, before its commit: the claim made beside
    that DONE rolls back with it, the worker drops it, and the next step claims as usual
    (the row is answered once, its one attempt counted once)."""
    from organizer.db.connect import transaction

    def done_then_fail(ctx: Context, row: object) -> None:
        with transaction(ctx.conn):
            ctx.mark_done()
            raise RuntimeError("after DONE, before the commit")

    worker = _prefetching(pipe)
    worker.plugins.handlers["boom"] = done_then_fail
    try:
        first = pipe.enqueue("boom", {}, chat_id=901)
        second = pipe.enqueue("text", {"text": "купить сыр", "message_id": 2, "lang": None},
                              chat_id=902)  # fmt: skip
        assert worker.step(pipe.now)
        assert queue.get(pipe.conn, first).status == "NEW"  # type: ignore[union-attr]
        assert queue.get(pipe.conn, second).status == "NEW"  # type: ignore[union-attr]
        assert worker.step(pipe.now)
    finally:
        del worker.plugins.handlers["boom"]
    row = queue.get(pipe.conn, second)
    assert row is not None and row.status == "DONE" and row.attempts == 1
    assert len(pipe.outbox_for(second)) == 1


def test_sigterm_mid_burst_leaves_no_row_claimed(
    conn: sqlite3.Connection, db_path: Path, db_url: str, tmp_path: Path
) -> None:
    """`organizer worker` stopped during a backlog (it holds the next row's claim beside
    each DONE): the held row goes back to NEW untouched, nothing waits for a lease."""
    for i in range(400):
        queue.enqueue(conn, message_key=f"term:{i}", chat_id=700 + i % 10, kind="text",
                      payload={"text": f"купить сыр {i}", "message_id": i, "lang": None},
                      now=utcnow())  # fmt: skip
    env = make_env(db_path, db_url, CALENDAR_BACKEND="none")
    with (tmp_path / "worker.log").open("ab") as log:
        worker = subprocess.Popen([ORGANIZER, "worker"], env=env, stdout=log,
                                  stderr=subprocess.STDOUT)  # fmt: skip
        try:
            wait_until(lambda: conn.execute(
                "SELECT COUNT(*) FROM inbox_queue WHERE status = 'DONE'").fetchone()[0] >= 20,
                timeout=30)  # fmt: skip
        finally:
            worker.terminate()
            assert worker.wait(timeout=15) == 0
    left = conn.execute(
        "SELECT COUNT(*) FROM inbox_queue WHERE status = 'CLAIMED'"
        " OR (status = 'NEW' AND attempts > 0)"
    ).fetchone()[0]
    assert left == 0
