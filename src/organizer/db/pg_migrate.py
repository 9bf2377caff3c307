"""Migrations on PostgreSQL: migrations/postgres/NNNN_*.sql, the same version numbers
as the SQLite files in migrations/, each applied once in its own transaction, by checksum.

The bookkeeping (schema_migrations, meta.instance_id) and the rules (an edited applied
file is refused) are those of organizer.db.migrate; only the SQL dialect differs.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from organizer.db.migrate import Migration, SchemaState, _migrations_dir, load_migrations
from organizer.db.pg_connect import has_table
from organizer.errors import SchemaError
from organizer.model import to_db, utcnow

if TYPE_CHECKING:
    import psycopg

# pg_advisory_lock key: two `organizer migrate` runs at once apply each file once.
MIGRATE_LOCK = 0x6F7267_6D6967  # "org" "mig"


def migrations_dir() -> Path:
    return _migrations_dir() / "postgres"


def load_pg_migrations() -> tuple[Migration, ...]:
    return load_migrations(migrations_dir())


def _ensure_table(conn: psycopg.Connection[Any]) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL,"
        " applied_at TEXT NOT NULL)"
    )


def state(
    conn: psycopg.Connection[Any], migrations: tuple[Migration, ...] | None = None
) -> SchemaState:
    """Compare the applied migrations with the code's, refusing edited ones."""
    migrations = load_pg_migrations() if migrations is None else migrations
    applied: dict[int, str] = {}
    if has_table(conn, "schema_migrations"):
        applied = dict(conn.execute("SELECT version, sha256 FROM schema_migrations").fetchall())
    for m in migrations:
        if m.version in applied and applied[m.version] != m.sha256:
            raise SchemaError(
                f"migration postgres/{m.version:04d}_{m.name}.sql was edited after it was "
                "applied (checksum differs)",
                "restore the original file and add a new numbered migration instead",
            )
    instance = None
    if has_table(conn, "meta"):
        row = conn.execute("SELECT value FROM meta WHERE key = 'instance_id'").fetchone()
        instance = row[0] if row else None
    return SchemaState(
        version=max(applied, default=0),
        latest=max((m.version for m in migrations), default=0),
        pending=tuple(m for m in migrations if m.version not in applied),
        instance_id=instance,
    )


def migrate(
    conn: psycopg.Connection[Any], on_progress: Callable[[int, int], None] | None = None
) -> list[Migration]:
    """Apply every pending migration (one transaction each); returns what was applied.

    `on_progress(files done, files)`: psycopg runs a parameterless script in one call.
    """
    migrations = load_pg_migrations()
    conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATE_LOCK,))
    try:
        _ensure_table(conn)
        todo = state(conn, migrations).pending
        for done, m in enumerate(todo, start=1):
            with conn.transaction():
                conn.execute(m.sql.encode("utf-8"))  # bytes: no %-placeholder parsing
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, sha256, applied_at)"
                    " VALUES (%s, %s, %s, %s)",
                    (m.version, m.name, m.sha256, to_db(utcnow())),
                )
            if on_progress is not None:
                on_progress(done, len(todo))
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('instance_id', %s)"
            " ON CONFLICT (key) DO NOTHING",
            (uuid.uuid4().hex,),
        )
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATE_LOCK,))
    return list(todo)
