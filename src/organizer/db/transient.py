"""Errors that are no message's fault: PostgreSQL gave up one transaction to free another.

On PostgreSQL two transactions that wait on each other's row locks end in a deadlock
(SQLSTATE 40P01), and a SERIALIZABLE one may lose a conflict (40001); the server rolls
back one of them, and the same work done again at once succeeds. organizer.db.pg_compat
raises both as sqlite3.OperationalError with the psycopg error as `__cause__`. SQLite's
single writer never produces them (its "database is locked" waits out busy_timeout).
"""

from __future__ import annotations

import sqlite3

DEADLOCK = "40P01"
SERIALIZATION_FAILURE = "40001"
TRANSIENT_SQLSTATES = frozenset({DEADLOCK, SERIALIZATION_FAILURE})


def is_transient(e: BaseException) -> bool:
    """True for a deadlock or serialization failure: retry the whole transaction."""
    if not isinstance(e, sqlite3.OperationalError):
        return False
    return getattr(e.__cause__, "sqlstate", None) in TRANSIENT_SQLSTATES
