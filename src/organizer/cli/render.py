"""One renderer for every operator table: rich on a terminal, plain or JSON otherwise."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Sequence
from typing import Any

import typer


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def as_dicts(rows: Sequence[Any]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        if dataclasses.is_dataclass(r) and not isinstance(r, type):
            out.append(dataclasses.asdict(r))
        else:
            out.append(dict(r))
    return out


def render(
    rows: Sequence[Any] | dict[str, Any],
    *,
    title: str | None = None,
    as_json: bool = False,
    columns: Sequence[str] | None = None,
    empty: str = "(nothing)",
) -> None:
    """Rows (dicts or dataclasses) as a table; a single dict as key/value pairs."""
    if isinstance(rows, dict):
        if as_json:
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
            return
        pairs = [{"key": k, "value": "" if v is None else str(v)} for k, v in rows.items()]
        _table(pairs, title, ["key", "value"], empty)
        return
    data = as_dicts(rows)
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return
    cols = list(columns or (data[0].keys() if data else []))
    _table(data, title, cols, empty)


def _table(data: list[dict[str, Any]], title: str | None, cols: list[str], empty: str) -> None:
    if not sys.stdout.isatty():
        # Off a terminal: plain aligned columns, never wrapped at 80 characters, and
        # without importing rich.table (a fifth of `diag queue`'s start-up).
        typer.echo(plain_table(data, title, cols, empty), nl=False)
        return
    from rich.table import Table

    out = console()
    if not data:
        if title:
            out.print(title)
        out.print(empty)
        return
    table = Table(title=title, title_justify="left")
    for c in cols:
        table.add_column(c)
    for row in data:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in cols))
    out.print(table)


def plain_table(
    data: list[dict[str, Any]], title: str | None, cols: list[str], empty: str
) -> str:
    """Columns padded to their widest cell, a dashed rule under the header."""
    lines = [title] if title else []
    if not data:
        return "\n".join([*lines, empty]) + "\n"
    cells = [["" if row.get(c) is None else str(row.get(c)).replace("\n", " ") for c in cols]
             for row in data]  # fmt: skip
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(cols)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    lines += [line(cols), line(["-" * min(w, 40) for w in widths]), *(line(r) for r in cells)]
    return "\n".join(lines) + "\n"
