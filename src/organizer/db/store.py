"""Opening the store DB_URL names: the SQLite file, or a PostgreSQL database.

Either way the caller gets a connection with sqlite3's shape (organizer.db.pg_compat
for PostgreSQL), in autocommit mode, so the modules in organizer.db serve both. psycopg
is imported only when DB_URL says postgresql://.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from organizer import dburl
from organizer.db.connect import open_db, require_schema
from organizer.db.migrate import SchemaState, check_current, require_current
from organizer.dburl import redact
from organizer.errors import DatabaseError

if TYPE_CHECKING:
    from organizer.config import Settings
    from organizer.db.pg_compat import CompatConnection

    Conn = sqlite3.Connection | CompatConnection


def where(settings: Settings) -> str:
    """What the logs and errors name: the SQLite file, or the URL without its password."""
    if settings.store == dburl.SQLITE:
        return str(settings.db_path)
    return redact(settings.db_url)


def open_store(settings: Settings, *, readonly: bool = False) -> Conn:
    """A connection to DB_URL's store; a PostgreSQL one read-only when asked."""
    if settings.store == dburl.SQLITE:
        return open_db(settings.db_path, readonly=readonly)
    from organizer.db.pg_compat import CompatConnection
    from organizer.db.pg_connect import open_pg

    raw = open_pg(settings.db_url)
    if readonly:
        raw.execute("SET default_transaction_read_only = on")
    return CompatConnection(raw)


def require_tables(conn: Conn, settings: Settings) -> None:
    """Fail in one line when the store is empty or was never migrated."""
    if settings.store == dburl.SQLITE:
        require_schema(conn, settings.db_path)  # type: ignore[arg-type]
        return
    from organizer.db.pg_connect import has_table

    if not has_table(conn.raw, "inbox_queue"):  # type: ignore[union-attr]
        raise DatabaseError(
            f"{redact(settings.db_url)} has no organizer tables (empty or never migrated)",
            "run `organizer migrate` with this DB_URL, or fix DB_URL",
        )


def require_current_store(conn: Conn, settings: Settings) -> SchemaState:
    """What every long-running service calls before READY=1, on either store."""
    if settings.store == dburl.SQLITE:
        return require_current(conn, settings.db_path)  # type: ignore[arg-type]
    from organizer.db import pg_migrate

    return check_current(pg_migrate.state(conn.raw), redact(settings.db_url),  # type: ignore[union-attr]
                         "run `organizer migrate` with this DB_URL")


def store_lost(conn: object) -> bool:
    """PostgreSQL closed our connection (a server restart, a failover, an operator's
    pg_terminate_backend): every later statement fails, so a service exits and its
    manager (systemd's Restart=always) starts it on a new one. An SQLite file is never
    lost so."""
    raw = getattr(conn, "raw", None)
    return raw is not None and bool(getattr(raw, "closed", False))
