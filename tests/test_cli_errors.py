"""Operator mistakes on `organizer diag …` answered in one line (issue 18)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import ORGANIZER, make_env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ORGANIZER, *args], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        (["diag", "items", "--status", "NOPE"], "DRAFT, OPEN, DONE, CANCELLED"),
        (["diag", "items", "--type", "NOPE"], "task, meeting, note"),
        (["diag", "queue", "--status", "NOPE"], "NEW, CLAIMED, DONE, FAILED"),
    ],
)
def test_unknown_choice_names_the_allowed_values(
    db_path: Path, args: list[str], allowed: str
) -> None:
    res = run(args, make_env(db_path))
    assert res.returncode == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    assert allowed in res.stderr and "NOPE" in res.stderr
    assert res.stdout == ""


def test_choices_are_case_insensitive(db_path: Path) -> None:
    env = make_env(db_path)
    assert run(["diag", "items", "--status", "open", "--type", "TASK"], env).returncode == 0
    assert run(["diag", "queue", "--status", "new"], env).returncode == 0
