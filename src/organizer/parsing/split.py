"""Several items in one message: where to cut it, and what each part shares (issue 16).

"в понедельник в 10 планёрка и в среду в 10 планёрка", "завтра купить хлеб и в 18
позвонить маме", "lunch with Anna at 1pm and call the bank at 4", a numbered list: each
part is an item of its own. A cut is made only where every part is itself an item one
could create, so "встреча с Петей и Машей", "купить хлеб и молоко", "с 10 и до 12",
"позвонить бабушке и поздравить" stay one item. The rules (docs/PARSING.md, "Several
items in one message"):

- **Weak joins** ("и", "and", "а", ", and", a comma) cut only when the part after them
  says its own day or time: "позвонить бабушке и поздравить" is one errand, "завтра купить
  хлеб и в 18 позвонить маме" two items. Sequences with no join ("в 9 планёрка в 12
  обед"), commas, a part that is only a day or time ("… и в среду в 10"), and two errands
  with objects and no time at all: parsing/seams.py and `_cut_here`.
- **Strong joins** (";", a new line, "потом", "затем", "а также", "и ещё", "also",
  "then") cut before any part with an action word of its own.
- Every part needs an action (a to-do verb, a reminder word) or an event word with its
  own day or time ("встреча с Олей в 5, а потом ужин" stays one).
- A numbered or bulleted list (two or more lines starting "1.", "2)", "-", "•") is cut at
  each marker; its lines need only be a task or a meeting.
- **What is shared**: a part that says no day takes the day of the part before it
  ("завтра купить хлеб и в 18 позвонить маме": both tomorrow). A part that says neither a
  day nor a time takes the time too when that time opens the message and the two parts
  are of the same kind ("завтра в 10 купить хлеб, потом позвонить маме": both at 10;
  "завтра в 10 планёрка, потом купить хлеб": the bread is tomorrow, no time).

Pure, like the rest of the parser: each part is read by the caller's `one(text)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from organizer.parsing.fillers import blank_hesitations
from organizer.parsing.intent import _infinitive, classify, find_hits
from organizer.parsing.mention import Mention
from organizer.parsing.scan import scan
from organizer.parsing.seams import bare, errand, leads, sequence_cuts
from organizer.parsing.tokens import Tok, language, stem, tokenize

if TYPE_CHECKING:
    from organizer.canon import Canon
    from organizer.parsing.result import ParseResult

MAX_PARTS = 10  # a longer list is read as its first ten items (bounded time)
CREATABLE = ("task", "meeting")
# Mentions that name a day (or a repetition of days), and those that name a time of day.
_DAY_KINDS = frozenset(("date", "drange", "month", "week", "weekend", "rec"))
_TIME_KINDS = frozenset(("time", "trange", "pod"))
_CLOCK_UNITS = frozenset(("minutes", "hours", "seconds"))
# Joins: (words, strong). Longest first at each start; a comma before a join belongs to it.
_JOINS: tuple[tuple[tuple[str, ...], bool], ...] = (
    (("а", "также"), True), (("а", "потом"), True), (("и", "потом"), True),
    (("а", "затем"), True), (("и", "затем"), True), (("и", "ещё"), True),
    (("и", "еще"), True), (("а", "ещё"), True), (("а", "еще"), True),
    (("после", "этого"), True), (("and", "then"), True), (("and", "also"), True),
    (("потом",), True), (("затем",), True), (("also",), True), (("then",), True),
    (("и",), False), (("and",), False), (("а",), False),
)
_MARKER = re.compile(r"[ \t]*(?:\d{1,2}[.)]|[-•*—–])[ \t]+")
_MARKERS = re.compile(r"^" + _MARKER.pattern, re.MULTILINE)  # at the start of any line
# A cheap look first: most messages have no join at all and are not read twice.
_ANY_JOIN = re.compile(r"[;\n]|(?<!\w)(?:и|а|потом|затем|после|and|also|then)(?!\w)",
                       re.IGNORECASE)
# … and a sequence or a comma needs two days or times: digits, or words that name one.
_WHENISH = re.compile(
    r"\d+|(?<!\w)(?:завтра|сегодня|послезавтра|понедельн\w*|вторник\w*|сред[уаые]|"
    r"четверг\w*|пятниц\w*|суббот\w*|воскресен\w*|полдень|полночь|полдн\w+|час\w*|"
    r"од(?:ин|ну)|дв[ае]|тр[иё]\w*|четыр\w*|пят[ьи]\w*|шест\w*|сем[ьи]\w*|восем\w*|"
    r"девят\w*|десят\w*|одиннадцат\w*|двенадцат\w*|полов\w+|tomorrow|today|tonight|"
    r"\w+day|noon|midnight|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
    r"twelve|half|quarter)(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Cut:
    """A join between two parts: the characters [s, e) it takes, and its strength."""

    s: int
    e: int
    strong: bool
    marked: bool = False  # a new line that starts with a list marker
    # "join" (a word, ";", a new line), "comma", or "seq": a sequence of timed items with
    # no word between them ("в 9 планёрка | в 12 обед"; parsing/seams.py)
    kind: str = "join"


@dataclass(frozen=True)
class Piece:
    """One part of the message: its span [s, e) in the text, the text it is read as (the
    part with the shared day or time put before it), and that reading."""

    s: int
    e: int
    text: str
    result: ParseResult


@dataclass(frozen=True)
class _Look:
    """What a part says by itself."""

    intent: str
    action: bool  # a to-do verb or a reminder word of its own
    event: bool  # an event word of its own
    day: str  # the words that name its day ("" when none)
    time: str  # the words that name its time of day
    head_time: str  # the time words said before its first other word
    words: bool  # any word besides date/time words
    leads: bool = False  # its first word is its own event or action word
    errand: bool = False  # an action with an object of its own ("позвонить бабушке")


# ------------------------------------------------------------------ where to cut


# The joins by their first word, in _JOINS's order: a token that begins none is passed
# over without comparing it with every join (issue 19).
_JOINS_BY_FIRST: dict[str, tuple[tuple[tuple[str, ...], bool], ...]] = {
    first: tuple(jn for jn in _JOINS if jn[0][0] == first) for first in {w[0] for w, _ in _JOINS}
}


def _join_at(toks: list[Tok], i: int) -> tuple[int, bool] | None:
    """The join that starts at token i: (the token after it, strong)."""
    if i >= len(toks):
        return None
    for words, strong in _JOINS_BY_FIRST.get(toks[i].t, ()):
        j = i + len(words)
        if j <= len(toks) and tuple(t.t for t in toks[i:j]) == words:
            return j, strong
    return None


def _inside(mentions: list[Mention]) -> set[int]:
    """Tokens inside a date/time mention ("по вторникам и четвергам"): never a join."""
    return {k for m in mentions for k in range(m.i, m.j)}


def cuts(text: str, toks: list[Tok], mentions: list[Mention]) -> list[Cut]:
    """Every place the text could be cut: joins outside date/time mentions, ";" and new
    lines (a list marker after a new line belongs to the cut), commas, and the places
    between timed items said one after another (parsing/seams.py)."""
    covered = _inside(mentions)
    out: list[Cut] = []
    taken: list[tuple[int, int]] = []  # the tokens [i, j) each join takes
    i = 0
    while i < len(toks):
        tok = toks[i]
        if i > 0 and "\n" in text[toks[i - 1].e : tok.s]:
            m = _MARKER.match(text, text.rfind("\n", 0, tok.s) + 1)
            e = max(m.end(), tok.s) if m else tok.s
            out.append(Cut(toks[i - 1].e, e, True, m is not None))
            i += 1  # past the line's first token, and past the marker's tokens
            k = i - 1  # the line's first token: a marker, or the part's first word
            while i < len(toks) and toks[i].s < e:
                i += 1
            taken.append((k, i) if m else (k, k))
            continue
        if tok.t == ";":
            out.append(Cut(tok.s, tok.e, True))
            taken.append((i, i + 1))
            i += 1
            continue
        found = None if i in covered or i == 0 else _join_at(toks, i)
        if found is not None:
            j, strong = found
            s = toks[i - 1].s if toks[i - 1].t == "," else tok.s
            out.append(Cut(s, toks[j - 1].e, strong))
            taken.append((i - 1 if toks[i - 1].t == "," else i, j))
            i = j
            continue
        if tok.t == "," and 0 < i < len(toks) - 1 and i not in covered \
                and _join_at(toks, i + 1) is None:
            out.append(Cut(tok.s, tok.e, False, kind="comma"))
            taken.append((i, i + 1))
        i += 1
    seq = [Cut(toks[k].s, toks[k].s, False, kind="seq")
           for k in sequence_cuts(toks, mentions, taken)]
    return sorted(out + seq, key=lambda c: c.s)


def _list_lines(text: str) -> bool:
    """Two or more lines that start with a list marker ("1.", "2)", "-", "•")."""
    return sum(1 for line in text.split("\n") if _MARKER.match(line)) >= 2


# ------------------------------------------------------------------ what a part says


def look(text: str, canon: Canon) -> _Look:
    """Read a part on its own: intent, its own action/event words, its day and time."""
    toks = tokenize(text)
    if not toks:
        return _Look("unknown", False, False, "", "", "", False)
    stems = [stem(t.t) for t in toks]
    hits = find_hits(toks, stems, canon)
    mentions = scan(toks, language(text) == "en")
    has_time = any(m.kind not in ("pod", "approx") for m in mentions)
    intent, _, _ = classify(toks, hits, mentions, has_time)
    covered = {k for m in mentions for k in range(m.i, m.j)}
    action = any(h.intent == "task" and h.i not in covered for h in hits) or any(
        t.kind == "w" and k not in covered and _infinitive(t.t) for k, t in enumerate(toks))
    event = any(h.intent == "meeting" and h.group == "" and h.i not in covered for h in hits)
    days = [m for m in mentions if _is_day(m)]
    times = [m for m in mentions if m.kind in _TIME_KINDS or (m.kind == "rel" and not _is_day(m))]
    first_word = min((k for k, t in enumerate(toks) if k not in covered and t.kind != "p"),
                     default=len(toks))
    return _Look(
        intent, action, event, _words(text, toks, days), _words(text, toks, times),
        _words(text, toks, [m for m in times if m.j <= first_word]), first_word < len(toks),
        leads(text, toks, mentions, hits), intent == "task" and errand(toks, hits),
    )


def _is_day(m: Mention) -> bool:
    if m.kind == "rel":
        return not set(m["amount"] or {}) <= _CLOCK_UNITS
    return m.kind in _DAY_KINDS


def _words(text: str, toks: list[Tok], mentions: list[Mention]) -> str:
    return " ".join(text[toks[m.i].s : toks[m.j - 1].e] for m in mentions)


def _item(lk: _Look, strong: bool, listed: bool) -> bool:
    """Can this part stand as an item of its own after a join of this strength?"""
    if lk.intent not in CREATABLE:
        return False
    if listed:
        return lk.words
    own_when = bool(lk.day or lk.time)
    if not strong and not own_when:
        return False
    return lk.action or (lk.event and own_when)


def _cut_here(text: str, before: list[int], after: tuple[int, int], join: Cut,
              listed: bool, untimed: bool, canon: Canon) -> bool:
    """Is the part `after` an item of its own after `join`, and the part `before` too?"""
    body = _body(text, after)
    if not body:
        return False
    lk, prev = look(body, canon), look(_body(text, before), canon)
    if join.kind == "join" and not join.strong and not lk.words and (lk.day or lk.time):
        # the same item again on another day or at another time: "standup on Monday at 10
        # and on Wednesday at 10"
        return prev.intent in CREATABLE and prev.words and bool(prev.day or prev.time)
    if join.kind != "join":  # a comma or a sequence: both timed, the later one leads
        return all(x.intent in CREATABLE and x.words and bool(x.day or x.time)
                   for x in (lk, prev)) and lk.leads
    if _item(lk, join.strong, listed and join.marked):
        return _item(prev, True, listed and before[2] == 1)
    # two errands with no day or time anywhere: "купить корм коту и позвонить бабушке"
    return untimed and not join.strong and lk.errand and prev.errand


# ------------------------------------------------------------------ the parts


def _segments(text: str, found: list[Cut]) -> list[tuple[int, int, Cut]]:
    """(s, e, the join before it) for the text between the cuts."""
    out: list[tuple[int, int, Cut]] = []
    start, join = 0, Cut(0, 0, True, _MARKER.match(text) is not None)
    for c in found:
        out.append((start, c.s, join))
        start, join = c.e, c
    out.append((start, len(text), join))
    return out


def parts(text: str, canon: Canon) -> list[tuple[int, int]]:
    """The spans of the items in `text` (one span: a single item)."""
    if not _ANY_JOIN.search(text) and len(_WHENISH.findall(text)) < 2:
        return [(0, len(text))]  # the cheap look: most messages are read once
    text = blank_hesitations(text)
    toks = tokenize(text)
    if len(toks) < 3:
        return [(0, len(text))]
    mentions = scan(toks, language(text) == "en")
    found = cuts(text, toks, mentions)
    if not found:
        return [(0, len(text))]
    listed = _list_lines(text)
    untimed = not mentions
    kept: list[list[int]] = []  # [s, e, marked]
    for s, e, join in _segments(text, found):
        if kept and len(kept) < MAX_PARTS \
                and _cut_here(text, kept[-1], (s, e), join, listed, untimed, canon):
            kept.append([s, e, int(join.marked)])
        elif kept:
            kept[-1][1] = e  # not an item by itself: it belongs to the part before
        else:
            kept.append([s, e, int(join.marked)])
    return [(s, e) for s, e, _ in kept]


def _body(text: str, span: list[int] | tuple[int, int]) -> str:
    """A part's own words: the span without a leading list marker and edge punctuation."""
    return _MARKERS.sub("", text[span[0] : span[1]]).strip(" \t\n,.;:")


