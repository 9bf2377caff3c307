"""Several things reported done in one message: "watered the plants and took out the
trash", «цветы полил, мусор вынес», "paid the rent, called mom".

The parser reads one past-tense report as `complete` (parsing/past.py); two of them glued
by "and" / «и» / a comma read as one title that matches nothing. Here the message is cut
at those joints; when every piece parses alone as a completion that names its task, and
each finds one open item of its own (pipeline/matching.py), all of them are completed in
the caller's one transaction and one reply lists them. Anything less (a piece that is no
report, «купил хлеб и молоко», two pieces naming the same item, an unclear match) leaves
the message to the usual single-item path.
"""

from __future__ import annotations

import logging
import re

from organizer import reminders
from organizer.db import clarify, items
from organizer.pipeline import matching, replies
from organizer.pipeline.turn import Turn, changed, get_item, parse

log = logging.getLogger(__name__)

# The joints between reports; a piece is at least one word.
_JOINT = re.compile(r"\s*(?:[,;]|\band\b|\bи\b|\balso\b|\bа\s+ещё\b|\bа\s+еще\b)\s*",
                    re.IGNORECASE)
MAX_PIECES = 6


def pieces(text: str) -> list[str]:
    """The message cut at "and" / «и» / commas ([] when it has fewer than two pieces)."""
    out = [p.strip(" .!") for p in _JOINT.split(text)]
    out = [p for p in out if p]
    return out if 2 <= len(out) <= MAX_PIECES else []


def _chosen(t: Turn, text: str) -> list[items.Item]:
    """The open item each piece reports done, or [] when any piece fails."""
    parts = pieces(text)
    if not parts:
        return []
    pool = items.open_items(t.conn, t.chat_id)
    chosen: list[items.Item] = []
    for part in parts:
        p = parse(part, t.now, t.tz, t.settings.canon_path)
        if p.intent != "complete" or not p.title or p.start is not None:
            return []
        left = [i for i in pool if all(i.id != c.id for c in chosen)]
        m = matching.find(p.title, left, tz=t.tz)
        if m.outcome != "one":
            return []
        item = m.items[0]
        assert isinstance(item, items.Item)
        chosen.append(item)
    return chosen


def complete_all(t: Turn, text: str) -> bool:
    """Complete every task the message reports done (True), or nothing (False)."""
    chosen = _chosen(t, text)
    if not chosen:
        return False
    lines = []
    for item in chosen:
        clarify.close_for_item(t.conn, item.id)
        if reminders.on_complete(t.conn, item.id, t.now):  # a series: its next one
            lines.append(replies.next_occurrence_text(get_item(t, item.id), tz=t.tz,
                                                      now=t.now, lang=t.lang))
        else:
            items.update(t.conn, item.id, t.now, status="DONE")
            lines.append(replies.done_text(get_item(t, item.id), tz=t.tz, now=t.now,
                                           lang=t.lang))
        changed(t, item.id)
    t.reply("\n".join(lines), item_id=chosen[0].id)
    log.info("inbox id=%d chat=%d reported done: %d", t.row.id, t.chat_id, len(chosen))
    return True
