"""The worker's handlers for inbox kinds text, voice, callback and command.

One inbox row = one short transaction holding every effect (item, clarify, calendar
request, reminders hook) AND the outbox reply. The reply's dedup_key is tied to the
row (`reply:<inbox_id>` …), and a row that already has an outbox row is skipped, so a
message processed twice after a crash is acted on once and answered once.

This module is the entry point (organizer.handlers registers these four); the work is
in modules of one job each — docs/DESIGN.md has the map:
  turn          the row's context (chat, zone, language, clock) and its reply
  conversation  a text: dialog.decide (PURE) decides, apply carries it out
  acting        complete / cancel / reschedule an existing item
  agenda_reply  "what do I have tomorrow", /today, /week
  expiry        unanswered clarifying questions
  buttons       button presses; press answers them (toast + edit)
  commands      slash commands
  dialog, choice, matching, moves, replies, agenda, language, timefmt   PURE
"""

from __future__ import annotations

import logging
from pathlib import Path

from organizer.config import Settings
from organizer.db import items
from organizer.db.connect import transaction
from organizer.model import InboxRow
from organizer.pipeline import replies
from organizer.pipeline.buttons import handle_callback as handle_callback
from organizer.pipeline.commands import handle_command as handle_command
from organizer.pipeline.conversation import process_text
from organizer.pipeline.expiry import expire_job as expire_job
from organizer.pipeline.expiry import settle_expired as settle_expired
from organizer.pipeline.turn import Turn, clean_text, load_payload, users_lang
from organizer.pipeline.turn import make_turn as _turn
from organizer.registry import Context, PermanentError

log = logging.getLogger(__name__)


def handle_text(ctx: Context, row: InboxRow) -> None:
    payload = load_payload(row)
    text = payload.get("text")
    if not isinstance(text, str):
        raise PermanentError("text payload has no 'text' string")
    t = _turn(ctx, row, payload_lang=payload.get("lang"), text=text)
    with transaction(ctx.conn):
        if items.answered(ctx.conn, row.id):
            log.info("inbox id=%d already answered; nothing to redo", row.id)
            return
        process_text(t, text)


# ---------------------------------------------------------------- voice


def _in_spool(path: Path, settings: Settings) -> bool:
    try:
        path.resolve().relative_to(settings.spool.resolve())
    except ValueError:
        return False
    return True


def remove_audio(path: Path, settings: Settings) -> None:
    """Delete a spooled voice file (only inside SPOOL_DIR; anything else is left alone)."""
    if not _in_spool(path, settings):
        log.warning("voice file %s is outside the spool %s; not removed", path, settings.spool)
        return
    try:
        path.unlink(missing_ok=True)
    except OSError as e:
        log.warning("could not remove voice file %s: %s", path, e)


class VoiceRetry(Exception):
    """Transcription may work later: the queue retries the row with backoff."""


def handle_voice(ctx: Context, row: InboxRow) -> None:
    from organizer.asr_client import AsrFailed, AsrRetryable, transcribe

    payload = load_payload(row)
    file_path = payload.get("file_path")
    if not isinstance(file_path, str) or not file_path:
        raise PermanentError("voice payload has no 'file_path' string")
    path = Path(file_path)
    t = _turn(ctx, row, payload_lang=payload.get("lang"), text=None)
    if items.answered(ctx.conn, row.id):
        remove_audio(path, ctx.settings)
        return
    try:
        transcript = transcribe(ctx.settings, path)
    except AsrRetryable as e:
        if row.attempts < row.max_attempts:
            raise VoiceRetry(e.message) from None
        voice_failed(t, path, f"transcription failed after {row.attempts} attempts: {e.message}")
    except AsrFailed as e:
        voice_failed(t, path, f"transcription failed: {e.message}")
    text = clean_text(transcript.text)
    if not payload.get("lang"):
        t.lang = replies.pick_lang(user_lang=users_lang(t), payload_lang=None, text=text or None)
    with transaction(ctx.conn):
        if not items.answered(ctx.conn, row.id):
            if not text:
                t.reply(replies.voice_empty_text(t.lang))
            else:
                t.prefix = replies.transcript_prefix(text, t.lang)
                process_text(t, text)
    remove_audio(path, ctx.settings)


def voice_failed(t: Turn, path: Path, error: str) -> None:
    """Final failure: tell the person, drop the audio, fail the row for good."""
    with transaction(t.conn):
        if not items.answered(t.conn, t.row.id):
            t.reply(replies.voice_failed_text(t.lang))
    remove_audio(path, t.settings)
    raise PermanentError(error)
