"""The worker's handlers for inbox kinds text, callback and command (voice: voice.py).

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
  voice         voice notes: ASR, an outage waited out with back-off
  dialog, choice, matching, moves, replies, agenda, language, timefmt   PURE
"""

from __future__ import annotations

import logging

from organizer.db import items
from organizer.db.connect import transaction
from organizer.model import InboxRow
from organizer.pipeline.commands import handle_command as handle_command
from organizer.pipeline.conversation import process_text
from organizer.pipeline.expiry import expire_job as expire_job
from organizer.pipeline.expiry import settle_expired as settle_expired
from organizer.pipeline.turn import load_payload
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
        else:
            process_text(t, text)
        ctx.mark_done()  # DONE commits with the reply (registry.Context.mark_done)
