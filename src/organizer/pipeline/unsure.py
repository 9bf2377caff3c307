"""«не знаю» / "whenever" as the answer to "when?". PURE.

Asked «Когда?», a person who has no time yet says so: «не знаю», «сам пока не знаю»,
«время пока не знаю», «хз», «пока без времени», «не важно когда», «когда-нибудь потом»,
"no idea", "dunno", "no date for now", "don't know the time yet". Such an answer is not a
new item and not an unreadable time: the item is kept without a time (pipeline/keep.py).

`is_unsure` drops the words that only hedge or name what is unknown («сам», «пока»,
«время», «когда», "the time", "yet", "for now" …) and then needs the rest to be one or
more of the hedge phrases below, nothing else: «не знаю, может завтра» says a day and is
read as an answer; "later today" too.
"""

from __future__ import annotations

import re

_PHRASES_TEXT = """
не знаю|не знаем|не знаю точно|понятия не имею|без понятия|не в курсе|не уверен|не уверена|
не решил|не решила|не решили|не решено|не определился|не определилась|не определились|
потом решу|решу потом|решим потом|потом решим|потом|позже|попозже|потом скажу|скажу потом|
скажу позже|сообщу позже|напишу позже|как-нибудь|как нибудь|когда-нибудь|когда нибудь|
как получится|когда получится|когда смогу|когда будет время|неизвестно|неясно|не ясно|
непонятно|не понятно|хз|фиг знает|кто знает|бог знает|не важно|неважно|все равно|
без разницы|когда угодно|в любое|в любое время|без времени|без даты|без срока|без дня|
без конкретного|уточню|уточню позже|уточню потом|не могу сказать|сложно сказать|
whenever|no idea|not sure|unsure|later|don't know|dont know|do not know|idk|dunno|no clue|
not decided|undecided|haven't decided|havent decided|have not decided|decide later|
i'll decide later|ill decide later|i'll tell you later|i'll let you know|tell you later|
tbd|tba|to be decided|to be determined|sometime|some time|someday|some day|one day|
doesn't matter|doesnt matter|does not matter|any time|anytime|no time|no date|
no deadline|no specific|no particular|maybe later|who knows|hard to say|can't say|
cant say|not known|unknown|no rush|no hurry|when i can|whenever i can|at some point|
решу позже|позже решу|позже скажу|уточним|уточним позже|уточняется|уточнится|
не определено|не определена|не определен|неизвестна|неизвестен|неизвестны|не помню|
когда будет возможность|как будет возможность|без конкретной|пока нет|не сейчас|
просто сохрани|сохрани так|оставь так|оставь открытым|не назначено|не назначили|
not yet|not now|whenever works|figure it out later|figure out later|let me think|
without|not set|haven't picked|havent picked|haven't set|havent set|haven't chosen|
not scheduled|unscheduled|open|open-ended|just save|save as is|leave it|can't remember|
don't remember|dont remember|no set time|no set date|no fixed time|no fixed date|
не точно|неточно|не факт|под вопросом|не подтверждено|not certain|tentative|tentatively|
not final|not confirmed
"""
PHRASES = frozenset(p.strip() for p in _PHRASES_TEXT.replace("\n", "").split("|"))
_LONGEST = max(len(p.split()) for p in PHRASES)
# Words that only hedge, or name the unknown thing: dropped before the phrases are matched.
_FILLERS_TEXT = (
    "ну хм эм ой ээ да а и но пока еще что-то честно сам сама сами я мы вообще точно "
    "время времени дату дата день дня срок когда во сколько сколько это этого тут уж "
    "говоря сейчас правда так ладно спасибо "
    "well um hmm uh oh yet honestly really still so ok okay i we the a an time date day "
    "when for now right just exactly yeah yes sorry actually it that about as of thanks "
    "and but or is be lol i'll ill we'll will a me his yet its it's "
    "его даты просто пусть будет сохрани запиши оставь так конкретно save keep "
)
_FILLERS = frozenset(_FILLERS_TEXT.split())
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_MAX_WORDS = 10
_AMOUNT_LATER = re.compile(
    r"\b(?:a|an|one|another|a few|a couple of|half an?)\s+(?:minute|hour|day|week|month)s?"
    r"\s+(?:later|earlier|sooner|after|before)\b",
    re.IGNORECASE,
)


def _words(text: str) -> list[str]:
    return [w.replace("’", "'") for w in _WORD.findall(text.casefold().replace("ё", "е"))]


def _phrases_only(words: list[str]) -> bool:
    """Can `words` (at least one) be cut into hedge phrases, fillers between them?"""
    reach = [False] * (len(words) + 1)
    reach[0] = True
    found = [False] * (len(words) + 1)
    for lo in range(len(words)):
        if not reach[lo]:
            continue
        if words[lo] in _FILLERS:
            reach[lo + 1] = True
            found[lo + 1] = found[lo + 1] or found[lo]
        for hi in range(lo + 1, min(len(words), lo + _LONGEST) + 1):
            if " ".join(words[lo:hi]) in PHRASES:
                reach[hi] = True
                found[hi] = True
    return reach[-1] and found[-1]


def is_unsure(text: str) -> bool:
    """Is the whole message "I don't know when (yet)"?"""
    if re.search(r"\d", text):  # a number is a time or a date, not a hedge
        return False
    if _AMOUNT_LATER.search(text):  # "a day later", "an hour earlier": a shift, not a hedge
        return False
    words = _words(text)
    if not words or len(words) > _MAX_WORDS:
        return False
    # «не могу пока сказать», «а фиг его знает»: a filler inside a phrase
    return _phrases_only(words) or _phrases_only([w for w in words if w not in _FILLERS])


# A hedge said beside a day: «в субботу, время пока не знаю», "tomorrow, not sure what time".
_CLAUSE = re.compile(r"\s*(?:[,;.!—–]+|\s-\s|\b(?:а|но|but|and|и)\b)\s*", re.IGNORECASE)
_QUESTION_WORDS = frozenset({"what", "which", "во", "сколько", "какое", "какой", "exactly"})


def _hedge_clause(clause: str) -> bool:
    words = [w for w in _words(clause) if w not in _QUESTION_WORDS]
    return bool(words) and is_unsure(" ".join(words))


def beside_hedge(text: str) -> str | None:
    """The rest of a message that is partly a hedge («в субботу, время не знаю» → «в
    субботу»), or None when no clause of it hedges or nothing else is said."""
    if len(text) > 200:
        return None
    clauses = [c for c in _CLAUSE.split(text) if c and c.strip()]
    hedging = [_hedge_clause(c) for c in clauses]  # each clause read once
    rest = [c for c, h in zip(clauses, hedging, strict=True) if not h]
    if not any(hedging) or not rest:
        return None
    return ", ".join(c.strip() for c in rest)


# Words an answer is wrapped in that say nothing of the day or time: "march 2 at 11
# then", "friday instead", «тогда 2 марта», «в 12 лучше». Cut from the answer's edges, so
# they neither become the title nor sit between the draft's words and the answer.
_WRAP = re.compile(
    r"^(?:(?:then|instead|ok|okay|well|so|тогда|лучше|ну|ладно|давай|давайте)\b[\s,]*)+"
    r"|(?:[\s,]+(?:then|instead|please|rather|тогда|лучше|пожалуйста|давай))+[\s.!]*$",
    re.IGNORECASE,
)


def unwrapped(text: str) -> str:
    """The answer without the fillers at its edges ("march 2 at 11 then" → "march 2 at
    11"); the text as it was when nothing else is left."""
    return _WRAP.sub("", text).strip() or text
