"""The parser's shape: `organizer.parsing.api` keeps its public names after the split into
stage modules, and the modules split for issue 15 stay small (no module over 600 lines, no
function over 80 lines or of cyclomatic complexity over 15)."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "organizer"
# The modules split out of parsing/api.py, and the two other functions split with it.
SPLIT = ["parsing/api.py", "parsing/assemble.py", "parsing/collect.py", "parsing/fillers.py",
         "parsing/instants.py", "parsing/intent.py", "parsing/title.py", "canon.py"]


def test_api_keeps_its_public_names() -> None:
    from organizer.parsing import api, assemble, collect, instants

    for name in ("ParseResult", "UNKNOWN", "INTENTS", "MAX_CHARS", "MAX_TOKENS", "parse",
                 "when", "analyse", "local", "midnight", "plus_elapsed", "add_months", "Found"):
        assert hasattr(api, name), name
    assert api.local is instants.local and api.add_months is instants.add_months
    assert api.Found is collect.Found
    assert callable(assemble.assemble)


@pytest.mark.parametrize("rel", SPLIT)
def test_split_modules_stay_small(rel: str) -> None:
    path = SRC / rel
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 600, f"{rel} is over 600 lines"
    long = [f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for node in ast.walk(ast.parse(text))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and (node.end_lineno or node.lineno) - node.lineno + 1 > 80]
    assert not long, f"{rel}: functions over 80 lines: {long}"


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None, reason="ruff is not installed")
def test_split_modules_are_simple() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "C901", "--config",
         "lint.mccabe.max-complexity=15", "--output-format", "concise",
         *(str(SRC / rel) for rel in SPLIT)],
        capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
