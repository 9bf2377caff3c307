"""Root of the `organizer` command and its error boundary.

Each command group lives in its own module with a `register(app)` function.
Heavy libraries are imported inside the commands that need them, so operator
commands start fast (a test checks that `organizer --help` loads none of them).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from organizer import __version__
from organizer.errors import OrganizerError

app = typer.Typer(
    name="organizer",
    help="A self-hosted personal organizer you talk to in Telegram.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"organizer {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    env_file: Annotated[
        Path | None,
        typer.Option(
            "--env-file",
            help="Env file to load (default: ORGANIZER_ENV_FILE or "
            "/etc/organizer/organizer.env when it exists).",
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """A self-hosted personal organizer you talk to in Telegram."""
    ctx.obj = {"env_file": env_file, "debug": debug}


def _register() -> None:
    from organizer.cli import asr, calendar, chat, diag, ops, parse, repair, report, services

    for module in (services, asr, chat, parse, ops, diag, report, repair, calendar):
        module.register(app)


_register()


def _debug_requested() -> bool:
    return "--debug" in sys.argv[1:] or os.environ.get("ORGANIZER_DEBUG", "") not in ("", "0")


def run() -> None:
    """Console-script entry point: one line per error unless --debug."""
    try:
        app()
    except OrganizerError as e:
        if _debug_requested():
            raise
        print(f"error: {e.message}", file=sys.stderr)
        if e.hint:
            print(f"hint: {e.hint}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as e:
        if _debug_requested():
            raise
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        print("hint: run again with --debug for the full traceback", file=sys.stderr)
        sys.exit(1)
