"""Discourse fillers and hesitations ("ну", "короче", "okay so", "эээ", "um"): found before
the grammar and the intent decision, so that neither they nor the title see them."""

from __future__ import annotations

import re

from organizer.parsing.tokens import Tok

# Discourse fillers and hesitations: at the start of a clause they neither decide the intent
# nor open a title ("ну запиши …", "так идея …", "okay so note …"). Only clause starts are
# looked at: "так" and "вот" mid-sentence are words of their own.
_FILLERS = frozenset(str.split(
    "ну так значит короче слушай слушайте смотри смотрите вот а эээ ээ э эм эмм ммм мм хм "
    "окей ок ладно кстати пожалуйста плиз типа итак блин "
    "okay ok so um umm uh uhh uhm hmm hm er erm well hey please alright oh ah"))
_HESITATIONS = frozenset(str.split("эээ ээ эм эмм ммм хм um umm uh uhh uhm hmm hm erm"))
# Pure hesitations, anywhere: эээ, э-э-э, эм, ммм, хм, um, uh, hmm, erm (not "мм", "э": a
# millimetre, a letter).
HESITATION_RE = re.compile(
    r"(?<![\w-])(?:э{2,}м*|э(?:-э)+|эм+|м{3,}|хм+|u+m+|u+h+m*|h+m+|erm+)(?![\w-])",
    re.IGNORECASE)
_PHRASE_FILLERS: dict[str, tuple[tuple[str, ...], ...]] = {}
for _ph in ("в общем", "в общем - то", "будь добр", "будь добра", "будьте добры", "будь другом",
            "будь любезен", "будь любезна", "если не сложно", "если не трудно", "если можно",
            "would you mind", "i need you to", "could you please", "can you please",
            "would you please", "will you please", "это самое", "короче говоря", "так сказать",
            "в смысле", "you know", "you know what", "i mean", "lets see", "let me see",
            "let me think"):
    _PHRASE_FILLERS[_ph.split()[0]] = tuple(sorted(  # the longest first
        (*_PHRASE_FILLERS.get(_ph.split()[0], ()), tuple(_ph.split())), key=len, reverse=True))
# Fillers only when another filler or punctuation follows ("right, so …", "like um …").
_WEAK_FILLERS = frozenset(str.split("right like yeah yes anyway да"))
# "так как", "так же", "вот этот": not fillers there.
_NOT_AFTER = {"так": frozenset(str.split("как же и что-то")),
              "вот": frozenset(str.split("этот эта это эту эти этого этих тут здесь такой"))}
_CLAUSE_PUNCT = frozenset(",.!?;:—–…")


def fillers(toks: list[Tok]) -> set[int]:
    """Indices of fillers (and the punctuation after them) before the first word of the
    message; later clauses only lose pure hesitations ("купить хлеб, ну и молоко" keeps
    its "ну и", "…, эээ, и молоко" loses the "эээ")."""
    out: set[int] = set()
    n = len(toks)
    k = 0
    at_start = True
    openers, weak = _FILLERS, _WEAK_FILLERS
    while k < n:
        t = toks[k]
        if t.kind == "p":
            if t.t in _CLAUSE_PUNCT:
                at_start = True
            if k - 1 in out and t.t != "?":
                out.add(k)
            k += 1
            continue
        if not at_start:
            k += 1
            continue
        nxt = toks[k + 1] if k + 1 < n else None
        # "в общем", "будь добр", "если не сложно", "would you mind", "I need you to"
        phrase = next((ph for ph in _PHRASE_FILLERS.get(t.t, ())
                       if tuple(x.t for x in toks[k:k + len(ph)]) == ph), None)
        if phrase is not None:
            out.update(range(k, k + len(phrase)))
            k += len(phrase)
            continue
        word = t.t
        part = nxt is not None and nxt.glued and nxt.kind != "p"  # "А4": part of a word
        if word in openers and not part and not (
                nxt is not None and nxt.t in _NOT_AFTER.get(word, ())):
            out.add(k)
            k += 1
            continue
        if word in weak and not part and (k - 1 in out or (nxt is not None and (
                nxt.kind == "p" or nxt.t in _FILLERS))):
            out.add(k)
            k += 1
            continue
        at_start = False
        openers, weak = _HESITATIONS, frozenset()
        k += 1
    return out


def blank_hesitations(text: str) -> str:
    """"в эээ девять", "call um mom": each hesitation becomes spaces of the same length, so
    the spans of the words around it stay right."""
    if HESITATION_RE.search(text):
        return HESITATION_RE.sub(lambda m: " " * len(m.group()), text)
    return text
