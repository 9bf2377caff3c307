"""SQL written once for both stores: a PostgreSQL connection that takes SQLite's `?`
placeholders and returns rows readable by position and by name (like sqlite3.Row).

For the read-only queries where both engines agree (organizer.db.diag's queue views):
the same function runs on an sqlite3 connection or on this wrapper. Writes and anything
dialect-specific stay in the pg_* modules.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg


class Row(tuple):  # type: ignore[type-arg]
    """A result row: r[0] and r["name"] both work, as with sqlite3.Row."""

    _names: dict[str, int]

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            return super().__getitem__(self._names[key])
        return super().__getitem__(key)

    def keys(self) -> list[str]:
        return list(self._names)


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


class Result:
    def __init__(self, cur: psycopg.Cursor[Any]) -> None:
        self._cur = cur
        names = [c.name for c in cur.description or ()]
        self._names = {n: i for i, n in enumerate(names)}

    def _row(self, values: Sequence[Any] | None) -> Row | None:
        if values is None:
            return None
        row = Row(values)
        row._names = self._names
        return row

    def fetchone(self) -> Row | None:
        return self._row(self._cur.fetchone())

    def fetchall(self) -> list[Row]:
        return [r for r in (self._row(v) for v in self._cur.fetchall()) if r is not None]

    def __iter__(self) -> Iterator[Row]:
        return iter(self.fetchall())


class CompatConnection:
    """Wraps a psycopg connection with sqlite3's `execute(sql, args)` shape."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.raw = conn

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Result:
        cur = self.raw.cursor()
        # always a tuple, even empty: psycopg then reads %% as a literal %
        cur.execute(placeholders(sql).encode("utf-8"), tuple(args))
        return Result(cur)

    def close(self) -> None:
        self.raw.close()
