"""`organizer migrate [--check]` when DB_URL is postgresql://… (the database must exist:
creating one is the operator's `createdb`, see docs/POSTGRESQL.md)."""

from __future__ import annotations

import typer

from organizer.dburl import redact


def migrate_postgresql(url: str, *, check: bool) -> None:
    from organizer.db.pg_connect import open_pg
    from organizer.db.pg_migrate import migrate, state

    shown = redact(url)
    conn = open_pg(url)
    try:
        if check:
            st = state(conn)
            if st.pending:
                names = ", ".join(f"{m.version:04d}_{m.name}" for m in st.pending)
                typer.echo(f"{shown}: schema {st.version}, pending: {names}")
                raise typer.Exit(1)
            typer.echo(f"{shown}: schema {st.version} is current")
            return
        applied = migrate(conn)
        st = state(conn)
    finally:
        conn.close()
    for m in applied:
        typer.echo(f"applied {m.version:04d}_{m.name}")
    typer.echo(
        f"{shown}: schema {st.version}, instance {st.instance_id}"
        + ("" if applied else " (already current)")
    )
