"""`organizer diag report`: the daily check on one screen, as Markdown or as JSON."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from organizer.cli.common import settings_from

if TYPE_CHECKING:
    from organizer.report import Report


def report_json(report_: Report) -> str:
    """The report's dataclass as indented JSON; times as ISO-8601, paths as strings."""
    data = dataclasses.asdict(report_)

    def default(o: object) -> str:
        return o.isoformat() if isinstance(o, datetime) else str(o)

    return json.dumps(data, indent=2, ensure_ascii=False, default=default) + "\n"


def register(app: typer.Typer) -> None:
    from organizer.cli.diag import diag_app

    @diag_app.command("report")
    def report(
        ctx: typer.Context,
        output: Annotated[
            Path | None,
            typer.Option("--output", "-o", help="Append the report to this file too "
                         "(Markdown, or JSON with --json): the operations journal."),
        ] = None,
        offline: Annotated[
            bool, typer.Option("--offline", help="Skip the HTTP health checks (API, ASR).")
        ] = False,
        as_json: Annotated[
            bool, typer.Option("--json", help="Print the same data as JSON for scripts.")
        ] = False,
        markdown: Annotated[
            bool,
            typer.Option("--markdown", help="Markdown for an incident note or the journal."),
        ] = False,
    ) -> None:
        """The daily check: services, health, queue, calendar, backups, disk on one screen."""
        from organizer.model import utcnow
        from organizer.report import gather, redact_check, render_markdown
        from organizer.report_screen import render_screen

        if as_json and markdown:
            raise typer.BadParameter("choose one of --json and --markdown")
        settings = settings_from(ctx)
        report_ = gather(settings, utcnow(), offline=offline)
        if as_json:
            text = report_json(report_)
        else:
            text = render_markdown(report_) if markdown else render_screen(report_)
        redact_check(text, settings)
        typer.echo(text, nl=False)
        if output is not None:
            # The journal is Markdown whatever was shown (or JSON, when asked for).
            note = text if as_json or markdown else render_markdown(report_)
            redact_check(note, settings)
            with output.open("a", encoding="utf-8") as f:
                f.write(note + "\n")
