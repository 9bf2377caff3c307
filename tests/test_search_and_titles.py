"""Search wordings and matching, long dictated pastes and short titles (issue 16 #8, #11):
the pure parts (organizer.parsing.lists, organizer.pipeline.lists, .longtext), plain values.
The same through the chat: tests/test_search_overlap_dialogues.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from organizer.parsing import lists as asked
from organizer.pipeline import lists
from organizer.pipeline.longtext import TITLE_CHARS, is_paste, note_title, short_title


@dataclass
class It:
    id: int
    type: str
    title: str | None
    status: str = "OPEN"
    start_at: datetime | None = None
    end_at: datetime | None = None
    all_day: bool = False
    rrule: str | None = None


# ---------------------------------------------------------------- what is a search


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("найди, что я записывал про резину", "резину"),
        ("поищи где я писал про ключи", "ключи"),
        ("найди мне, пожалуйста, всё что я сохранял насчёт дачи", "дачи"),
        ("найди все заметки про Игоря", "игоря"),
        ("поищи в заметках пароль", "пароль"),
        ("где у меня про отпуск?", "отпуск"),
        ("где у меня записано про страховку", "страховку"),
        ("где я записывал номер полиса", "номер полиса"),
        ("где моя заметка про wifi", "wifi"),
        ("что у меня есть про Марину", "марину"),
        ("что я писал о ремонте", "ремонте"),
        ("а есть что-нибудь про шины?", "шины"),
        ("есть ли у меня заметка насчёт роутера", "роутера"),
        ("покажи всё про ремонт", "ремонт"),
        ("покажи заметки про дачу", "дачу"),
        ("поиск: страховка", "страховка"),
        ("find anything about the boiler", "boiler"),
        ("find what I wrote about tyres", "tyres"),
        ("find everything I saved on the lease", "lease"),
        ("look for notes on the router", "router"),
        ("look up insurance", "insurance"),
        ("do I have anything about the lease?", "lease"),
        ("is there a note on the boiler", "boiler"),
        ("anything about Marcus?", "marcus"),
        ("where did I write about the spare keys", "spare keys"),
        ("where did I put the note about the boiler", "boiler"),
        ("where's my note about the router", "router"),
        ("what did I note about the garage", "garage"),
        ("show me everything about Marcus", "marcus"),
        ("напомни, что я записывал про Игоря", "игоря"),
        ("ты не помнишь, что я писал про шины?", "шины"),
        ("найди, где я писал, что резину надо поменять", "резину надо поменять"),
        ("у меня было что-то про страховку?", "страховку"),
        ("покажи заметку с паролем", "паролем"),
        ("search: router", "router"),
        ("any notes about the router?", "router"),
        ("remind me what I wrote about the boiler", "boiler"),
        ("do you remember what I saved about Marcus", "marcus"),
    ],
)
def test_search_wordings(text: str, query: str) -> None:
    assert asked.read(text, has_time=False) == asked.Asked(None, query)


@pytest.mark.parametrize(
    "text",
    [
        "найти сантехника",  # a to-do, not a search
        "find a plumber",
        "look for a new flat",
        "где у меня встреча",
        "что я писал",
        "что у меня есть",
        "есть хочется",
        "show me",
        "note about the garage: the code is 4412",  # a note to keep
        "note about the garage door code",
        "напомни, что завтра собрание",
    ],
)
def test_not_searches(text: str) -> None:
    got = asked.read(text, has_time=False)
    assert got is None or got.search is None


def test_a_search_with_a_day_said_is_not_one() -> None:
    assert asked.read("найди, что я записывал про резину", has_time=True) is None


# ---------------------------------------------------------------- what a search finds


POOL = [
    It(1, "note", "Зимнюю резину хранить у Игоря в гараже"),
    It(2, "note", "Номер полиса ОСАГО 0123456789"),
    It(3, "meeting", "Обед с Аней"),
    It(4, "note", "Пароль от wi-fi: qwerty"),
    It(5, "task", "Spare keys for Marcus"),
    It(6, "meeting", "Встреча с Петей"),
    It(7, "note", "Петя: позвонить в пятницу"),
]


def found(query: str) -> list[int]:
    return [i.id for i in lists.search(query, POOL, [None] * len(POOL))]


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ("игорь", [1]),  # a name in another case
        ("игорем", [1]),
        ("аню", [3]),  # a short name: «Аня» / «Аню» / «Ане»
        ("ане", [3]),
        ("резин", [1]),  # a partial word
        ("гараж", [1]),
        ("wifi", [4]),  # "wi-fi"
        ("пароль wifi", [4]),
        ("marcus's keys", [5]),
        ("spar", [5]),
        ("встречу с петей", [6]),  # «встречу» names the kind: the meeting first
        ("бассейн", []),
        ("резину надо поменять", [1]),  # «надо» says nothing of what is searched for
        ("что там было про осаго", [2]),
    ],
)
def test_search_finds_inflected_and_partial_words(query: str, ids: list[int]) -> None:
    assert found(query) == ids


def test_when_nothing_has_every_word_most_of_them_will_do() -> None:
    assert found("полис осаго игоря") == [2]  # two of three words
    assert found("полис бассейн") == [2]  # one of two: half
    assert found("полис бассейн каток") == []  # one of three: too little


# ---------------------------------------------------------------- long dictated pastes

RU_DICTATED = (
    "мысли про ремонт на даче крышу надо перекрыть до осени иначе опять потечёт над "
    "верандой бригада петровича просит предоплату половину а мы обычно платим треть ещё "
    "надо решить что делать со старой печкой разобрать или оставить как есть соседка "
    "говорит что её можно восстановить но это отдельные деньги и время в общем нужен "
    "подробный план работ и смета до конца месяца"
)


def test_an_unpunctuated_dictation_is_a_paste() -> None:
    assert is_paste(RU_DICTATED)
    assert not is_paste(RU_DICTATED[:250])  # short: a message
    assert not is_paste("напомни " + RU_DICTATED)  # a command leads
    assert not is_paste("купить " + "хлеб молоко " * 40)  # long, but not prose


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (RU_DICTATED, "Мысли про ремонт…"),  # the subject ends before a preposition
        ("заметка: " + RU_DICTATED, "Мысли про ремонт…"),
        ("notes on the quarterly budget we agreed to cut travel by a third and move the "
         "offsite to spring because the venue costs doubled", "Notes on the quarterly budget…"),
        ("so we talked for a long time about how to organise the move and still have not "
         "agreed on anything", "So we talked for a long time about…"),
        ("крышу надо перекрыть до осени иначе опять потечёт над верандой и тогда",
         "Крышу надо перекрыть до осени иначе опять потечёт…"),
    ],
)
def test_a_long_phrase_is_cut_at_a_natural_boundary(text: str, title: str) -> None:
    assert note_title(text) == title
    assert len(note_title(text)) <= TITLE_CHARS


def test_every_title_is_short() -> None:
    long = "Позвонить в управляющую компанию насчёт протечки на кухне и договориться о визите"
    assert short_title(long) == "Позвонить в управляющую компанию насчёт протечки на кухне…"
    assert short_title("Купить хлеб") == "Купить хлеб"
    assert len(short_title("x" * 500)) == TITLE_CHARS


def test_a_task_is_found_by_words_beyond_its_short_title() -> None:
    said = "позвонить в управляющую компанию насчёт протечки на кухне и договориться о визите"
    task = It(1, "task", short_title(said[:1].upper() + said[1:]))
    assert "визит" not in (task.title or "")
    assert [i.id for i in lists.search("визит мастера", [task], [said])] == [1]
    assert lists.search("бассейн", [task], [said]) == []


def test_title_stems_and_numbers_are_kept_per_text_and_each_caller_gets_its_own() -> None:
    """Issue 19: an open item's title is read for every message; its stems and numbers
    are kept, and a caller that changes its list changes nobody else's."""
    from organizer.pipeline import matching

    title = "Созвон с клиентом k20 (stems-kept test)"
    first = matching.stems(title)
    first.append("changed by a caller")
    assert "changed by a caller" not in matching.stems(title)
    hits = matching._stems.cache_info().hits
    matching.stems(title)
    assert matching._stems.cache_info().hits == hits + 1
    assert matching.numbers(title) == frozenset({"k20"})
    assert matching.numbers(title) is matching.numbers(title)
    assert matching.stems("") == [] and matching.stems(None) == []
