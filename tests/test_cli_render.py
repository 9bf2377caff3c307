"""Operator tables off a terminal: plain columns, never wrapped, and no rich import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ORGANIZER, make_env


def test_diag_queue_in_a_pipe_is_plain_columns(db_path: Path) -> None:
    p = subprocess.run([sys.executable, "-X", "importtime", ORGANIZER, "diag", "queue"],
                       env=make_env(db_path), capture_output=True, text=True, timeout=60)  # fmt: skip
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[1].split() == ["status", "count", "oldest_age_s", "max_attempts"], lines
    assert set(lines[2].replace(" ", "")) == {"-"}
    assert [line.split()[0] for line in lines[3:]] == ["NEW", "CLAIMED", "DONE", "FAILED"]
    assert not set("│┃━─") & set(p.stdout)
    # The start-up budget (bench/cli.py): rich and importlib.resources stay unimported.
    imported = {line.split("|")[-1].strip() for line in p.stderr.splitlines()}
    assert not {"rich.table", "rich.console", "importlib.resources"} & imported


def test_long_values_are_not_wrapped(tmp_path: Path, db_path: Path) -> None:
    deep = tmp_path / ("a-rather-long-folder-name-" * 4) / "organizer.db"
    p = subprocess.run([ORGANIZER, "config"], env=make_env(deep), capture_output=True,
                       text=True, timeout=60)  # fmt: skip
    assert p.returncode == 0, p.stderr
    row = next(line for line in p.stdout.splitlines() if line.startswith("DB_PATH "))
    assert str(deep) in row and row.rstrip().endswith("environment")
