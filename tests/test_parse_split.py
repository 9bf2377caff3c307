"""Several items in one message (organizer.parsing.split): where a message is cut, what
the parts share, the `items` of the parse record, and properties of the cut."""

from __future__ import annotations

import itertools
import json
import subprocess
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ORGANIZER
from organizer.canon import load_canon
from organizer.parsing import parse
from organizer.parsing.split import parts
from organizer.parsing.tokens import tokenize

NOW = datetime.fromisoformat("2026-11-23T10:00:00+03:00")  # Monday
TZ = "Europe/Moscow"
CANON = load_canon()


def items(text: str) -> list[tuple[str, str | None, str | None, list[str]]]:
    d = parse(text, NOW, TZ, CANON).to_dict()
    return [(i["intent"], i["title"], i["start"], i["needs"]) for i in d.get("items", [])]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("в понедельник в 10 планёрка и в среду в 10 планёрка", [
            ("meeting", "Планёрка", "2026-11-30T10:00:00+03:00", []),
            ("meeting", "Планёрка", "2026-11-25T10:00:00+03:00", [])]),
        ("завтра купить хлеб и в 18 позвонить маме", [
            ("task", "Купить хлеб", "2026-11-24T00:00:00+03:00", []),
            ("task", "Позвонить маме", "2026-11-24T18:00:00+03:00", [])]),
        ("lunch with Anna at 1pm and call the bank at 4", [
            ("meeting", "Lunch with Anna", "2026-11-23T13:00:00+03:00", []),
            ("task", "Call the bank", "2026-11-23T16:00:00+03:00", [])]),
        ("1. купить хлеб\n2. позвонить маме", [
            ("task", "Купить хлеб", None, []), ("task", "Позвонить маме", None, [])]),
        ("- купить хлеб\n- в 15 созвон с Олей", [
            ("task", "Купить хлеб", None, []),
            ("meeting", "Созвон с Олей", "2026-11-23T15:00:00+03:00", [])]),
        # a heading that is only a day gives it to the lines below
        ("Надо завтра:\n1. купить хлеб\n2. позвонить маме", [
            ("task", "Купить хлеб", "2026-11-24T00:00:00+03:00", []),
            ("task", "Позвонить маме", "2026-11-24T00:00:00+03:00", [])]),
        ("Завтра:\n- купить хлеб\n- позвонить маме", [
            ("task", "Купить хлеб", "2026-11-24T00:00:00+03:00", []),
            ("task", "Позвонить маме", "2026-11-24T00:00:00+03:00", [])]),
        ("купить хлеб; позвонить маме", [
            ("task", "Купить хлеб", None, []), ("task", "Позвонить маме", None, [])]),
        ("завтра в 10 планёрка, а в 15 созвон с Олей", [
            ("meeting", "Планёрка", "2026-11-24T10:00:00+03:00", []),
            ("meeting", "Созвон с Олей", "2026-11-24T15:00:00+03:00", [])]),
        # a time said once at the head is shared by a part of the same kind with no time
        ("завтра в 10 купить хлеб, потом позвонить маме", [
            ("task", "Купить хлеб", "2026-11-24T10:00:00+03:00", []),
            ("task", "Позвонить маме", "2026-11-24T10:00:00+03:00", [])]),
        # … but not by another kind: the bread is tomorrow, without the standup's time
        ("завтра в 10 планёрка, потом купить хлеб", [
            ("meeting", "Планёрка", "2026-11-24T10:00:00+03:00", []),
            ("task", "Купить хлеб", "2026-11-24T00:00:00+03:00", [])]),
        # a part without what it needs says so
        ("завтра в 10 планёрка и в среду созвон с Олей", [
            ("meeting", "Планёрка", "2026-11-24T10:00:00+03:00", []),
            ("meeting", "Созвон с Олей", "2026-11-25T00:00:00+03:00", ["time"])]),
        ("gym at 7am then dinner with Bob at 8pm", [
            ("meeting", "Gym", "2026-11-24T07:00:00+03:00", []),
            ("meeting", "Dinner with Bob", "2026-11-23T20:00:00+03:00", [])]),
    ],
)
def test_several_items(text, expected):
    got = items(text)
    assert got == expected
    # the top-level fields are the first item's, for single-item consumers
    d = parse(text, NOW, TZ, CANON).to_dict()
    assert (d["intent"], d["title"], d["start"], d["needs"]) == expected[0]


