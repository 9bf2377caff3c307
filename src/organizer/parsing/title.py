"""The title: the message with date/time words, repetition words and command words
removed, edges tidied, first letter capitalised."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from organizer.parsing.intent import Hit
from organizer.parsing.mention import Mention
from organizer.parsing.tokens import Tok

if TYPE_CHECKING:
    from organizer.canon import Canon


def _words(s: str) -> list[str]:
    return s.split()


# Words left dangling at either end once times are cut out.
_EDGE = frozenset(
    _words(
    "в во на к ко с со до по и а или около после перед от за через у как "
    "is was are were will be been has have as got gets "
    "at on in by to for from and or of until till the around about before after with "
    "также еще ещё тоже also then потом")
)
# Politeness and glue that never belong to a title, anywhere.
_FILLER = frozenset(_words("пожалуйста плиз please pls plz позже раньше later earlier ish "
                           "эээ ээ эм эмм ммм хм um umm uh uhh uhm hmm erm"))
# Conversational openers dropped from the start of a title ("давай перенесём …").
_OPENERS = frozenset(_words("давай давайте можно можешь можете слушай ну так let's lets "
                            "can could would you ok okay so hey hmm hm uh um umm er erm "
                            "эм ээ эээ мм ммм хм короче вот ок окей тогда хорошо отлично "
                            "ладно супер привет здравствуй здравствуйте спасибо hi hello "
                            "thanks great cool alright sure значит кстати смотри смотрите "
                            "слушайте типа итак блин well"))
# Hesitations right after a command word ("напомни ну короче купить хлеб").
_HESITATIONS = frozenset(_words("ну короче значит типа эээ ээ э эм эмм ммм мм хм так вот "
                                "um umm uh uhh hmm hm er erm like so"))
# Glue right after a command word: "напомни мне (о том) что …", "remind me to …".
_AFTER_COMMAND = frozenset(_words(
    "мне меня нам нас me us to that что чтобы о об про том about of the my мой мою моё мое "
    "мои моих мой мою my our свою свой свои нужно надо need")
)
_HAVE_PAIRS = frozenset({("у", "меня"), ("у", "нас"), ("i", "have"), ("ive", "got"),
                         ("i", "got"), ("we", "have"), ("weve", "got"), ("we", "got"),
                         ("there", "is"), ("theres", "a")})
_PRONOUNS = frozenset(_words("it this that them these those это этот эту её ее его их всё все "
                             "что-то что-нибудь something"))
_POSSESSIVES = frozenset(_words("my our мой моя мою моё мое мои наш наша нашу наше наши"))
_THANKS = frozenset(_words("спасибо спс благодарю thanks thx"))
_SAY = frozenset(_words("say send write tell сказать скажи передай передать отправить "
                        "написать напиши"))
_TAGS = frozenset(_words("ок окей ok okay ладно хорошо да yes right"))
_NOTE_GLUE = frozenset(_words("такая такую такой вот себе"))
_NOTE_NOUNS = frozenset(_words("идею идея мысль мысли заметку заметка note idea thought"))
# At the start, only conjunctions and articles go for sure; a preposition stays when a word
# follows it ("на даче", "к врачу"), since the grammar already took its own prepositions.
_LEAD_STRIP = frozenset(_words("и а или also then потом также еще ещё тоже and or the я мы i we"))


_NOT_HESITATION_AFTER = frozenset(_words("этот эта это эту эти этого как же что-то"))


def _trim_courtesy(toks: list[Tok], kept: list[int]) -> None:
    """"…, спасибо", "…, ладно?", "… thanks", "…, thank you": courtesy after the request
    leaves the end of `kept` (in place)."""
    end = len(kept)
    while end > 1 and toks[kept[end - 1]].kind == "p":
        end -= 1
    cut = None
    while end > 2:
        last, prev = toks[kept[end - 1]], toks[kept[end - 2]]
        if (last.t in _THANKS and prev.t not in _SAY) or (last.t in _TAGS and prev.kind == "p"):
            end -= 1
        elif last.t == "you" and prev.t == "thank":
            end -= 2
        else:
            break
        cut = end
    if cut is not None:
        del kept[cut:]


def _dangling(toks: list[Tok], kept: list[int]) -> bool:
    """A leading preposition with nothing it governs: end, punctuation or another
    preposition next."""
    if len(kept) < 2:
        return True
    nxt = toks[kept[1]]
    return nxt.kind in ("p", "d") or nxt.t in _EDGE or kept[1] != kept[0] + 1


_PUNCT_EDGE = " \t\n,.;:!?-—–\"'«»()[]{}/\\|*…"


def build_title(text: str, toks: list[Tok], mentions: list[Mention], cmd_hits: list[Hit],
                note: bool, drop_reminder: bool = False, lead_hits: list[Hit] | None = None,
                skip: set[int] | frozenset[int] = frozenset(), command: bool = False
                ) -> str | None:
    """The item's name from `text`: without the mentions, the command words and the glue
    after them, the fillers in `skip`; a note keeps all its other words."""
    keep = _kept_mask(toks, mentions, cmd_hits, skip, note)
    if note:
        return _note_title(text, toks, keep, cmd_hits)
    # "выполненным", "as done" already cut; trim dangling edge words and punctuation
    kept = [k for k in range(len(toks)) if keep[k]]
    kept = _trim_start(toks, kept, {h.i: h.j for h in lead_hits or ()}, command, drop_reminder)
    _trim_courtesy(toks, kept)
    _trim_end(toks, kept)
    if not kept or all(toks[k].t in _PRONOUNS or toks[k].kind == "p" for k in kept):
        return None  # "cancel it", "перенеси её": nothing names the item
    return _joined(text, toks, kept)


def _kept_mask(toks: list[Tok], mentions: list[Mention], cmd_hits: list[Hit],
               skip: set[int] | frozenset[int], note: bool) -> list[bool]:
    """Per token: still a candidate for the title once mentions, command words, fillers
    and the glue after a command are cut."""
    n = len(toks)
    keep = [k not in skip for k in range(n)]
    for m in mentions:
        for k in range(m.i, min(m.j, n)):
            keep[k] = False
    cut_ends: list[int] = []
    for h in cmd_hits:
        for k in range(h.i, min(h.j, n)):
            keep[k] = False
        cut_ends.append(h.j)
    for k, tok in enumerate(toks):
        if tok.t in _FILLER:
            keep[k] = False
    for j in cut_ends:
        _cut_glue(toks, keep, j, note)
    return keep


def _cut_glue(toks: list[Tok], keep: list[bool], j: int, note: bool) -> None:
    """Glue after a command word ending at `j` ("напомни мне что", "remind me to",
    "отмени мою встречу"), and hesitations there; "нужно", "надо", "need" stay in a to-do."""
    n = len(toks)
    k = j
    while k < n and (toks[k].kind == "p" or (toks[k].t in _AFTER_COMMAND and keep[k])
                     or (toks[k].t in _HESITATIONS and not (
                         k + 1 < n and toks[k + 1].t in _NOT_HESITATION_AFTER))):
        if toks[k].t in ("нужно", "надо", "need") and not note:
            break
        keep[k] = False
        k += 1


def _note_title(text: str, toks: list[Tok], keep: list[bool], cmd_hits: list[Hit]) -> str | None:
    """A note keeps its words; only the leading trigger and its punctuation go, and words
    before the note word ("давай запиши …", "can you note …") are not content."""
    lead_end = min((h.i for h in cmd_hits), default=0)
    kept = [k for k in range(lead_end, len(toks)) if keep[k]]
    # "запиши идею: …", "запомни мысль …": a second note word goes too, and "такая"
    # after it ("мысль такая: …")
    if kept and toks[kept[0]].t in _NOTE_NOUNS:
        kept.pop(0)
    while kept and (toks[kept[0]].kind == "p" or toks[kept[0]].t in _NOTE_GLUE):
        kept.pop(0)
    _trim_courtesy(toks, kept)
    if not kept:
        return None
    out = text[toks[kept[0]].s: toks[kept[-1]].e].strip(_PUNCT_EDGE)
    return _cap(re.sub(r"  +", " ", out))  # a blanked-out hesitation leaves spaces


def _trim_start(toks: list[Tok], kept: list[int], leads: dict[int, int], command: bool,
                drop_reminder: bool) -> list[int]:
    """`kept` without the words that open it but do not name the item (in place)."""
    while kept:
        first = kept[0]
        if first in leads:  # "задачу", "не забыть", "add" at the start of what is left
            end = leads[first]
            while kept and kept[0] < end:
                kept.pop(0)
            continue
        drop = _leading_words(toks, kept, command, drop_reminder)
        if not drop:
            break
        del kept[:drop]
    return kept


def _leading_words(toks: list[Tok], kept: list[int], command: bool, drop_reminder: bool
                   ) -> int:
    """How many of the first kept tokens go: 0 when the first one opens the title."""
    first = kept[0]
    word = toks[first].t
    # "у меня (завтра) встреча", "I have a dentist appointment", "I've got a call":
    # saying one has the item is not part of its name
    if len(kept) > 2 and (word, toks[kept[1]].t) in _HAVE_PAIRS:
        return 2
    if command and word in _POSSESSIVES and len(kept) > 1:
        return 1  # "my 3pm call got moved": the item is "call"
    if word in ("мне", "нам") and len(kept) > 1:
        return 1
    if len(kept) > 1 and kept[1] == first + 1 and toks[kept[1]].glued and \
            toks[kept[1]].kind != "p" and toks[first].kind != "p":
        return 0  # "А4 бумагу": one word written in two tokens
    if toks[first].kind == "p" or word in _LEAD_STRIP or word in _OPENERS \
            or (word in _EDGE and _dangling(toks, kept)) \
            or (drop_reminder and word in _AFTER_COMMAND) \
            or word in ("a", "an"):
        return 1
    return 0


def _trim_end(toks: list[Tok], kept: list[int]) -> None:
    """Trailing punctuation and edge words go (in place); a closing bracket or quote stays
    when its opening one is kept."""
    while kept and (toks[kept[-1]].kind == "p" or toks[kept[-1]].t in _EDGE):
        if toks[kept[-1]].t in (")", "»", '"') and any(toks[k].t in ("(", "«", '"')
                                                        for k in kept[:-1]):
            break
        kept.pop()


def _joined(text: str, toks: list[Tok], kept: list[int]) -> str | None:
    """The kept tokens as written (runs of adjacent tokens keep their own spacing)."""
    parts: list[str] = []
    seg_start = kept[0]
    prev = kept[0]
    for k in kept[1:]:
        if k != prev + 1:
            parts.append(text[toks[seg_start].s: toks[prev].e])
            seg_start = k
        prev = k
    parts.append(text[toks[seg_start].s: toks[prev].e])
    out = " ".join(p.strip() for p in parts if p.strip())
    out = " ".join(out.split())
    # "Sync , room 4", "Lunch,, , with Sarah": commas left around a time that was cut
    out = re.sub(r"\s*,(?:\s*,)+", ",", out).replace(" , ", ", ").replace(" ,", ",")
    out = out.strip(_PUNCT_EDGE)
    if not out or not any(ch.isalnum() for ch in out):
        return None
    return _cap(out)


def _cap(s: str) -> str | None:
    s = s.strip()
    if not s:
        return None
    if s.isupper() and len(s) > 3:
        s = s.lower()  # "СОЗВОН С ОЛЕЙ" -> "Созвон с олей"
    return s[0].upper() + s[1:]


# Command nouns that put the item's name in the genitive: "отмена приёма", "перенос встречи".
GEN_NOUNS = frozenset(("отмена", "перенос"))
_GEN_ENDINGS = (("ства", "ство"), ("ия", "ие"), ("ии", "ия"), ("ки", "ка"), ("ги", "га"),
                ("чи", "ча"), ("ши", "ша"), ("жи", "жа"), ("щи", "ща"), ("ы", "а"), ("а", ""))


def _meeting_words(canon: Canon) -> set[str]:
    """The first words of the canon's event phrases (a rare path: no cache needed)."""
    return {e[2][0].rstrip("*") for entries in canon.index.values() for e in entries
            if e[0] == "meeting"}


def nominative_head(title: str, toks: list[Tok], k: int, canon: Canon) -> str:
    """"Приёма у стоматолога" after "отмена" -> "Приём у стоматолога": the event word
    that opens the title back in the nominative (only a known kind of event)."""
    if k >= len(toks):
        return title
    word = toks[k].t
    if not any(len(w) > 3 and (word.startswith(w) or word[:-1] == w[:-1])
               for w in _meeting_words(canon)):
        return title
    head = title.split(" ", 1)
    if head[0].lower().replace("ё", "е") != word:
        return title
    for old, new in _GEN_ENDINGS:
        if word.endswith(old) and len(word) > len(old) + 2:
            orig = head[0]
            head[0] = orig[: len(orig) - len(old)] + new
            return " ".join(head)
    return title
