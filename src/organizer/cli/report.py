"""`organizer diag report`: the daily check as Markdown for the operations journal."""

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
            typer.Option("--output", "-o", help="Append the report to this file too."),
        ] = None,
        offline: Annotated[
            bool, typer.Option("--offline", help="Skip the HTTP health checks (API, ASR).")
        ] = False,
        as_json: Annotated[
            bool, typer.Option("--json", help="Print the same data as JSON for scripts.")
        ] = False,
        markdown: Annotated[
            bool,
            typer.Option("--markdown", help="Markdown for an incident note (the default)."),
        ] = False,
    ) -> None:
        """Version, units, health, env keys, DB, queue, calendar and last backup as Markdown."""
        from organizer.model import utcnow
        from organizer.report import gather, redact_check, render_markdown

        if as_json and markdown:
            raise typer.BadParameter("choose one of --json and --markdown")
        settings = settings_from(ctx)
        report_ = gather(settings, utcnow(), offline=offline)
        text = report_json(report_) if as_json else render_markdown(report_)
        redact_check(text, settings)
        typer.echo(text, nl=False)
        if output is not None:
            with output.open("a", encoding="utf-8") as f:
                f.write(text + "\n")
