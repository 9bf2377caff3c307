"""«не знаю» / "whenever" as the answer to "when?". PURE.

Asked «Когда?», a person who has no time yet says so: «не знаю», «пока не знаю»,
«потом решу», «как-нибудь потом», "no idea", "not sure yet", "later". Such an answer
is not a new item and not an unreadable time: the item is kept without a time
(pipeline/keep.py). `is_unsure` recognises the whole message as one of these phrases,
with leading/trailing filler words («ну», «хм», «пока», "well", "yet") allowed.
"""

from __future__ import annotations

import re

_PHRASES_TEXT = """
не знаю|я не знаю|не знаю когда|пока не знаю|еще не знаю|понятия не имею|без понятия|
не решил|не решила|не решили|еще не решил|еще не решила|пока не решил|пока не решила|
потом решу|решу потом|потом|позже|попозже|потом скажу|скажу потом|скажу позже|
как-нибудь|как нибудь|как-нибудь потом|как нибудь потом|когда-нибудь|когда нибудь|
неизвестно|не определился|не определилась|хз|не важно|неважно|все равно|когда угодно|
без времени|без даты|без срока|время уточню|уточню позже|уточню потом|
whenever|no idea|not sure|not sure yet|i'm not sure|im not sure|i am not sure|later|
don't know|dont know|i don't know|i dont know|idk|dunno|no clue|not yet decided|
haven't decided|havent decided|i haven't decided|undecided|decide later|i'll decide later|
ill decide later|i'll tell you later|tbd|sometime|some time|someday|some day|
doesn't matter|doesnt matter|any time|anytime|no time|no date|no date yet|no deadline|
later maybe|maybe later|not decided
"""
PHRASES = frozenset(p.strip() for p in _PHRASES_TEXT.replace("\n", "").split("|"))
_EDGE_TEXT = (
    "ну хм эм ой ээ да а пока еще что-то честно well um hmm uh oh yet honestly really "
    "still so ok okay"
)
_EDGE_FILLERS = frozenset(_EDGE_TEXT.split())
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


def _words(text: str) -> list[str]:
    return [w.replace("’", "'") for w in _WORD.findall(text.casefold().replace("ё", "е"))]


def is_unsure(text: str) -> bool:
    """Is the whole message "I don't know when (yet)"?"""
    words = _words(text)
    if not words or len(words) > 8:
        return False
    for lo in range(len(words)):
        if lo and words[lo - 1] not in _EDGE_FILLERS:
            break
        for hi in range(len(words), lo, -1):
            if hi < len(words) and words[hi] not in _EDGE_FILLERS:
                break
            if " ".join(words[lo:hi]) in PHRASES:
                return True
    return False
