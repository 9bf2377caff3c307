"""The long-running services: worker, bot, api (asr lives in cli/asr.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from organizer.cli.common import settings_from, setup_service_logging


def register(app: typer.Typer) -> None:
    @app.command()
    def worker(ctx: typer.Context) -> None:
        """Process the inbox: parse messages, make items, sync the calendar, remind."""
        from organizer import worker as worker_mod
        from organizer.handlers import build_plugins

        settings = settings_from(ctx)
        setup_service_logging(settings)
        raise typer.Exit(worker_mod.run(settings, plugins_factory=build_plugins))

    @app.command()
    def bot(
        ctx: typer.Context,
        webhook: Annotated[
            bool,
            typer.Option(
                "--webhook",
                help="Take updates from Telegram's webhook (TELEGRAM_WEBHOOK_URL, behind your "
                "TLS proxy) instead of long polling; several bots may share one database.",
            ),
        ] = False,
    ) -> None:
        """Talk to Telegram: long-poll (or --webhook) updates into the inbox, deliver the outbox."""
        from organizer import bot as bot_mod

        settings = settings_from(ctx)
        setup_service_logging(settings)
        raise typer.Exit(bot_mod.run(settings, webhook=webhook))

    @app.command()
    def api(ctx: typer.Context) -> None:
        """Serve /health, /metrics and the token-protected read/submit API."""
        from organizer import api as api_mod

        settings = settings_from(ctx)
        setup_service_logging(settings)
        raise typer.Exit(api_mod.run(settings))
