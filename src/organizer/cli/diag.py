"""`organizer diag …`: the operator's read-only view of the database."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Annotated

import typer

from organizer.cli.common import open_diag, settings_from
from organizer.cli.render import console, render
from organizer.model import utcnow

diag_app = typer.Typer(
    help="Inspect the queue, items, calendar sync, database and services.", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
LimitOpt = Annotated[int, typer.Option("--limit", "-n", min=1, help="Most rows to show.")]

# The values the schema's CHECK constraints allow (migrations/0001_init.sql).
QUEUE_STATUSES = ("NEW", "CLAIMED", "DONE", "FAILED")
ITEM_STATUSES = ("DRAFT", "OPEN", "DONE", "CANCELLED")
ITEM_TYPES = ("task", "meeting", "note")
CAL_STATES = ("NONE", "LOCAL", "PENDING", "SYNCED", "FAILED")
REMINDER_STATUSES = ("PENDING", "SENT", "CANCELLED")


def _choice(allowed: tuple[str, ...]) -> Callable[[str | None], str | None]:
    """An option callback: any case of an allowed value, else a usage error (exit 2)."""

    def check(value: str | None) -> str | None:
        if value is None:
            return None
        for a in allowed:
            if value.lower() == a.lower():
                return a
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(allowed)}")

    return check


def register(app: typer.Typer) -> None:
    app.add_typer(diag_app, name="diag")


@diag_app.command()
def queue(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option(
            help="List rows with this status (NEW, CLAIMED, DONE, FAILED).",
            callback=_choice(QUEUE_STATUSES),
        ),
    ] = None,
    limit: LimitOpt = 20,
    as_json: JsonOpt = False,
) -> None:
    """Counts by status, oldest waiting age, attempts; --status lists the rows."""
    from organizer.db import diag

    conn = open_diag(settings_from(ctx))
    now = utcnow()
    if status:
        render(
            diag.queue_rows(conn, now, status=status, limit=limit),
            title=f"inbox rows with status {status.upper()}",
            as_json=as_json,
        )
    else:
        render(diag.queue_summary(conn, now), title="inbox queue", as_json=as_json)


@diag_app.command()
def claimed(ctx: typer.Context, limit: LimitOpt = 50, as_json: JsonOpt = False) -> None:
    """Rows in hand of a worker, with lease time left; expired leases are flagged."""
    from organizer.db import diag

    conn = open_diag(settings_from(ctx))
    render(
        diag.claimed(conn, utcnow(), limit=limit),
        title="claimed rows",
        as_json=as_json,
        empty="no claimed rows",
    )


@diag_app.command()
def items(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option(help="DRAFT, OPEN, DONE or CANCELLED.", callback=_choice(ITEM_STATUSES)),
    ] = None,
    type_: Annotated[
        str | None,
        typer.Option("--type", help="task, meeting or note.", callback=_choice(ITEM_TYPES)),
    ] = None,
    chat: Annotated[int | None, typer.Option(help="Only this chat id.")] = None,
    limit: LimitOpt = 20,
    as_json: JsonOpt = False,
) -> None:
    """The latest items."""
    from organizer.db import diag

    conn = open_diag(settings_from(ctx))
    render(
        diag.items(conn, limit=limit, status=status, type_=type_, chat_id=chat),
        title="items (newest first)",
        as_json=as_json,
    )


@diag_app.command()
def calendar(
    ctx: typer.Context,
    state: Annotated[
        str | None,
        typer.Option(
            help="Only this sync state (PENDING, FAILED, SYNCED, LOCAL, NONE).",
            callback=_choice(CAL_STATES),
        ),
    ] = None,
    limit: LimitOpt = 50,
    as_json: JsonOpt = False,
) -> None:
    """Items whose calendar sync is pending or failed, with the last error."""
    from organizer.db import diag

    conn = open_diag(settings_from(ctx))
    render(
        diag.calendar(conn, utcnow(), limit=limit, state_=state),
        title="calendar sync",
        as_json=as_json,
        empty="nothing pending or failed",
    )


@diag_app.command()
def reminders(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option(
            help="PENDING (default), SENT or CANCELLED.", callback=_choice(REMINDER_STATUSES)
        ),
    ] = None,
    limit: LimitOpt = 20,
    as_json: JsonOpt = False,
) -> None:
    """Reminders and agendas waiting to fire, soonest first (negative due_in_s = overdue)."""
    from organizer.db import diag

    conn = open_diag(settings_from(ctx))
    render(
        diag.reminders(conn, utcnow(), limit=limit, status=status),
        title=f"reminders ({(status or 'PENDING').upper()})",
        as_json=as_json,
        empty="no reminders",
    )


@diag_app.command()
def db(
    ctx: typer.Context,
    as_json: JsonOpt = False,
    quick: Annotated[bool, typer.Option(help="Skip the integrity check.")] = False,
) -> None:
    """Path, size, schema version, pending migrations, instance id, integrity, WAL size
    (on PostgreSQL: the server's version, size, connections and replicas)."""
    from organizer.db import diag

    settings = settings_from(ctx)
    conn = open_diag(settings)
    if settings.store == "postgresql":
        pg = diag.pg_db_info(conn, settings)
        render(dataclasses.asdict(pg), title="database (PostgreSQL)", as_json=as_json)
        if pg.pending:
            raise typer.Exit(1)
        return
    info = diag.db_info(conn, settings.db_path, integrity=not quick)  # type: ignore[arg-type]
    render(dataclasses.asdict(info), title="database", as_json=as_json)
    if info.pending or info.integrity not in ("ok", "skipped"):
        raise typer.Exit(1)


@diag_app.command()
def health(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Each service's heartbeats, the data disk, and what is wrong (as /health says it)."""
    from organizer.db import diag
    from organizer.health import disk_text, gather

    settings = settings_from(ctx)
    conn = open_diag(settings)  # one line and exit 1 for a missing or empty DB
    now = utcnow()
    snap = gather(settings, now)
    if as_json:
        render(snap.as_dict(), as_json=True)
        return
    render(
        diag.health(conn, now),
        title="service heartbeats",
        empty="no service has reported yet",
    )
    out = console()
    if snap.disk is not None:
        out.print(f"data disk: {disk_text(snap.disk)}")
    if snap.ok:
        out.print("healthy: /health answers 200")
    for p in snap.problems:
        out.print(f"PROBLEM: {p.detail}", markup=False)


@diag_app.command()
def outbox(ctx: typer.Context, limit: LimitOpt = 20, as_json: JsonOpt = False) -> None:
    """Replies that could not be delivered (FAILED), and whether the person was told."""
    from organizer.db import outbox as ob

    conn = open_diag(settings_from(ctx))
    counts = ", ".join(f"{k} {v}" for k, v in ob.counts(conn).items())
    render(
        ob.undelivered(conn, limit),
        title=f"outbox: {counts}; undelivered (newest first)",
        as_json=as_json,
        empty="nothing undelivered",
    )
