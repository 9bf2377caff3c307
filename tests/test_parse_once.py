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