@pytest.mark.parametrize(
    "text",
    [
        "встреча с Петей и Машей",
        "купить хлеб и молоко",
        "с 10 и до 12 совещание",
        "позвонить маме и папе",
        "позвонить бабушке и поздравить с праздником",
        "в полночь выключить духовку и проверить пирог",
        "встреча с Олей в 5, а потом ужин",
        "по понедельникам и четвергам в восемь утра спортзал",
        "every tuesday and thursday at 7pm yoga class",
        "call mom and dad at the same time",
        "заметка: купить хлеб и в 18 позвонить маме",
        "отмени встречу с Петей и созвон с Олей",
        "dinner with mike and jane on saturday at seven thirty pm",
        "Купить молоко, хлеб и яйца",
        # a correction of one time is one thing («а» / "but" join nothing here)
        "встреча не в 12, а в 14",
        "созвон не в пятницу в 10 а в субботу в 11",
        "lunch not at noon but at 1pm tomorrow",
    ],
)
def test_one_item_is_not_cut(text):
    assert items(text) == []
    assert "items" not in parse(text, NOW, TZ, CANON).to_dict()


def test_each_item_says_what_it_was_read_from():
    d = parse("завтра купить хлеб и в 18 позвонить маме", NOW, TZ, CANON).to_dict()
    assert [i["text"] for i in d["items"]] == ["завтра купить хлеб", "завтра в 18 позвонить маме"]


def test_parse_cli_prints_items():
    r = subprocess.run(
        [ORGANIZER, "parse", "--now", NOW.isoformat(), "--tz", TZ,
         "в понедельник в 10 планёрка и в среду в 10 планёрка"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["title"] == "Планёрка" and d["start"] == "2026-11-30T10:00:00+03:00"
    assert [i["start"] for i in d["items"]] == [
        "2026-11-30T10:00:00+03:00", "2026-11-25T10:00:00+03:00"]


# ------------------------------------------------------------------ properties

# No day said and no time at the head of a task: nothing is shared between them.
ITEMS = [
    "в 10 планёрка", "в 15 созвон с Олей", "купить хлеб", "позвонить маме",
    "забрать посылку в 18", "оплатить интернет", "в 12 встреча с Петей",
    "call the bank at 4", "lunch with Anna at 1pm", "buy milk", "pick up the kids at 5",
]
SINGLE = [*ITEMS, "встреча с Петей и Машей", "купить хлеб и молоко", "позвонить маме и папе", "buy milk and eggs", "meeting with John and Mary at 3", "с 10 и до 12 совещание"]
JOINS = ["; ", "\n", ", потом ", " then ", ", а также ", " also "]
WORDS = st.sampled_from(["и", "and", "а", ",", ";", "потом", "then", "\n", "1.", "-", "завтра",
                         "в", "10", "купить", "хлеб", "позвонить", "маме", "встреча", "с",
                         "Петей", "call", "mom", "at", "4", "планёрка", "также", "also"])


def _words(text: str) -> list[str]:
    return [t.t for t in tokenize(text) if t.kind == "w"]


@settings(max_examples=150, deadline=None)
@given(st.lists(WORDS, max_size=20).map(" ".join))
def test_cutting_never_loses_a_word(text):
    """Every word of the message is in one part or is the join between two."""
    spans = parts(text, CANON)
    assert spans == sorted(spans) and all(s <= e for s, e in spans)
    inside = [w for s, e in spans for w in _words(text[s:e])]
    gaps = [text[a:b] for (_, a), (b, _) in itertools.pairwise(spans)]
    between = [w for g in gaps for w in _words(g)]
    assert sorted(inside + between) == sorted(_words(text))
    assert set(between) <= {"и", "а", "also", "and", "then", "потом", "затем", "также", "ещё",
                            "еще", "после", "этого"}


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SINGLE))
def test_a_single_item_is_never_cut(text):
    assert len(parts(text, CANON)) == 1 and items(text) == []


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(ITEMS), min_size=2, max_size=4), st.sampled_from(JOINS))
def test_items_joined_strongly_come_back_one_by_one(chosen, join):
    """Items joined by ";", a new line, "потом", "then" … are read as each alone."""
    got = items(join.join(chosen))
    alone = [parse(c, NOW, TZ, CANON).to_dict() for c in chosen]
    assert [(i[0], i[1], i[2]) for i in got] == [(a["intent"], a["title"], a["start"])
                                                for a in alone]


def test_joins_looked_up_by_first_word_find_what_the_list_finds() -> None:
    """Issue 19: `_join_at` looks the token up among the joins that begin with it; the
    answer is the first join of _JOINS that matches, as when every join was tried."""
    from organizer.parsing import split
    from organizer.parsing.tokens import tokenize

    def linear(toks, i):  # type: ignore[no-untyped-def]
        for words, strong in split._JOINS:
            j = i + len(words)
            if j <= len(toks) and tuple(t.t for t in toks[i:j]) == words:
                return j, strong
        return None

    assert sorted(j for js in split._JOINS_BY_FIRST.values() for j in js) == sorted(split._JOINS)
    for text in ("купить хлеб а также молоко", "и потом позвонить", "call mom and then dad",
                 "после этого и ещё а затем", "then also and", "встреча в 10, а потом обед"):
        toks = tokenize(text)
        for i in range(len(toks) + 1):
            assert split._join_at(toks, i) == linear(toks, i), (text, i)
