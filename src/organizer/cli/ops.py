"""Operator commands: migrate, config, doctor, backup, restore."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from organizer.cli.common import settings_from
from organizer.cli.render import console, render
from organizer.errors import OrganizerError


def migrate(
    ctx: typer.Context,
    check: Annotated[
        bool,
        typer.Option("--check", help="Change nothing; exit 1 when migrations are pending."),
    ] = False,
    create: Annotated[
        bool,
        typer.Option("--create", help="Create a new SQLite file when DB_PATH has none yet (PostgreSQL: createdb first)."),
    ] = False,
) -> None:
    """Upgrade the database schema at DB_URL / DB_PATH (a new SQLite file only with --create)."""
    from organizer.db.connect import open_db
    from organizer.db.migrate import migrate as apply
    from organizer.db.migrate import pending, state

    settings = settings_from(ctx)
    if settings.store == "postgresql":
        from organizer.cli.pg_migrate import migrate_postgresql

        migrate_postgresql(settings.db_url, check=check)
        return
    path = settings.db_path
    if check:
        _migrate_check(path)
        return
    if not path.exists() and not create:
        # Like createdb: a typo in DB_PATH, or a relative path run from another
        # folder, must not quietly start a second, empty database. The path is
        # shown resolved, so a relative DB_PATH shows which folder it landed in.
        raise OrganizerError(
            f"no database at {path.absolute()}; nothing was created",
            "check DB_PATH (`organizer config`); to create a new database there, run "
            "`organizer migrate --create`",
        )
    conn = open_db(path, create=True)
    if pending(conn):
        from organizer.progress import display

        with display("migrate", "statements") as on_progress:
            applied = apply(conn, on_progress)
    else:
        applied = apply(conn)
    st = state(conn)
    for m in applied:
        typer.echo(f"applied {m.version:04d}_{m.name}")
    typer.echo(
        f"{path}: schema {st.version}, instance {st.instance_id}"
        + ("" if applied else " (already current)")
    )


def _migrate_check(path: Path) -> None:
    """`migrate --check`: exit 1 with what is pending, or say the schema is current."""
    from organizer.db.connect import open_db
    from organizer.db.migrate import state

    if not path.exists():
        typer.echo(f"{path}: no database yet; `organizer migrate` would create it")
        raise typer.Exit(1)
    conn = open_db(path, readonly=True)
    st = state(conn)
    if st.pending:
        names = ", ".join(f"{m.version:04d}_{m.name}" for m in st.pending)
        typer.echo(f"{path}: schema {st.version}, pending: {names}")
        raise typer.Exit(1)
    typer.echo(f"{path}: schema {st.version} is current")


def config_cmd(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the resolved settings and where each came from (secrets masked)."""
    settings = settings_from(ctx)
    rows = [{"name": n, "value": v, "source": s} for n, v, s in settings.public_items()]
    render(
        rows,
        title=f"organizer config (env file: {settings.env_file or 'none'})",
        as_json=as_json,
    )


def doctor(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    offline: Annotated[
        bool,
        typer.Option("--offline", help="Skip the checks that use the network (ASR, calendar)."),
    ] = False,
) -> None:
    """Check configuration, files, database and services; exit 1 on any FAIL."""
    from organizer.doctor import run_checks

    obj = ctx.find_root().obj or {}
    results = run_checks(env_file=obj.get("env_file"), offline=offline)
    rows = [{"check": r.name, "result": r.status, "detail": r.detail} for r in results]
    render(rows, title="organizer doctor", as_json=as_json)
    if any(r.status == "FAIL" for r in results):
        if not as_json:
            console(stderr=True).print(
                f"{sum(r.status == 'FAIL' for r in results)} check(s) failed"
            )
        raise typer.Exit(1)


def backup(
    ctx: typer.Context,
    to: Annotated[
        Path | None,
        typer.Option(
            "--to",
            help="Folder for the copy (default: BACKUP_DIR, or backups/ beside the database).",
        ),
    ] = None,
    keep: Annotated[
        int | None,
        typer.Option(
            "--keep", min=1, help="Keep this many newest backups (default: BACKUP_KEEP)."
        ),
    ] = None,
) -> None:
    """Copy the database online (services may run), verify the copy, rotate old ones."""
    from organizer.backup import backup as take
    from organizer.progress import display

    settings = settings_from(ctx)
    if settings.store == "postgresql":
        from organizer.backup_pg import backup as dump

        r = dump(settings, to=to, keep=keep)  # pg_dump: it shows no progress of its own
    else:
        with display("backup", "pages") as on_progress:
            r = take(settings, to=to, keep=keep, on_progress=on_progress)
    typer.echo(
        f"{r.path} {r.size_bytes} bytes, integrity {r.integrity}, schema "
        f"{r.schema_version}, instance {r.instance_id}, {sum(r.rows.values())} rows in "
        f"{len(r.rows)} tables"
    )
    for p in r.removed:
        typer.echo(f"removed old backup {p}")


def restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A backup file written by `organizer backup`.")],
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Pass heartbeats of another host (a service on this host, or an active "
            "unit, always refuses).",
        ),
    ] = False,
    stop_services: Annotated[
        bool,
        typer.Option(
            "--stop-services",
            help="Stop organizer.target, restore, and start it again (needs root).",
        ),
    ] = False,
) -> None:
    """Replace the database with a backup, after a safety copy of the current file."""
    from organizer.backup import restore as put_back

    settings = settings_from(ctx)
    if settings.store == "postgresql":
        raise OrganizerError(
            "`organizer restore` restores SQLite files only; DB_URL is postgresql://…",
            f"restore a dump with pg_restore: stop the services, then `pg_restore --clean "
            f"--if-exists --no-owner --dbname=… {file}` (docs/POSTGRESQL.md)",
        )
    r = put_back(settings, file, force=force, stop_services=stop_services)
    if r.safety_copy:
        typer.echo(f"safety copy of the old database: {r.safety_copy}")
    if r.safety_note:
        typer.echo(f"warning: {r.safety_note}", err=True)
    typer.echo(
        f"restored {r.source} -> {r.restored} (schema {r.schema_version}, "
        f"instance {r.instance_id})"
    )
    again = "start the services again: sudo systemctl start organizer.target"
    typer.echo(f"services: {r.services}" if r.services else again)


def register(app: typer.Typer) -> None:
    app.command()(migrate)
    app.command("config")(config_cmd)
    app.command()(doctor)
    app.command()(backup)
    app.command()(restore)
