"""`parse(text, now, tz)`: one message -> intent, title, start, end, all_day, rrule, needs.

The rules are those of shared/nlu/CONVENTIONS.md (restated in docs/PARSING.md). `analyse`
runs the stages: read (tokens, canon hits, grammar mentions) -> intent (parsing/intent.py)
-> time (parsing/assemble.py) -> title (parsing/title.py) -> what is still missing. All date
arithmetic is done on local dates in the user's zone; instants are built with zoneinfo
and normalised through UTC (parsing/instants.py), so nonexistent or repeated wall times
(DST) come out right.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

from organizer.parsing import lists
from organizer.parsing.assemble import Timing, assemble
from organizer.parsing.collect import Found
from organizer.parsing.fillers import blank_hesitations, fillers
from organizer.parsing.instants import add_months, local, midnight, plus_elapsed
from organizer.parsing.intent import COMMANDS, Hit, classify, find_hits
from organizer.parsing.mention import Clock, Mention
from organizer.parsing.movewords import as_move
from organizer.parsing.past import bare_title, past_completion
from organizer.parsing.result import ParseResult
from organizer.parsing.scan import scan
from organizer.parsing.shift import adjust
from organizer.parsing.split import several
from organizer.parsing.title import GEN_NOUNS, build_title, nominative_head
from organizer.parsing.tokens import Tok, language, stem, tokenize
from organizer.parsing.zones import named_zone

if TYPE_CHECKING:
    from organizer.canon import Canon

MAX_CHARS = 500  # only the start of a long message is analysed (bounded time)
MAX_TOKENS = 120  # and of that, at most this many tokens (a real message has far fewer)
INTENTS = ("task", "meeting", "note", "cancel", "reschedule", "complete", "agenda", "unknown")
# Kept importable from here: the time helpers (parsing/instants.py) and the mentions sorted by
# kind (parsing/collect.py) moved out.
__all__ = ["INTENTS", "MAX_CHARS", "MAX_TOKENS", "UNKNOWN", "Found", "ParseResult", "add_months",
           "analyse", "local", "midnight", "parse", "plus_elapsed", "when"]


UNKNOWN = ParseResult("unknown", None, None, None, False, None, ())


def parse(
    text: str, now: datetime, tz: str, canon: Canon | None = None, *, whole: bool = False
) -> ParseResult:
    """Understand one message. Never raises on any `text`; `tz` must be an IANA zone
    name (ValueError otherwise); a naive `now` is taken as wall time in `tz`. `whole`:
    read it as one item, never cut into several (a draft's words joined to its answer)."""
    zone = _zone(tz)
    if now.tzinfo is None:
        now = now.replace(tzinfo=zone)
    if canon is None:
        from organizer.canon import load_canon

        canon = load_canon()
    if not isinstance(text, str):
        return UNKNOWN
    key = (text, now, tz, id(canon), whole)
    with _RECENT_LOCK:
        hit = _RECENT.get(key)
    if hit is not None and hit[0] is canon:
        return hit[1]
    try:
        moved = as_move(text)  # "shift it to 5pm", "pull the review forward to 10"
        result = analyse(moved, now.astimezone(zone), zone, canon, whole=whole)
        result = adjust(moved, result, now, zone)
    except Exception:  # pragma: no cover - a bug must not take the worker down
        return UNKNOWN
    with _RECENT_LOCK:
        _RECENT[key] = (canon, result)
        while len(_RECENT) > RECENT_MAX:
            _RECENT.popitem(last=False)
    return result


# The same message is read by more than one step of one turn (several items? then as one
# item): the last few results are kept, so a message is parsed once (issue 19). Results
# are immutable; the key holds the canon's identity, and the canon itself is kept beside
# the result so a new canon object at a reused address is never confused with the old.
RECENT_MAX = 64
_RECENT: OrderedDict[tuple[object, ...], tuple[object, ParseResult]] = OrderedDict()
_RECENT_LOCK = threading.Lock()


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except Exception as e:
        raise ValueError(f"{tz!r} is not an IANA time zone") from e


# ------------------------------------------------------------------ the stages


class _Read(NamedTuple):
    """The message as read: its (truncated) text, tokens, canon hits and grammar mentions."""

    text: str
    toks: list[Tok]
    hits: list[Hit]
    mentions: list[Mention]


def _read(text: str, now: datetime, canon: Canon) -> _Read | None:
    """Tokens, canon phrases and date/time mentions; None when there are no tokens."""
    # "в эээ девять", "call um mom": hesitations blanked out before the grammar sees the
    # words around them
    text = blank_hesitations(text[:MAX_CHARS])
    toks = tokenize(text)
    if len(toks) > MAX_TOKENS:
        toks = toks[:MAX_TOKENS]
        text = text[: toks[-1].e]
    if not toks:
        return None
    en = language(text) == "en"
    stems = [stem(t.t) for t in toks]
    hits = find_hits(toks, stems, canon)
    mentions = scan(toks, en, new_time=any(h.intent == "reschedule" for h in hits))
    for m in mentions:
        if m.kind == "time" and m["same"]:  # "в это же время": now's clock time
            m.data["clock"] = Clock(now.hour, now.minute, "fixed")
    return _Read(text, toks, hits, mentions)


def _title(msg: _Read, intent: str, reminder: bool, cmd_hits: list[Hit],
           skip: set[int] | frozenset[int], canon: Canon) -> str | None:
    lead_hits = [h for h in msg.hits if h.intent == "task" and h.group in ("create", "lead")]
    title = build_title(msg.text, msg.toks, msg.mentions, cmd_hits, note=False,
                        drop_reminder=reminder, lead_hits=lead_hits, skip=skip,
                        command=intent in COMMANDS)
    if title and intent in COMMANDS and cmd_hits and msg.toks[cmd_hits[0].i].t in GEN_NOUNS:
        title = nominative_head(title, msg.toks, cmd_hits[0].j, canon)
    if intent == "complete":  # «ага, готово», "yep, did it": nothing named
        title = bare_title(title)
    return title


def _needs(canon: Canon, intent: str, reminder: bool, title: str | None,
           timing: Timing) -> tuple[str, ...]:
    """The required fields still missing (the canon says which an intent requires)."""
    needs = []
    required = set(canon.needs(intent)) if intent in canon.intents else set()
    if reminder:
        required.add("date")
    if "title" in required and not title:
        needs.append("title")
    if "date" in required and timing.start is None:
        needs.append("date")
    if intent == "meeting" and "time" in required and not timing.timed and \
            not timing.whole_day:
        needs.append("time")
    return tuple(needs)


def analyse(text: str, now: datetime, zone: ZoneInfo, canon: Canon,
            force_intent: str | None = None, *, whole: bool = False) -> ParseResult:
    """`parse` without its argument checks: `now` aware in `zone`. `force_intent` skips
    the intent decision (`when` reads every text as a task)."""
    result = _one(text, now, zone, canon, force_intent)
    if force_intent is None and not whole and result.intent in ("task", "meeting"):
        # several items in one message: the first one's fields, and all of them in items
        pieces = several(text[:MAX_CHARS], canon, lambda part: _one(part, now, zone, canon))
        if pieces:
            items = tuple(replace(p.result, text=p.text) for p in pieces)
            return replace(items[0], items=items, text=None)
    return result


def _one(text: str, now: datetime, zone: ZoneInfo, canon: Canon,
         force_intent: str | None = None) -> ParseResult:
    """One item's reading of the text (the stages above)."""
    msg = _read(text, now, canon)
    if msg is None:
        return UNKNOWN
    has_time = any(m.kind not in ("pod", "approx") for m in msg.mentions)
    asked = None if force_intent else lists.read(msg.text, has_time=has_time)
    if asked is not None:
        return ParseResult("agenda" if asked.list else "unknown", None, None, None, False, None,
                           (), list=asked.list, search=asked.search)
    if force_intent is None:
        skip = fillers(msg.toks)
        intent, reminder, cmd_hits = classify(msg.toks, msg.hits, msg.mentions, has_time, skip)
    else:
        intent, reminder, cmd_hits = force_intent, False, []
        skip = set()
    # the time is assembled once: the past-completion check and the result both read it
    timing = None if intent in ("unknown", "note") else assemble(intent, msg.hits,
                                                                 msg.mentions, now, zone)
    if force_intent is None and intent in ("unknown", "task", "meeting") and not reminder:
        done = past_completion(msg.text, intent, canon, timing.start if timing else None, now)
        if done is not None:  # «хлеб купил»: the task is done (parsing/past.py)
            return ParseResult("complete", done or None, None, None, False, None,
                               () if done else ("title",))
    if intent == "unknown":
        return UNKNOWN
    if intent == "note":
        title = build_title(msg.text, msg.toks, [], cmd_hits, note=True, skip=skip)
        return ParseResult("note", title, None, None, False, None,
                           () if title else ("title",))
    if timing is None:  # pragma: no cover - "unknown" and "note" returned above
        return UNKNOWN
    if intent == "agenda":
        return ParseResult("agenda", None, timing.start, timing.end, timing.start is not None,
                           None, ())
    title = _title(msg, intent, reminder, cmd_hits, skip, canon)
    return ParseResult(intent, title, timing.start, timing.end,
                       timing.start is not None and not timing.timed, timing.rrule,
                       _needs(canon, intent, reminder, title, timing),
                       zone=named_zone(msg.mentions) if timing.timed else None)


def when(text: str, now: datetime, tz: str, canon: Canon | None = None) -> datetime | None:
    """Only the time expression: the start `parse` would give the text as a task
    (used to compare the grammar with other libraries on time-only phrases)."""
    zone = _zone(tz)
    if canon is None:
        from organizer.canon import load_canon

        canon = load_canon()
    try:
        return analyse(text, now.astimezone(zone), zone, canon, force_intent="task").start
    except Exception:  # pragma: no cover
        return None
