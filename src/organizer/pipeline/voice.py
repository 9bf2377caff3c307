"""Voice rows: transcribe the spooled audio, then handle the words as a text message.

An unavailable ASR (refused connection, 5xx, 429, timeout) is waited out, not counted
as a failure: the row goes back to the queue (`Deferred`) with a back-off that grows
with the time already waited, for up to ASR_RETRY_WINDOW_SEC since the note arrived.
The audio stays in the spool until the note is answered or has finally failed, and
when the wait gets long the person is told once that the answer is delayed.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from organizer.config import Settings
from organizer.db import items, outbox, queue
from organizer.db.connect import transaction
from organizer.model import InboxRow, from_db
from organizer.pipeline import replies
from organizer.pipeline.conversation import process_text
from organizer.pipeline.turn import Turn, clean_text, load_payload, users_lang
from organizer.pipeline.turn import make_turn as _turn
from organizer.registry import Context, Deferred, PermanentError

log = logging.getLogger(__name__)

# Shares of ASR_RETRY_WINDOW_SEC (1800 s: first wait 5 s, longest 120 s, the person
# told after 60 s). One knob, so a test can make the whole schedule short.
FIRST_WAIT_SHARE = 1 / 360
LONGEST_WAIT_SHARE = 1 / 15
TELL_AFTER_SHARE = 1 / 30


def retry_delay_s(waited_s: float, window_s: float) -> float:
    """About half the time already waited: 5, 10, 15, 22 … s, at most window/15.

    Growing with the wait (not with an attempt count) keeps the schedule right across
    worker restarts and needs no extra column: ~20 tries over a 30-minute window.
    """
    first = window_s * FIRST_WAIT_SHARE
    longest = min(window_s * LONGEST_WAIT_SHARE, queue.BACKOFF_MAX_S)
    return min(longest, max(first, waited_s / 2))


def waited_s(row: InboxRow, now: datetime) -> float:
    created = from_db(row.created_at)
    return 0.0 if created is None else max(0.0, (now - created).total_seconds())


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
        wait_for_asr(t, path, e.message)
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
        ctx.mark_done()  # DONE commits with the reply (registry.Context.mark_done)
    remove_audio(path, ctx.settings)


def wait_for_asr(t: Turn, path: Path, error: str) -> None:
    """Raise Deferred (try again later, audio kept) or, past the window, fail for good."""
    window = t.settings.asr_retry_window_sec
    waited = waited_s(t.row, t.now)
    if waited >= window:
        voice_failed(t, path, f"transcription failed: ASR unavailable for {waited:.0f} s "
                              f"(ASR_RETRY_WINDOW_SEC={window:g}): {error}")
    if waited >= window * TELL_AFTER_SHARE:
        # Not tied to the row (inbox_id): the row's own reply is still to come.
        outbox.enqueue(t.conn, chat_id=t.chat_id, text=replies.voice_delayed_text(t.lang),
                       now=t.now, dedup_key=f"voice-delayed:{t.row.id}")
    raise Deferred(f"ASR unavailable, waited {waited:.0f} s: {error}",
                   retry_delay_s(waited, window))


def voice_failed(t: Turn, path: Path, error: str) -> None:
    """Final failure: tell the person, drop the audio, fail the row for good."""
    with transaction(t.conn):
        if not items.answered(t.conn, t.row.id):
            t.reply(replies.voice_failed_text(t.lang))
    remove_audio(path, t.settings)
    raise PermanentError(error)
