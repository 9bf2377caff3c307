"""Vocabulary hits from the canon, and the intent decision of CONVENTIONS.md."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from organizer.parsing.tokens import Tok, stem

if TYPE_CHECKING:
    from organizer.canon import Canon


@dataclass(frozen=True)
class Hit:
    intent: str  # an intent name or "unknown"
    group: str  # "" for the intent's main list, else "reminder", "whole_day", …
    i: int
    j: int


def _word_matches(pattern: str, tok: Tok, tok_stem: str) -> bool:
    if pattern.endswith("*"):
        return tok.t.startswith(pattern[:-1])
    if tok.t == pattern:
        return True
    # Ending-tolerant match, but only on stems long enough to mean something
    # ("какие" and "как" share the stem "как").
    return len(tok_stem) >= 4 and tok_stem == stem(pattern)


def find_hits(toks: list[Tok], stems: list[str], canon: Canon) -> list[Hit]:
    """Every canon phrase found in the tokens (longest per start and intent)."""
    index = canon.index
    stars = index.get("*", ())
    hits: list[Hit] = []
    n = len(toks)
    for i, tok in enumerate(toks):
        if tok.kind == "p" and tok.t != ":":
            continue
        cands = index.get(tok.t, ()) + index.get(stems[i], ()) + stars
        if not cands:
            continue
        best: dict[tuple[str, str], int] = {}
        for intent, group, phrase in cands:
            if not _word_matches(phrase[0], tok, stems[i]):
                continue
            j = i + 1
            ok = True
            for w in phrase[1:]:
                if j >= n or not _word_matches(w, toks[j], stems[j]):
                    ok = False
                    break
                j += 1
            if ok and best.get((intent, group), 0) < j:
                best[(intent, group)] = j
        # small talk wins a tie at the same start ("как дела" is not "какие дела")
        small = best.get(("unknown", ""), 0)
        for (intent, group), j in best.items():
            if intent == "agenda" and small >= j:
                continue
            hits.append(Hit(intent, group, i, j))
    return hits
