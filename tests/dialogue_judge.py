"""The judge of the dialogue corpus (/work/wt/DIALOGUES.md, docs/TESTING.md): pure code.

A dialogue is right when the chat's items after the last turn match `expect.items` one to
one, no item is unexpected, and the replies to the last turn hold `reply_has` and lack
`reply_lacks`. Items here are plain `Got` records already put into the dialogue's zone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

STATUSES = ("open", "done", "cancelled", "draft")
TYPES = ("task", "meeting", "note")
_WORD = re.compile(r"[\w'-]+", re.UNICODE)


@dataclass(frozen=True)
class Got:
    """One item of the chat as the judge sees it: local times in the dialogue's zone."""

    type: str
    title: str
    start: str | None  # "YYYY-MM-DDTHH:MM", "YYYY-MM-DD" (all day) or None
    end: str | None
    status: str  # open | done | cancelled | draft
    rrule: str | None

    def show(self) -> str:
        parts = [self.type, repr(self.title), self.start or "no date"]
        if self.end:
            parts.append(f"-{self.end}")
        if self.status != "open":
            parts.append(self.status)
        if self.rrule:
            parts.append(self.rrule)
        return " ".join(parts)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str  # one line: what was expected and what came out


def fold(text: str) -> str:
    return text.lower().replace("ё", "е")


def stem(word: str) -> str:
    """A word's stem: its first max(4, len-2) letters («планёрку» ~ «планёрка»)."""
    w = fold(word)
    return w[: max(4, len(w) - 2)]


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def title_matches(expected: str, title: str) -> bool:
    """Every expected word's stem begins some word of the title."""
    have = words(title)
    return all(any(w.startswith(stem(e)) for w in have) for e in words(expected))


def item_mismatch(want: dict[str, Any], got: Got) -> str | None:
    """None when `got` satisfies `want`; else the first field that differs, said briefly."""
    if want["type"] != got.type:
        return f"type {got.type}"
    if not title_matches(want.get("title", ""), got.title):
        return f"title {got.title!r}"
    for key in ("start", "end"):
        if key in want and want[key] != getattr(got, key):
            return f"{key} {getattr(got, key)}"
    if want.get("status", "open") != got.status:
        return f"status {got.status}"
    if want.get("rrule") and want["rrule"] not in (got.rrule or ""):
        return f"rrule {got.rrule}"
    return None


def show_want(want: dict[str, Any]) -> str:
    parts = [want["type"], repr(want.get("title", ""))]
    if "start" in want:
        parts.append(want["start"] or "no date")
    if want.get("end"):
        parts.append(f"-{want['end']}")
    if want.get("status", "open") != "open":
        parts.append(want["status"])
    if want.get("rrule"):
        parts.append(want["rrule"])
    return " ".join(parts)


def _match(wants: Sequence[dict[str, Any]], gots: Sequence[Got]) -> dict[int, int]:
    """A maximum one-to-one matching want -> got (augmenting paths; lists are short)."""
    fits = [[j for j, g in enumerate(gots) if item_mismatch(w, g) is None] for w in wants]
    owner: dict[int, int] = {}  # got index -> want index

    def place(i: int, seen: set[int]) -> bool:
        for j in fits[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or place(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(len(wants)):
        place(i, set())
    return {i: j for j, i in owner.items()}


def _closest(want: dict[str, Any], gots: Sequence[Got]) -> str:
    """What came out nearest to an unmatched expectation (same type, else anything)."""
    same = [g for g in gots if g.type == want["type"]] or list(gots)
    if not same:
        return "nothing"
    best = min(same, key=lambda g: 0 if title_matches(want.get("title", ""), g.title) else 1)
    return f"{best.show()} ({item_mismatch(want, best)})"


def judge(expect: dict[str, Any], items: Sequence[Got], last_replies: str) -> Verdict:
    """Right or wrong, with one line saying why (expected vs got)."""
    wants = list(expect.get("items", []))
    cancelled_expected = any(w.get("status") == "cancelled" for w in wants)
    gots = [g for g in items if g.status != "cancelled" or cancelled_expected]
    matched = _match(wants, gots)
    problems: list[str] = []
    used = set(matched.values())
    for i, w in enumerate(wants):
        if i not in matched:
            problems.append(
                f"want {show_want(w)}; got {_closest(w, [g for j, g in enumerate(gots) if j not in used])}"
            )
    for j, g in enumerate(gots):
        if j not in used:
            problems.append(f"unexpected {g.show()}")
    text = fold(last_replies)
    for s in expect.get("reply_has", []):
        if fold(s) not in text:
            problems.append(f"reply lacks {s!r}")
    for s in expect.get("reply_lacks", []):
        if fold(s) in text:
            problems.append(f"reply has {s!r}")
    if problems:
        return Verdict(False, "; ".join(problems))
    return Verdict(True, f"{len(wants)} item(s) as expected")
