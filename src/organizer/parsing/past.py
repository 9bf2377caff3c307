"""Past-tense reports of a finished to-do: «купил молоко», «хлеб купил», "paid the bill".

A person who did something says so in the past tense; that completes the matching open
task. `completion` finds a past form of one of the canon's task verbs (купил/купила/
купили ↔ купить, записался ↔ записаться, paid ↔ pay, called ↔ call …) and returns the
title with that verb in the infinitive, so the pipeline's fuzzy title matching finds
«Купить молоко» from «хлеб купил». Only verbs the canon lists as task actions count:
«вчера был у врача» and "I met Anna" name no task verb, so nothing is read. A negation
(«не купил», "didn't") or a question mark reads nothing either; a verb alone («купил»)
names the task by its verb («Купить»).
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
    "threw": "throw", "hung": "hang", "went": "go",
}  # fmt: skip
# Phrasal verbs: "picked up the parcel", "dropped off the keys", "filled out the form",
# "signed up for yoga". A past form followed by one of these particles counts when its
# base is a verb people make to-dos of (the canon's phrasal ones among them); "picked
# Anna" (no particle) needs "pick" among the canon's one-word task verbs, and it is not.
_PARTICLES_TEXT = "up off out in back over down away on through"
_PARTICLES = frozenset(_PARTICLES_TEXT.split())
# ("put", "set": their past is their imperative, "set up the printer" is a to-do.)
_PHRASAL_TEXT = (
    "pick drop fill sign hand turn check clean wash throw take put set send bring give "
    "pay write look sort log top charge hang print follow wrap figure fix mail ring call "
    "book clear tidy empty lock plug switch back pass carry hook pull"
)
_PHRASAL = frozenset(_PHRASAL_TEXT.split())
# Words that carry no object: dropped from the title («я уже купил», "I already paid").
_FILLERS_TEXT = (
    "я мы уже наконец только что сегодня вчера утром вечером днем тоже всё все таки "
    "i we already finally just have has had ve today yesterday this morning tonight also "
    "too ok okay so well"
)
_FILLERS = frozenset(_FILLERS_TEXT.split())
# Words that confirm without naming anything: «да, сделал», «ага, готово», "yep, did it",
# "took them", "all done". A completion whose title is only these names no item: the
# item just created or reminded is meant (pipeline/referent.py).
_BARE_TEXT = (
    "да ага угу ок окей ладно уже все всё вроде точно тоже это его ее её их их него нее "
    "спасибо и я мы ну так вот этим этой этом тем том ним ней них "
    "yes yep yeah yup ya ok okay sure already all it them this that these those thanks "
    "thank you i we just now too also well so alright right got it's its that's thats is was "
    "and done готово"
)
_BARE = frozenset(_BARE_TEXT.split())
_ALREADY = frozenset({"уже", "already"})
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


def infinitive(
    word: str, verbs: frozenset[str], particle: bool = False, after: str = ""
) -> str | None:
    """The task verb `word` is a past form of (in `verbs`), or None. Before a particle
    ("picked up") the common phrasal bases count too, and before `after` a two-word task
    phrase of the canon ("went to" ↔ "go to")."""
    w = _norm(word)
    cands = _ru_infinitives(w) if _CYR.search(w) else _en_infinitives(w)
    known = verbs | _PHRASAL if particle else verbs
    return next((c for c in cands if c in known or f"{c} {after}" in verbs), None)


def names_nothing(words: Iterable[str]) -> bool:
    """Are these words only confirmations and pronouns ("yep", "it", «ага», «это»)?"""
    return all(_norm(w) in _BARE for w in words)


# Leading words of a completion's title that only confirm or frame it ("yep, the report",
# "I'm done with the slides" → "The slides").
_LEAD = _BARE | {"i'm", "im", "with", "да", "ага", "с", "со"}


def bare_title(title: str | None) -> str | None:
    """A completion's title, or None when it only confirms («Ага», "Yep, it", "All");
    confirming words in front are dropped ("Yep, the report" → "The report")."""
    if title is None:
        return None
    words = [m for m in _WORD.finditer(title) if m.group()[0].isalnum()]
    if all(_norm(m.group()) in _LEAD for m in words):
        return None
    lead = next(m for m in words if _norm(m.group()) not in _LEAD)
    if lead is words[0]:
        return title
    rest = title[lead.start():]
    return rest[:1].upper() + rest[1:]


def completion(text: str, verbs: Iterable[str]) -> str | None:
    """«хлеб купил» -> «купить хлеб»; None when the text reports no finished task;
    "" when it reports one without naming it ("took them", «уже», "already")."""
    known = frozenset(verbs)
    words = _WORD.findall(text)
    if not words or "?" in words:
        return None
    norms = [_norm(w) for w in words]
    said = [n for n in norms if n[0].isalnum()]
    if said and names_nothing(said) and _ALREADY & set(said):
        return ""  # «уже», "already": done, and nothing named
    # the particle right after the verb, or at the end ("dropped the car off")
    last = next((n for n in reversed(norms) if n[0].isalnum()), "")
    for i, w in enumerate(words):
        particle = (i + 1 < len(norms) and norms[i + 1] in _PARTICLES) or last in _PARTICLES
        verb = infinitive(w, known, particle, norms[i + 1] if i + 1 < len(norms) else "")
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
        if not rest:  # «уже купил»: done, nothing named; «купил»: the task with that verb
            return "" if _ALREADY & set(norms) else verb.capitalize()
        if names_nothing(rest):
            return ""  # "took them", «купил его»: the item the conversation is about
        return " ".join([verb.capitalize(), *rest])
    return None


def task_verbs(phrases: Iterable[tuple[str, ...]]) -> frozenset[str]:
    """The one-word phrases of the canon's task vocabulary (the verbs a task leads with),
    and its two-word ones joined by a space ("go to", «сходить в»), which count only with
    their second word after the verb."""
    return frozenset(
        " ".join(p) for p in phrases if len(p) <= 2 and not p[-1].endswith("*")
    )


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
    return completion(text, _task_verbs_of(canon.phrases("task")))


# The canon's task verbs, built once per canon (its phrase tuples are immutable) rather than
# on every message the grammar reads as a task or as nothing (issue 19). The tuple is kept
# beside the set, so a new tuple at a reused address is never confused with the old one.
_VERBS: dict[int, tuple[tuple[tuple[str, ...], ...], frozenset[str]]] = {}


def _task_verbs_of(phrases: tuple[tuple[str, ...], ...]) -> frozenset[str]:
    hit = _VERBS.get(id(phrases))
    if hit is None or hit[0] is not phrases:
        if len(_VERBS) > 8:  # canons reloaded many times (tests): start over
            _VERBS.clear()
        hit = _VERBS[id(phrases)] = (phrases, task_verbs(phrases))
    return hit[1]
