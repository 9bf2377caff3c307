"""`organizer migrate` creates a database only when told to (--create), like createdb."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import ORGANIZER, make_env


def run(*args: str, db: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ORGANIZER, *args], env=make_env(Path(db)), cwd=cwd,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def test_typo_creates_nothing(db_path: Path, tmp_path: Path) -> None:
    """Before: `DB_PATH=…/organizr.db organizer migrate` made a second, empty database."""
    typo = db_path.with_name("organizr.db")
    p = run("migrate", db=typo, cwd=tmp_path)
    assert p.returncode == 1 and not typo.exists()
    assert p.stderr.startswith(f"error: no database at {typo}") and "Traceback" not in p.stderr
    assert "organizer migrate --create" in p.stderr
    assert run("migrate", db=db_path, cwd=tmp_path).returncode == 0  # the real one upgrades


def test_relative_path_from_another_folder_names_both(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    p = run("migrate", db="data/organizer.db", cwd=elsewhere)
    assert p.returncode == 1 and not (elsewhere / "data").exists()
    assert f"no database at {elsewhere}/data/organizer.db" in p.stderr
    p = run("migrate", "--create", db="data/organizer.db", cwd=elsewhere)
    assert p.returncode == 0, p.stderr
    assert (elsewhere / "data/organizer.db").is_file()