# "не X, а Y" / "not X but Y" corrects one item; its «а» / "but" joins nothing.
_CORRECTION = re.compile(r"(?i)(?:^|[\s,(])(?:не|not)\s+[^,;\n]{1,40}?,?\s+(?:а|but)\s")


def several(text: str, canon: Canon, one: Callable[[str], ParseResult]) -> list[Piece]:
    """The items of a message of two or more; [] when it is one item. `one` reads a
    single part (the parser without this step)."""
    if _CORRECTION.search(text):  # «не в 12, а в 14», "not at 12 but at 2": one thing, fixed
        return []
    spans = parts(text, canon)
    if len(spans) < 2:
        return []
    pieces: list[Piece] = []
    day, head_time, head_kind = "", "", ""
    start = len(text)  # a part with nothing to name ("Надо завтра:") is the next one's heading
    body = ""
    for k, (s, e) in enumerate(spans):
        before, body = body, _body(text, (s, e))
        s = min(s, start)
        lk = look(body, canon)
        if not lk.words and before:  # "… в понедельник в 10 и в среду в 10": the same again
            body = f"{bare(before)} {body}"
            lk = look(body, canon)
        read = body
        if not lk.day and day:
            shared_time = not lk.time and head_time and lk.intent == head_kind
            read = " ".join(w for w in (day, head_time if shared_time else "", body) if w)
        elif not lk.day and not lk.time and head_time and lk.intent == head_kind:
            read = f"{head_time} {body}"
        if k == 0:
            head_time, head_kind = lk.head_time, lk.intent
        if lk.day:
            day = lk.day
        result = one(read)
        if result.intent not in CREATABLE:
            return []
        if "title" in result.needs and k + 1 < len(spans):
            start = s
            continue
        pieces.append(Piece(s, e, read, result))
        start = len(text)
    return pieces if len(pieces) >= 2 else []
