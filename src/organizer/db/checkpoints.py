"""WAL checkpoints on a thread of their own, off the worker's thread (SQLite only).

SQLite checkpoints inside the COMMIT that takes the write-ahead log past
`wal_autocheckpoint` pages: with `synchronous=NORMAL` that commit also syncs the log
and the database file, so about one message in fifty paid two fsyncs (2–25 ms on this
box's disk) while every other COMMIT took ≈ 40 µs — most of a worker's p99 (issue 19).
While a Checkpointer runs, a daemon thread with its own connection runs the same
PASSIVE checkpoint every `every_s` (it never blocks a writer or a reader; the sqlite3
module lets go of the GIL while it syncs), and the worker's connection checkpoints only
past SAFETY_PAGES (should the thread fall behind or fail, the log stays bounded).
Closing it gives the connection SQLite's default back. Other processes (the bot, the
API) keep their own automatic checkpoints.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path
from urllib.parse import quote

from organizer.db.dialect import is_postgres

log = logging.getLogger(__name__)

EVERY_S = 0.5
AUTO_PAGES = 1000  # SQLite's default wal_autocheckpoint, given back on close
SAFETY_PAGES = 20_000  # ≈ 80 MB of log: the commits checkpoint only past this


class Checkpointer:
    def __init__(self, conn: sqlite3.Connection, path: Path, every_s: float) -> None:
        self.conn, self.path, self.every_s = conn, path, every_s
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="checkpoint", daemon=True)

    @classmethod
    def start(cls, conn: sqlite3.Connection, every_s: float = EVERY_S) -> Checkpointer | None:
        """Take checkpoints off `conn`; None where there is nothing to take (PostgreSQL,
        an in-memory or read-only database, a journal mode other than WAL)."""
        if is_postgres(conn):
            return None
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        path = next((r[2] for r in conn.execute("PRAGMA database_list") if r[1] == "main"), "")
        if str(mode).lower() != "wal" or not path:
            return None
        self = cls(conn, Path(path), every_s)
        conn.execute(f"PRAGMA wal_autocheckpoint = {SAFETY_PAGES}")
        self.thread.start()
        return self

    def _loop(self) -> None:
        try:
            # mode=rw: a file gone meanwhile is an error, never a new empty database
            own = sqlite3.connect(f"file:{quote(str(self.path))}?mode=rw", uri=True,
                                  isolation_level=None, check_same_thread=False)
        except sqlite3.Error as e:  # the commits' SAFETY_PAGES bound the log
            log.warning("checkpoint thread cannot open %s: %s", self.path, e)
            return
        try:
            while not self.stop.wait(self.every_s):
                try:
                    own.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error as e:  # busy or I/O: the next turn tries again
                    log.warning("WAL checkpoint failed: %s", e)
        finally:
            own.close()

    def close(self) -> None:
        """Stop the thread (after its checkpoint in progress) and give checkpoints back
        to the connection (still open: call it before closing the connection)."""
        self.stop.set()
        self.thread.join(timeout=10)
        self.conn.execute(f"PRAGMA wal_autocheckpoint = {AUTO_PAGES}")
