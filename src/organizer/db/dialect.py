"""Which store a connection talks to, and the hand-over to a module's PostgreSQL twin.

Most of organizer.db's SQL is written once: both engines agree on it, and
organizer.db.pg_compat gives a PostgreSQL connection sqlite3's shape. Where they do not
agree (the queue's claims, `group_concat`, `julianday`, the catalogue tables), a function
either asks `is_postgres(conn)` for one statement, or is handed whole to its twin in a
`pg_*` module with `@postgres_twin("organizer.db.pg_queue")`.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any, TypeVar

SQLITE = "sqlite"
POSTGRESQL = "postgresql"

F = TypeVar("F", bound=Callable[..., Any])


def dialect(conn: object) -> str:
    """'postgresql' for organizer.db.pg_compat's connection, else 'sqlite'."""
    return getattr(conn, "dialect", SQLITE)


def is_postgres(conn: object) -> bool:
    return getattr(conn, "dialect", SQLITE) == POSTGRESQL


def postgres_twin(module: str, name: str | None = None) -> Callable[[F], F]:
    """On a PostgreSQL connection, call `module.name` (default: the same name) with the
    raw psycopg connection instead; on SQLite, the decorated function itself."""

    def wrap(fn: F) -> F:
        attr = name or fn.__name__

        @functools.wraps(fn)
        def call(conn: Any, *args: Any, **kwargs: Any) -> Any:
            if getattr(conn, "dialect", SQLITE) == POSTGRESQL:
                twin = getattr(importlib.import_module(module), attr)
                return twin(conn.raw, *args, **kwargs)
            return fn(conn, *args, **kwargs)

        return call  # type: ignore[return-value]

    return wrap
