"""`organizer diag report`: the daily check as Markdown for the operations journal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from organizer.cli.common import settings_from


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
    ) -> None:
        """Version, units, health, env keys, DB, queue, calendar and last backup as Markdown."""
        from organizer.model import utcnow
        from organizer.report import gather, redact_check, render_markdown

        settings = settings_from(ctx)
        text = render_markdown(gather(settings, utcnow(), offline=offline))
        redact_check(text, settings)
        typer.echo(text, nl=False)
        if output is not None:
            with output.open("a", encoding="utf-8") as f:
                f.write(text + "\n")
