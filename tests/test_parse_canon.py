"""The intent canon: the bundled file is valid; every mistake names file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from organizer.canon import INTENTS, bundled_canon_path, load_canon, parse_canon
from organizer.errors import CanonError
from organizer.parsing import parse

GOOD = bundled_canon_path().read_text(encoding="utf-8")


def test_bundled_canon_loads_and_names_every_intent() -> None:
    canon = load_canon()
    assert set(canon.intents) == set(INTENTS)
    assert canon.needs("meeting") == ("title", "date", "time")
    assert canon.phrases("meeting", "whole_day")
    assert load_canon() is canon  # cached


def _error(text: str) -> str:
    with pytest.raises(CanonError) as info:
        parse_canon(text, "x.yml")
    assert info.value.hint
    return info.value.message


@pytest.mark.parametrize(("text", "where"), [
    ("version: 2\nintents:\n  meeting:\n    needs: [tiem]\n    ru: [встреча]\n",
     "x.yml:4: intents.meeting.needs: unknown value 'tiem'"),
    ("version: 3\nintents: {}\n", "x.yml:1: version: expected 2"),
    ("intents: {}\n", "version: missing"),
    ("version: 2\nintents:\n  meting:\n    needs: []\n", "x.yml:3: intents.meting: unknown intent"),
    ("version: 2\nintents:\n  meeting:\n    needs: [date]\n    ru: встреча\n",
     "x.yml:5: intents.meeting.ru: expected a list of strings"),
    ("version: 2\nintents:\n  meeting:\n    needs: [date]\n    ru: [встреча, '']\n",
     "x.yml:5: intents.meeting.ru: empty string"),
    ("version: 2\nintents:\n  meeting:\n    needs: [date]\n    ru: [a]\n    de: [b]\n",
     "x.yml:6: intents.meeting.de: unknown field"),
    ("version: 2\nintents:\n  meeting:\n    ru: [встреча]\n", "intents.meeting.needs: missing"),
    ("version: 2\nintents: [1, 2]\n", "x.yml:2: intents: expected a mapping"),
    ("version: 2\nintents:\n  meeting: {needs: [date], ru: [a]}\n",
     "intents.task: missing intent"),
    ("version: 2\nintents: {\n", "x.yml:"),
    ("", "x.yml:1"),
    ("version: 2\nextra: 1\nintents: {}\n", "x.yml:2: extra: unknown field"),
])
def test_mistakes_name_file_line_and_field(text: str, where: str) -> None:
    assert where in _error(text)


def test_duplicate_key_is_reported() -> None:
    text = GOOD.replace("  task:\n", "  task:\n    needs: [title]\n", 1)
    assert "duplicate key" in _error(text)


def test_canon_vocabulary_changes_behaviour(tmp_path: Path) -> None:
    from datetime import datetime

    path = tmp_path / "canon.yml"
    path.write_text(GOOD.replace("    ru: [встреча, ", "    ru: [посиделки, встреча, ", 1),
                    encoding="utf-8")
    canon = load_canon(path)
    now = datetime.fromisoformat("2026-11-23T10:00:00+03:00")
    assert parse("посиделки в 19", now, "Europe/Moscow", canon).intent == "meeting"
    assert parse("посиделки в 19", now, "Europe/Moscow").intent == "task"


def test_missing_file_is_a_canon_error(tmp_path: Path) -> None:
    with pytest.raises(CanonError, match="does not exist"):
        load_canon(tmp_path / "nope.yml")
