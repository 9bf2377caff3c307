"""WAL checkpoints off the worker's thread (organizer.db.checkpoints, issue 19 / pge)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import wait_until
from organizer.db.checkpoints import AUTO_PAGES, SAFETY_PAGES, Checkpointer
from organizer.db.connect import open_db


def test_the_thread_checkpoints_and_the_commits_do_not(tmp_path: Path) -> None:
    """Before: every ~1000 pages a message's COMMIT ran the checkpoint and its two
    fsyncs itself (most of the worker's p99). Now the connection's commits checkpoint
    only past SAFETY_PAGES and the thread moves the log into the file meanwhile."""
    db = tmp_path / "a folder #1" / "c.db"  # the thread opens it by URI: quoted
    conn = open_db(db, create=True)
    conn.execute("CREATE TABLE t (b BLOB)")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = db.stat().st_size
    cp = Checkpointer.start(conn, every_s=0.05)
    assert cp is not None
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == SAFETY_PAGES
    conn.execute("INSERT INTO t VALUES (?)", (b"x" * 2_000_000,))  # ~500 pages, in the log
    # the file grows only when a checkpoint copies the log into it: the thread's doing
    assert wait_until(lambda: db.stat().st_size > size + 1_000_000, timeout=5)
    cp.close()
    assert not cp.thread.is_alive()
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == AUTO_PAGES
    conn.close()


def test_nothing_to_take_without_a_wal_file(tmp_path: Path) -> None:
    mem = sqlite3.connect(":memory:")
    assert Checkpointer.start(mem) is None
    plain = sqlite3.connect(tmp_path / "d.db")  # rollback journal, not WAL
    assert Checkpointer.start(plain) is None
    mem.close()
    plain.close()
