"""The parser never crashes and always answers the schema on the Duckling development sets.

The sets live in shared/nlu/ beside the clone (CI has them there); the test skips cleanly
without them. Rates on these sets are reported by bench/parse.py, not asserted here.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from organizer.parsing.judge import as_dict
from test_parse_corpus import parse_or_skip

NLU = Path(__file__).resolve().parents[2] / "shared" / "nlu"
INTENTS = {"task", "meeting", "note", "cancel", "reschedule", "complete", "agenda", "unknown"}
FIELDS = {"intent", "title", "start", "end", "all_day", "rrule", "needs"}
# documented in docs/PARSING.md, present only when said (a shift, a named zone, …)
ADDITIVE = {"items", "shift_minutes", "shift_days", "list", "search", "zone"}


def _load(lang: str) -> list[dict[str, Any]]:
    path = NLU / f"duckling_{lang}_time.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} is absent (shared/ is expected beside the clone)")
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _schema_errors(out: dict[str, Any]) -> list[str]:
    errors = []
    if not FIELDS <= set(out) <= FIELDS | ADDITIVE:
        errors.append(f"fields {sorted(out)}")
        return errors
    if out["intent"] not in INTENTS:
        errors.append(f"intent {out['intent']!r}")
    if out["title"] is not None and not isinstance(out["title"], str):
        errors.append("title type")
    for key in ("start", "end"):
        value = out[key]
        if value is None:
            continue
        try:
            dt = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            errors.append(f"{key} {value!r} is not ISO-8601")
            continue
        if dt.utcoffset() is None:
            errors.append(f"{key} {value!r} has no offset")
    if not isinstance(out["all_day"], bool):
        errors.append("all_day type")
    if out["rrule"] is not None and not (isinstance(out["rrule"], str) and "FREQ=" in out["rrule"]):
        errors.append(f"rrule {out['rrule']!r}")
    needs = out["needs"]
    if not isinstance(needs, list) or not set(needs) <= {"date", "time", "title"}:
        errors.append(f"needs {needs!r}")
    return errors


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_duckling_phrases_never_crash_and_match_schema(lang: str) -> None:
    rows = _load(lang)
    parse = parse_or_skip()
    bad = []
    for row in rows:
        try:
            out = as_dict(parse(row["text"], row["now"], row["tz"]))
        except Exception as exc:
            bad.append(f"{row['id']} {row['text']!r}: {type(exc).__name__}: {exc}")
            continue
        errors = _schema_errors(out)
        if errors:
            bad.append(f"{row['id']} {row['text']!r}: {'; '.join(errors)}")
    assert not bad, f"{len(bad)} of {len(rows)} phrases:\n" + "\n".join(bad[:50])
