"""Opening the one SQLite file, and the transaction helpers (all of them live here)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from organizer.db.dialect import is_postgres
from organizer.errors import DatabaseError

BUSY_TIMEOUT_MS = 10_000


def open_db(path: Path, *, readonly: bool = False, create: bool = False) -> sqlite3.Connection:
    """Open `path` in autocommit mode with WAL, busy_timeout and foreign keys.

    Without `create`, a missing file is an error instead of a new empty database:
    that is how "migrated one file, services read another" gets caught.
    """
    path = Path(path).absolute()
    if create:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise DatabaseError(
                f"cannot create folder {path.parent}: {e.strerror}",
                "choose a writable DB_PATH or create the folder with the right owner",
            ) from None
        mode = "rwc"
    else:
        if not path.exists():
            raise DatabaseError(
                f"database {path} does not exist",
                f"run `organizer migrate --create` with DB_PATH={path}, or fix DB_PATH",
            )
        if path.is_dir():
            raise DatabaseError(
                f"DB_PATH {path} is a directory, not a database file",
                f"set DB_PATH to the database file, e.g. DB_PATH={path / 'organizer.db'}",
            )
        mode = "ro" if readonly else "rw"
    uri = f"file:{quote(str(path))}?mode={mode}"
    try:
        conn = sqlite3.connect(
            uri,
            uri=True,
            isolation_level=None,
            timeout=BUSY_TIMEOUT_MS / 1000,
            check_same_thread=False,
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # fails early on non-DBs
    except sqlite3.DatabaseError as e:
        raise _explain(path, e) from None
    return conn


def _explain(path: Path, e: sqlite3.DatabaseError) -> DatabaseError:
    text = str(e)
    if "not a database" in text or "file is encrypted" in text:
        return DatabaseError(
            f"{path} is not an SQLite database",
            "point DB_PATH at the organizer database (or restore it from a backup)",
        )
    if "readonly" in text or "read-only" in text:
        return DatabaseError(
            f"{path} is read-only for this user",
            "run as the service user, or fix the file's and its folder's permissions",
        )
    if "unable to open" in text:
        return DatabaseError(
            f"cannot open {path}: {text}",
            "check that the file and its folder exist and are readable by this user",
        )
    return DatabaseError(f"database error on {path}: {text}", "see `organizer diag db`")


def require_schema(conn: sqlite3.Connection, path: Path) -> None:
    """Fail in one line when `path` is empty or was never migrated (no organizer tables)."""
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'inbox_queue'"
    ).fetchone()
    if row is None:
        raise DatabaseError(
            f"{Path(path).absolute()} has no organizer tables (empty or never migrated)",
            "run `organizer migrate` with this DB_PATH, or fix DB_PATH to point at the database",
        )


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any exception.

    IMMEDIATE takes the write lock up front so two writers never deadlock on upgrade.
    On PostgreSQL (organizer.db.pg_compat) it is a plain BEGIN: READ COMMITTED, with
    row locks and the queue's per-chat lock in place of SQLite's single writer.
    """
    conn.execute("BEGIN" if is_postgres(conn) else "BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


@contextmanager
def joined_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """The caller's transaction when it holds one, else a `transaction` of our own.

    For hooks that run both inside a handler's transaction and on their own.
    """
    if conn.in_transaction:
        yield conn
    else:
        with transaction(conn):
            yield conn


@contextmanager
def savepoint(conn: sqlite3.Connection, name: str) -> Iterator[None]:
    """A SAVEPOINT inside the caller's transaction; on an exception it rolls back to it
    and re-raises (the caller decides what the failure means), always released."""
    conn.execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        conn.execute(f"ROLLBACK TO {name}")
        raise
    finally:
        conn.execute(f"RELEASE {name}")
