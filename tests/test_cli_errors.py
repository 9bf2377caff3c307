"""`organizer diag …` as an operator meets it (issue 18): mistakes in one line, report formats."""

from __future__ import annotations

import json
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
        (["diag", "calendar", "--state", "NOPE"], "NONE, LOCAL, PENDING, SYNCED, FAILED"),
        (["diag", "reminders", "--status", "NOPE"], "PENDING, SENT, CANCELLED"),
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
    assert run(["diag", "calendar", "--state", "synced"], env).returncode == 0
    assert run(["diag", "reminders", "--status", "sent"], env).returncode == 0


def assert_error_and_hint(res: subprocess.CompletedProcess[str], needle: str) -> None:
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 1, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    assert len(lines) == 2 and lines[0].startswith("error: ") and lines[1].startswith("hint: ")
    assert needle in lines[0], res.stderr


@pytest.mark.parametrize("verb", ["queue", "items", "db", "health"])
def test_db_path_is_a_directory(tmp_path: Path, verb: str) -> None:
    res = run(["diag", verb], make_env(tmp_path))
    assert_error_and_hint(res, "is a directory")
    assert "DB_PATH" in res.stderr


@pytest.mark.parametrize("verb", ["queue", "items", "db", "health"])
def test_empty_database_file_says_migrate(tmp_path: Path, verb: str) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    res = run(["diag", verb], make_env(path))
    assert_error_and_hint(res, "no organizer tables")
    assert "organizer migrate" in res.stderr
    assert path.stat().st_size == 0  # nothing created in it


def test_report_json_carries_the_same_data(db_path: Path) -> None:
    env = make_env(db_path)
    res = run(["diag", "report", "--offline", "--json"], env)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["db"]["path"] == str(db_path) and data["db_error"] is None
    assert data["queue"] == {"NEW": 0, "CLAIMED": 0, "DONE": 0, "FAILED": 0}
    assert data["db"]["schema_version"] == data["db"]["schema_latest"]
    md = run(["diag", "report", "--offline", "--markdown"], env)
    assert md.returncode == 0 and md.stdout.startswith("## organizer report")
    assert str(db_path) in md.stdout


def test_report_json_and_markdown_together_is_a_usage_error(db_path: Path) -> None:
    res = run(["diag", "report", "--offline", "--json", "--markdown"], make_env(db_path))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "--json" in res.stderr and res.stdout == ""


def test_report_on_an_empty_database_names_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    res = run(["diag", "report", "--offline", "--json"], make_env(path))
    data = json.loads(res.stdout)
    assert "no organizer tables" in data["db_error"], data["db_error"]
    assert "no such table" not in res.stdout + res.stderr
