"""`organizer calendar …`: repair and check the calendar sync (docs/CALENDAR.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from organizer.cli.common import settings_from

calendar_app = typer.Typer(help="Repair and check the calendar sync.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(calendar_app, name="calendar")


@calendar_app.command("retry")
def calendar_retry(
    ctx: typer.Context,
    item_id: Annotated[int | None, typer.Argument(help="Item id.", show_default=False)] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Retry every FAILED item.")] = False,
    op: Annotated[
        str | None,
        typer.Option(
            "--op",
            help="Force the operation: upsert or delete (default: the item's own; "
            "delete for a cancelled meeting).",
        ),
    ] = None,
) -> None:
    """Queue an item's calendar sync again (or every FAILED one), attempts reset.

    The running worker picks it up within a second; re-syncing is always safe, since
    the event is found by its iCalUID before anything is created.
    """
    from organizer.db import calsync
    from organizer.db.store import open_store, require_tables
    from organizer.errors import OrganizerError
    from organizer.model import utcnow

    if (item_id is None) == (not failed):
        raise OrganizerError("give either an item id or --failed", "organizer calendar retry 42")
    settings = settings_from(ctx)
    conn = open_store(settings)
    require_tables(conn, settings)
    if failed:
        n = calsync.retry_failed(conn, utcnow())
        typer.echo(f"{n} failed item(s) back to PENDING")
        return
    assert item_id is not None
    row = calsync.request(conn, item_id, op, utcnow())
    note = " (CALENDAR_BACKEND=none: it will become LOCAL)" if (
        settings.calendar_backend == "none"
    ) else ""
    typer.echo(f"item {row.id} is PENDING {row.cal_op} again (attempts reset){note}")


@calendar_app.command("check")
def calendar_check(ctx: typer.Context) -> None:
    """Reach the configured calendar once and say what answered."""
    from organizer.calendars.doctor import check_calendar

    result = check_calendar(settings_from(ctx))
    typer.echo(f"{result.status} {result.name}: {result.detail}")
    if result.status == "FAIL":
        raise typer.Exit(1)
