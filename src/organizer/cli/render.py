"""One renderer for every operator table: rich on a terminal, plain or JSON otherwise."""

from __future__ import annotations

import dataclasses
import json
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
