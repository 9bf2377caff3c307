"""Numbered SQL migrations, each applied once in its own transaction, by checksum."""

from __future__ import annotations

import hashlib
import re
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from organizer.db.connect import transaction
from organizer.errors import SchemaError
from organizer.model import to_db, utcnow

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands relative to the code."""

    version: int
    latest: int
    pending: tuple[Migration, ...]
    instance_id: str | None


def _migrations_dir() -> Path:
    # Installed wheel: organizer/migrations. Editable checkout: <root>/migrations.
    # A plain path, not importlib.resources: organizer is a regular package on disk, and
    # importing importlib.resources cost every operator command about 2 ms.
    package = Path(__file__).resolve().parents[1]
    packaged = package / "migrations"
    if packaged.is_dir():
        return packaged
    return package.parents[1] / "migrations"


def load_migrations(folder: Path | None = None) -> tuple[Migration, ...]:
    folder = folder or _migrations_dir()
    found = []
    for path in sorted(folder.glob("*.sql")):
        m = _NAME.match(path.name)
        if not m:
            raise SchemaError(f"migration file {path.name} is not named NNNN_name.sql", "rename it")
        found.append(Migration(int(m.group(1)), m.group(2), path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise SchemaError("two migration files share a number", f"renumber in {folder}")
    return tuple(found)


def _ensure_table(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL,"
        " applied_at TEXT NOT NULL)"
    )


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None


def state(conn: sqlite3.Connection, migrations: tuple[Migration, ...] | None = None) -> SchemaState:
    """Compare the applied migrations with the code's, refusing edited ones."""
    migrations = load_migrations() if migrations is None else migrations
    applied: dict[int, str] = {}
    if _has_table(conn, "schema_migrations"):
        applied = {
            r[0]: r[1] for r in conn.execute("SELECT version, sha256 FROM schema_migrations")
        }
    for m in migrations:
        if m.version in applied and applied[m.version] != m.sha256:
            raise SchemaError(
                f"migration {m.version:04d}_{m.name}.sql was edited after it was applied "
                "(checksum differs)",
                "restore the original file and add a new numbered migration instead",
            )
    pending = tuple(m for m in migrations if m.version not in applied)
    instance = None
    if _has_table(conn, "meta"):
        row = conn.execute("SELECT value FROM meta WHERE key = 'instance_id'").fetchone()
        instance = row[0] if row else None
    return SchemaState(
        version=max(applied, default=0),
        latest=max((m.version for m in migrations), default=0),
        pending=pending,
        instance_id=instance,
    )


def pending(conn: sqlite3.Connection) -> tuple[Migration, ...]:
    """What `migrate` would apply (creates only the bookkeeping table)."""
    _ensure_table(conn)
    return state(conn).pending


def migrate(
    conn: sqlite3.Connection, on_progress: Callable[[int, int], None] | None = None
) -> list[Migration]:
    """Apply every pending migration; returns what was applied.

    `on_progress(statements done, statements)` after each statement: a migration that
    rewrites many rows is one long statement, and this is where it shows.
    """
    migrations = load_migrations()
    _ensure_table(conn)
    todo = state(conn, migrations).pending
    scripts = [_statements(m.sql) for m in todo]
    total = sum(len(s) for s in scripts)
    done = 0
    for m, statements in zip(todo, scripts, strict=True):
        with transaction(conn):
            # executescript would COMMIT on its own; run statements one by one instead.
            for statement in statements:
                conn.execute(statement)
                done += 1
                if on_progress is not None:
                    on_progress(done, total)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, sha256, applied_at)"
                " VALUES (?, ?, ?, ?)",
                (m.version, m.name, m.sha256, to_db(utcnow())),
            )
    with transaction(conn):
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('instance_id', ?)",
            (uuid.uuid4().hex,),
        )
    return list(todo)


def _statements(sql: str) -> list[str]:
    """Split a script into complete statements (sqlite3.complete_statement knows triggers)."""
    out, buf = [], ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf)
            buf = ""
    if buf.strip() and not all(
        ln.strip().startswith("--") or not ln.strip() for ln in buf.splitlines()
    ):
        raise SchemaError("migration ends with an incomplete statement", "add the missing ';'")
    return out


def require_current(conn: sqlite3.Connection, path: Path) -> SchemaState:
    """What every long-running service calls before READY=1."""
    return check_current(state(conn), str(path), f"run `organizer migrate` with DB_PATH={path}")


def check_current(st: SchemaState, where: str, fix: str) -> SchemaState:
    """`st` when the database `where` is migrated and current; else one SchemaError line
    (both stores: `where` is the file or the password-less URL)."""
    if st.version == 0:
        raise SchemaError(f"database {where} has no organizer schema", fix)
    if st.pending:
        names = ", ".join(f"{m.version:04d}_{m.name}" for m in st.pending)
        raise SchemaError(f"database {where} is behind the code (pending: {names})", fix)
    return st
