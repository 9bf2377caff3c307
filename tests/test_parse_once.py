"""Issue 19: a message is parsed once per turn (the multi-item look and the conversation
read the same text); the parser keeps its last few results."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

import organizer.parsing.api as api
from organizer.canon import load_canon

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))


def test_the_same_message_is_analysed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[str] = []
    real = api.analyse

    def counted(text, *args, **kw):  # type: ignore[no-untyped-def]
        runs.append(text)
        return real(text, *args, **kw)

    monkeypatch.setattr(api, "analyse", counted)
    canon = load_canon()
    text = "встреча с аудитором в четверг в 16 (parse-once test)"
    first = api.parse(text, NOW, "Europe/Moscow", canon)
    again = api.parse(text, NOW, "Europe/Moscow", canon)
    assert again is first and runs == [text]
    # another moment, zone or reading is another result
    api.parse(text, NOW.replace(hour=11), "Europe/Moscow", canon)
    api.parse(text, NOW, "Europe/Berlin", canon)
    api.parse(text, NOW, "Europe/Moscow", canon, whole=True)
    assert len(runs) == 4


def test_the_kept_results_are_bounded() -> None:
    canon = load_canon()
    for i in range(api.RECENT_MAX + 10):
        api.parse(f"купить {i} яблок", NOW, "Europe/Moscow", canon)
    assert len(api._RECENT) <= api.RECENT_MAX


def test_the_split_step_reuses_the_reading_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two items in one message: the grammar runs over the whole text once (the reading
    and the split into items share it), and each caller gets mentions of its own."""
    import organizer.parsing.scan as scan_mod
    from organizer.parsing.tokens import tokenize

    runs: list[int] = []
    real = scan_mod._scan

    def counted(toks, *args):  # type: ignore[no-untyped-def]
        runs.append(len(toks))
        return real(toks, *args)

    monkeypatch.setattr(scan_mod, "_scan", counted)
    text = "в понедельник в 10 планёрка и в среду в 11 созвон (scan-once test)"
    got = api.parse(text, NOW, "Europe/Moscow", load_canon())
    assert len(got.items) == 2
    whole = len(tokenize(text))
    assert runs.count(whole) == 1
    toks = tokenize(text)
    first = scan_mod.scan(toks, False)
    first[0].data["clock"] = "changed by a caller"
    again = scan_mod.scan(toks, False)
    assert again[0].data.get("clock") != "changed by a caller"
    assert [(m.kind, m.i, m.j) for m in again] == [(m.kind, m.i, m.j) for m in first]
    assert len(scan_mod._RECENT) <= scan_mod.RECENT_MAX


def test_the_time_is_assembled_once_per_item(monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[str] = []
    real = api.assemble

    def counted(intent, *args):  # type: ignore[no-untyped-def]
        runs.append(intent)
        return real(intent, *args)

    monkeypatch.setattr(api, "assemble", counted)
    got = api.parse("завтра в 15 встреча с Петей (assemble-once test)", NOW, "Europe/Moscow",
                    load_canon())
    assert got.intent == "meeting" and got.start is not None
    assert runs == ["meeting"]


def test_an_impossible_date_is_looked_for_only_where_one_can_be(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import organizer.parsing.baddate as baddate

    looked: list[int] = []
    real = baddate._date_at

    def counted(toks, k, en):  # type: ignore[no-untyped-def]
        looked.append(k)
        return real(toks, k, en)

    monkeypatch.setattr(baddate, "_date_at", counted)
    assert baddate.find("завтра в 15 встреча с Петей") is None
    assert looked == []  # no month named, no "31.04": nothing to look at
    assert baddate.find("31 апреля в 10 встреча") is not None
    assert baddate.find("встреча 31.04") is not None
    assert baddate.find("meeting 4/31") is not None


def test_the_shift_pattern_is_searched_only_beside_a_direction_word() -> None:
    """Issue 19: _SHIFT is a long pattern; every reading of it has a direction word, "by"
    or a verb particle, so a message without one skips it, with the same answer."""
    from organizer.parsing import shift

    said = ["перенеси на час позже", "push it by 30 minutes", "сдвинь на 15 минут раньше",
            "на день позже", "move lunch 30 minutes later", "on a week later",
            "позже на 2 часа", "pull it forward 20 min", "back by an hour", "вперёд на час",
            "move it up 15 minutes", "push out a week", "на полчаса попозже",
            "завтра в 15 встреча с Петей", "купить молоко", "meeting with Anna at 3pm",
            "созвон на 30 минут", "сдвинь на неделю вперёд", "by 5pm", "ПОЗЖЕ НА ЧАС"]
    for text in said:
        norm = text.replace("ё", "е").replace("Ё", "Е")
        if shift._SHIFT.search(norm) is not None:
            assert shift._SHIFT_WORD.search(norm) is not None, text
    assert shift._SHIFT_WORD.search("завтра в 15 встреча с Петей") is None
    assert shift.find_shift("перенеси на час позже") is not None
