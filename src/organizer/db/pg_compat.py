"""SQL written once for both stores: a PostgreSQL connection shaped like sqlite3's.

`CompatConnection` takes SQLite's `?` placeholders, returns rows readable by position
and by name (like sqlite3.Row), reports `rowcount` and `in_transaction`, and raises
sqlite3's exception classes (the original psycopg error chained as `__cause__`). So the
modules in organizer.db run unchanged on either store where the dialects agree; where
they do not, the module asks `organizer.db.dialect.is_postgres(conn)` or hands the call
to its `pg_*` twin (`organizer.db.dialect.postgres_twin`).

Transactions: the connection is in autocommit mode like the SQLite one, and
`organizer.db.connect.transaction` opens a READ COMMITTED transaction (PostgreSQL's
default). What SQLite's single writer gave for free, PostgreSQL gets from the claims:
a chat's rows are only written by the worker holding the chat (the queue's per-chat
lock); rows shared between chats (outbox, reminders, calendar) are taken with
conditional UPDATEs or `FOR UPDATE SKIP LOCKED`; duplicates are refused by unique keys.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

DIALECT = "postgresql"


class Row(tuple):  # type: ignore[type-arg]
    """A result row: r[0] and r["name"] both work, as with sqlite3.Row."""

    _names: dict[str, int]

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            return super().__getitem__(self._names[key])
        return super().__getitem__(key)

    def keys(self) -> list[str]:
        return list(self._names)


@lru_cache(maxsize=2048)
def placeholders(sql: str) -> str:
    """`?` -> `%s` outside quoted literals and identifiers; a literal `%` -> `%%`."""
    out: list[str] = []
    quote = ""
    for ch in sql:
        if quote:
            out.append("%%" if ch == "%" else ch)
            if ch == quote:
                quote = ""
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return "".join(out)


def _arg(v: Any) -> Any:
    # SQLite stores a bool as 0/1 and the schema's flags are INTEGER on both stores;
    # PostgreSQL would refuse `integer = boolean`.
    return int(v) if isinstance(v, bool) else v


def _args(args: Sequence[Any] | dict[str, Any]) -> tuple[Any, ...]:
    if isinstance(args, dict):  # pragma: no cover - our SQL uses positional `?` only
        raise TypeError("named parameters are not supported by the PostgreSQL adapter")
    return tuple(_arg(v) for v in args)


def translate_error(e: Exception) -> sqlite3.Error:
    """The sqlite3 exception class our callers already catch for a psycopg error."""
    import psycopg

    first = (str(e).strip().splitlines() or [type(e).__name__])[0]
    if isinstance(e, psycopg.errors.IntegrityError):
        return sqlite3.IntegrityError(first)
    if isinstance(e, psycopg.OperationalError | psycopg.InterfaceError):
        return sqlite3.OperationalError(first)
    if isinstance(e, psycopg.errors.ProgrammingError):
        return sqlite3.ProgrammingError(first)
    return sqlite3.DatabaseError(first)


class Result:
    """A finished statement: rows (read eagerly), rowcount, description."""

    lastrowid = None  # PostgreSQL has none: write `INSERT … RETURNING id` (both stores agree)

    def __init__(self, cur: psycopg.Cursor[Any]) -> None:
        self.rowcount = cur.rowcount
        # The column names from the result itself: psycopg's `description` builds a Column
        # object per column on every read, a third of this adapter's cost on SELECT *.
        res = cur.pgresult
        n = res.nfields if res is not None else 0
        self._names = {(res.fname(i) or b"").decode(): i for i in range(n)} if res else {}
        self._rows = cur.fetchall() if n else []
        self._pos = 0

    @property
    def description(self) -> tuple[tuple[str, None, None, None, None, None, None], ...] | None:
        """sqlite3's shape: a 7-tuple per column, the name first; None for no rows."""
        if not self._names:
            return None
        return tuple((name, None, None, None, None, None, None) for name in self._names)

    def _row(self, values: Sequence[Any]) -> Row:
        row = Row(values)
        row._names = self._names
        return row

    def fetchone(self) -> Row | None:
        if self._pos >= len(self._rows):
            return None
        self._pos += 1
        return self._row(self._rows[self._pos - 1])

    def fetchall(self) -> list[Row]:
        rest, self._pos = self._rows[self._pos:], len(self._rows)
        return [self._row(v) for v in rest]

    def __iter__(self) -> Iterator[Row]:
        return iter(self.fetchall())


class CompatConnection:
    """Wraps an autocommit psycopg connection with sqlite3's `execute(sql, args)` shape."""

    dialect = DIALECT

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.raw = conn

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Result:
        import psycopg

        # Server-side binding: psycopg prepares a statement the connection has run 5
        # times, so the server stops parsing and planning the same few dozen statements
        # (bench/hotspots.py --postgresql; docs/POSTGRESQL.md: PgBouncer needs
        # max_prepared_statements for this).
        try:
            cur = self.raw.cursor()  # refused already when the connection is closed
        except psycopg.Error as e:
            raise translate_error(e) from e
        try:
            # always a tuple, even empty: psycopg then reads %% as a literal %
            cur.execute(placeholders(sql), _args(args))
            return Result(cur)
        except psycopg.Error as e:
            raise translate_error(e) from e
        finally:
            cur.close()

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> None:
        import psycopg

        try:
            with self.raw.cursor() as cur:
                cur.executemany(placeholders(sql), [_args(a) for a in seq])
        except psycopg.Error as e:
            raise translate_error(e) from e

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def commit(self) -> None:  # sqlite3's shape; autocommit, so there is nothing pending
        return None

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> CompatConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
