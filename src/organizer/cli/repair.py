"""Repair verbs that replace hand-written UPDATE statements."""

from __future__ import annotations

from typing import Annotated

import typer

from organizer.cli.common import settings_from

queue_app = typer.Typer(help="Repair the inbox queue.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(queue_app, name="queue")


@queue_app.command("retry")
def queue_retry(
    ctx: typer.Context,
    row_id: Annotated[int | None, typer.Argument(help="Inbox row id.", show_default=False)] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Retry every FAILED row.")] = False,
) -> None:
    """Put a FAILED row (or all of them with --failed) back in the queue, attempts reset."""
    from organizer.db import queue
    from organizer.db.store import open_store, require_tables
    from organizer.errors import OrganizerError
    from organizer.model import utcnow

    if (row_id is None) == (not failed):
        raise OrganizerError("give either a row id or --failed", "organizer queue retry 42")
    settings = settings_from(ctx)
    conn = open_store(settings)  # on PostgreSQL queue.retry* hand over to db/pg_queue
    require_tables(conn, settings)
    if failed:
        n = queue.retry_failed(conn, utcnow())
        typer.echo(f"{n} failed row(s) back in the queue")
    else:
        assert row_id is not None
        row = queue.retry(conn, row_id, utcnow())
        typer.echo(f"inbox row {row.id} is NEW again (attempts reset)")
