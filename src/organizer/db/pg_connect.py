"""Opening PostgreSQL (DB_URL=postgresql://…): one connection, or a pool of them.

psycopg is imported here and only here, inside the functions: SQLite installs and the
operator commands never pay for it. Connections are in autocommit mode, like the SQLite
ones (organizer.db.connect), so every state change is an explicit, short
`conn.transaction()`; a nested one is a SAVEPOINT, which is how a caller folds a queue
call into its own transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from organizer.dburl import redact
from organizer.errors import DatabaseError

if TYPE_CHECKING:
    import psycopg
    import psycopg_pool

CONNECT_TIMEOUT_S = 10
APP_NAME = "organizer"


def _kwargs() -> dict[str, Any]:
    return {"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S,
            "application_name": APP_NAME}


def open_pg(url: str) -> psycopg.Connection[Any]:
    """One autocommit connection; a refused or unreachable server is one DatabaseError line."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        raise DatabaseError(
            "DB_URL is postgresql://… but psycopg is not installed",
            "pip install 'psycopg[binary]' psycopg-pool in organizer's virtual environment",
        ) from None
    try:
        return psycopg.connect(url, **_kwargs())
    except psycopg.Error as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise DatabaseError(
            f"cannot connect to PostgreSQL at {redact(url)}: {first}",
            "check DB_URL (host, port, user, password, database) and that the server runs",
        ) from None


def open_pool(url: str, *, min_size: int = 1, max_size: int = 4) -> psycopg_pool.ConnectionPool:
    """A pool for a threaded service: each thread borrows a connection per unit of work
    (`with pool.connection() as conn`), so N threads need not hold N idle sessions."""
    import psycopg_pool

    pool = psycopg_pool.ConnectionPool(
        url, min_size=min_size, max_size=max_size, kwargs=_kwargs(), open=False,
        name=APP_NAME,
    )
    try:
        pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
    except psycopg_pool.PoolTimeout:
        pool.close()
        raise DatabaseError(
            f"cannot connect to PostgreSQL at {redact(url)} (pool timed out)",
            "check DB_URL and that the server runs",
        ) from None
    return pool


def has_table(conn: psycopg.Connection[Any], name: str) -> bool:
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()
    return bool(row and row[0])
