"""The text catalogues: one per language, the same keys, formats that fill."""

from __future__ import annotations

import ast
import re
import string
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from organizer import texts
from organizer.pipeline import replies, timefmt

SRC = Path(texts.__file__).resolve().parents[1]
PLURAL_CATEGORIES = {"zero", "one", "two", "few", "many", "other"}


class _Anything:
    """A value every format spec accepts ({size_mb:.0f} as well as {title})."""

    def __format__(self, spec: str) -> str:
        return "x"


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def _forms(value: texts.Template) -> list[str]:
    return [value] if isinstance(value, str) else list(value.values())


@pytest.mark.parametrize("lang", [lang for lang in texts.LANGS if lang != "ru"])
def test_every_catalogue_has_the_russian_keys(lang: str) -> None:
    ru, other = texts.catalogue("ru"), texts.catalogue(lang)
    assert sorted(set(ru) - set(other)) == [], f"{lang} lacks these texts"
    assert sorted(set(other) - set(ru)) == [], f"{lang} has texts ru lacks"


@pytest.mark.parametrize("lang", texts.LANGS)
def test_every_template_fills(lang: str) -> None:
    for key, value in texts.catalogue(lang).items():
        if not isinstance(value, str):
            assert "other" in value and set(value) <= PLURAL_CATEGORIES, key
        for form in _forms(value):
            form.format_map(defaultdict(_Anything))  # no stray brace, no positional field
            assert all(f.isidentifier() for f in _fields(form)), key


def test_plural_forms_follow_cldr() -> None:
    assert [texts.trn("ru", "rrule.every_n.WEEKLY", n) for n in (2, 5, 21)] == [
        "раз в 2 недели",
        "раз в 5 недель",
        "раз в 21 неделю",
    ]
    assert texts.trn("en", "rrule.every_n.DAILY", 3) == "every 3 days"
    assert timefmt.in_text(timedelta(hours=2), "ru") == "через 2 часа"
    assert timefmt.in_text(timedelta(hours=5), "ru") == "через 5 часов"
    assert timefmt.in_text(timedelta(minutes=90), "en") == "in 1 hour 30 minutes"


def test_dates_come_from_babel() -> None:
    d = date(2027, 3, 5)
    assert timefmt.day_text(d, date(2027, 3, 1), "ru") == "пятница, 5 марта"
    assert timefmt.day_text(d, date(2026, 12, 1), "en", with_weekday=False) == "5 March 2027"
    assert timefmt.month_day(d, "en", weekday=True) == "Friday, March 5"
    assert replies.rrule_text("FREQ=WEEKLY;BYDAY=WE", "ru") == "каждую среду"
    assert replies.rrule_text("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", "ru") == "раз в 2 недели: пн, чт"


def test_an_unknown_language_reads_english() -> None:
    assert texts.tr("de", "replies.help") == texts.tr("en", "replies.help")


_CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
# Modules whose Cyrillic strings are what people type (vocabularies), not what we say.
VOCABULARY = ("parsing", "texts")
VOCABULARY_FILES = {
    "pipeline/matching.py",
    "pipeline/dialog.py",
    "pipeline/agenda.py",
    "pipeline/language.py",
    "reminders/setting_rules.py",
    "cli/parse.py",
    "pipeline/followup.py",
    "pipeline/corrections.py",
    "pipeline/longtext.py",
    "pipeline/referent.py",
    "pipeline/unsure.py",
    "pipeline/reports.py",
}


def test_no_reply_text_outside_the_catalogues() -> None:
    """A Russian text in code is a text a translator would miss."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.split("/")[0] in VOCABULARY or rel in VOCABULARY_FILES:
            continue
        tree = ast.parse(path.read_text())
        docstrings = {
            id(n.body[0].value)
            for n in ast.walk(tree)
            if isinstance(n, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and n.body
            and isinstance(n.body[0], ast.Expr)
        }
        found += [
            f"{rel}:{n.lineno}"
            for n in ast.walk(tree)
            if isinstance(n, ast.Constant)
            and isinstance(n.value, str)
            and _CYRILLIC.search(n.value)
            and id(n) not in docstrings
        ]
    assert found == [], "move these texts into organizer/texts/<lang>.py"
