"""Past-tense reports of a finished to-do: «купил молоко», «хлеб купил», "paid the bill".

A person who did something says so in the past tense; that completes the matching open
task. `completion` finds a past form of one of the canon's task verbs (купил/купила/
купили ↔ купить, записался ↔ записаться, paid ↔ pay, called ↔ call …) and returns the
title with that verb in the infinitive, so the pipeline's fuzzy title matching finds
«Купить молоко» from «хлеб купил». Only verbs the canon lists as task actions count:
«вчера был у врача» and "I met Anna" name no task verb, so nothing is read. A negation
(«не купил», "didn't"), a question mark or a verb with no object reads nothing either.
PURE: text and the canon's task verbs in, a title or None out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from organizer.canon import Canon

# Irregular Russian pasts (no «-л» + «-ть» rule fits them).
_RU_IRREGULAR = {
    "принес": "принести", "принесла": "принести", "принесли": "принести",
    "отнес": "отнести", "отнесла": "отнести", "отнесли": "отнести",
    "вынес": "вынести", "вынесла": "вынести", "вынесли": "вынести",
    "занес": "занести", "занесла": "занести", "занесли": "занести",
    "привез": "привезти", "привезла": "привезти", "привезли": "привезти",
    "отвез": "отвезти", "отвезла": "отвезти", "отвезли": "отвезти",
    "нашел": "найти", "нашла": "найти", "нашли": "найти",
    "зашел": "зайти", "зашла": "зайти", "зашли": "зайти",
    "помог": "помочь", "помогла": "помочь", "помогли": "помочь",
}  # fmt: skip
# Irregular English pasts of task verbs (the regular ones lose their -ed).
_EN_IRREGULAR = {
    "paid": "pay", "sent": "send", "bought": "buy", "made": "make", "did": "do",
    "wrote": "write", "took": "take", "brought": "bring", "gave": "give",
    "told": "tell", "found": "find", "fed": "feed", "sold": "sell", "built": "build",
    "began": "begin", "drove": "drive", "ate": "eat", "drank": "drink", "spoke": "speak",
    "grabbed": "grab", "texted": "text", "emailed": "email", "e-mailed": "email",
}  # fmt: skip
# Words that carry no object: dropped from the title («я уже купил», "I already paid").
_FILLERS_TEXT = (
    "я мы уже наконец только что сегодня вчера утром вечером днем тоже всё все таки "
    "i we already finally just have has had ve today yesterday this morning tonight also "
    "too ok okay so well"
)
_FILLERS = frozenset(_FILLERS_TEXT.split())
_NEGATIONS_TEXT = "не ни not didn't didnt haven't havent hasn't never no"
_NEGATIONS = frozenset(_NEGATIONS_TEXT.split())
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*|\d+|[^\w\s]")
_CYR = re.compile(r"[а-яё]", re.IGNORECASE)


def _norm(word: str) -> str:
    return word.casefold().replace("ё", "е").replace("’", "'")


def _ru_infinitives(w: str) -> list[str]:
    if w in _RU_IRREGULAR:
        return [_RU_IRREGULAR[w]]
    for end, inf in (("лся", "ться"), ("лась", "ться"), ("лись", "ться"), ("лось", "ться"),
                     ("л", "ть"), ("ла", "ть"), ("ли", "ть"), ("ло", "ть")):  # fmt: skip
        if w.endswith(end) and len(w) - len(end) >= 2:
            return [w[: -len(end)] + inf]
    return []


def _en_infinitives(w: str) -> list[str]:
    if w in _EN_IRREGULAR:
        return [_EN_IRREGULAR[w]]
    if not w.endswith("ed") or len(w) < 5:
        return []
    base = w[:-2]
    out = [base, w[:-1]]  # called -> call, prepared -> prepare
    if w.endswith("ied"):
        out.append(w[:-3] + "y")  # replied -> reply
    if len(base) >= 3 and base[-1] == base[-2]:
        out.append(base[:-1])  # submitted -> submit
    return out


def infinitive(word: str, verbs: frozenset[str]) -> str | None:
    """The task verb `word` is a past form of (in `verbs`), or None."""
    w = _norm(word)
    cands = _ru_infinitives(w) if _CYR.search(w) else _en_infinitives(w)
    return next((c for c in cands if c in verbs), None)


def completion(text: str, verbs: Iterable[str]) -> str | None:
    """«хлеб купил» -> «купить хлеб»; None when the text reports no finished task."""
    known = frozenset(verbs)
    words = _WORD.findall(text)
    if not words or "?" in words:
        return None
    norms = [_norm(w) for w in words]
    for i, w in enumerate(words):
        verb = infinitive(w, known)
        if verb is None:
            continue
        if any(n in _NEGATIONS for n in norms[:i]):
            return None
        # the rest of the message (before and after the verb) names the object
        rest = [
            words[k]
            for k in range(len(words))
            if k != i
            and norms[k] not in _FILLERS
            and _WORD.fullmatch(words[k])
            and (words[k][0].isalnum())
        ]
        if not rest:
            return None
        return " ".join([verb.capitalize(), *rest])
    return None


def task_verbs(phrases: Iterable[tuple[str, ...]]) -> frozenset[str]:
    """The one-word phrases of the canon's task vocabulary (the verbs a task leads with)."""
    return frozenset(p[0] for p in phrases if len(p) == 1 and not p[0].endswith("*"))


def past_completion(
    text: str, intent: str, canon: Canon, start: datetime | None, now: datetime
) -> str | None:
    """The hook of parsing/api.py: a past-tense report read as `complete` with this title.

    Only for messages the grammar read as nothing, or as a new item with no start or one
    already begun («вчера купил молоко», «сегодня купила хлеб»); «записался к врачу на
    пятницу» (a time ahead) stays the appointment it reports. "got" is left out ("I've
    got a meeting at 3" is no report of a done task).
    """
    if intent != "unknown" and start is not None and start > now:
        return None
    return completion(text, task_verbs(canon.phrases("task")))
