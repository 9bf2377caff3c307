"""No reply repeats more than ~80 characters of what the person wrote (issue 16 #11),
whatever path the message takes: a new item, a paste, a search, a list, a move, a question.

Real parser, real SQLite, real Worker (fixtures.pipeline).
"""

from __future__ import annotations

import pytest

from fixtures.pipeline import Pipe
from organizer.pipeline.longtext import TITLE_CHARS

ECHO = 80  # the most of the person's own text a reply may repeat (replies.ECHO_CHARS)

# Dictated, with no punctuation: every window of it is the person's own words.
RU_TAIL = (
    "потому что в прошлый раз всё сорвалось из-за того что никто не знал кто отвечает за "
    "ключи от склада и где лежат документы по аренде которые просил показать новый "
    "арендатор с третьего этажа"
)
EN_TAIL = (
    "because last time nobody knew who had the keys to the storage room or where the lease "
    "papers were kept and the new tenant from the third floor kept asking to see them"
)


def _longest_echo(reply: str, said: str) -> int:
    """The longest run of `said` (case and spacing kept) that the reply repeats."""
    best = 0
    for i in range(len(said)):
        lo, hi = best, len(said) - i
        while lo < hi:  # binary search on the length of a run starting at i
            mid = (lo + hi + 1) // 2
            if said[i : i + mid] in reply:
                lo = mid
            else:
                hi = mid - 1
        best = max(best, lo)
    return best


def _say(pipe: Pipe, text: str, lang: str | None = None) -> str:
    reply = pipe.say(text, lang=lang).text or ""
    assert _longest_echo(reply, text) <= ECHO, reply
    return reply


@pytest.mark.parametrize(
    "text",
    [
        "напомни завтра позвонить в управляющую компанию " + RU_TAIL,
        "завтра в 15 встреча с арендатором " + RU_TAIL,
        "заметка: " + RU_TAIL + " " + RU_TAIL,
        "купить " + RU_TAIL,
        "remind me tomorrow to call the building manager " + EN_TAIL,
        "meeting with the tenant tomorrow at 3pm " + EN_TAIL,
        "note: " + EN_TAIL + " " + EN_TAIL,
    ],
)
def test_a_long_message_is_never_echoed_whole(pipe: Pipe, text: str) -> None:
    _say(pipe, text, "en" if text.isascii() else None)
    assert all(len(i["title"]) <= TITLE_CHARS for i in pipe.items())


def test_lists_searches_and_questions_echo_little(pipe: Pipe) -> None:
    pipe.say("заметка: " + RU_TAIL)
    pipe.say("купить " + RU_TAIL)
    pipe.say("встреча с арендатором " + RU_TAIL[:150])  # a draft: «Когда …?»
    _say(pipe, "в пятницу " + RU_TAIL[:120])  # the answer, with more words
    _say(pipe, "покажи заметки")
    _say(pipe, "какие у меня задачи")
    _say(pipe, "что у меня в пятницу")
    _say(pipe, "найди про " + RU_TAIL[:140])
    _say(pipe, "найди про ключи от склада")
    _say(pipe, "перенеси встречу с арендатором " + RU_TAIL[:100] + " на субботу в 12")
    _say(pipe, "отмени " + RU_TAIL[:150])
    _say(pipe, "find anything about " + EN_TAIL[:150], "en")
