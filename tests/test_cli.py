"""The operator CLI as a person runs it: one-line errors, JSON for scripts, fast start."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import ORGANIZER, make_env
from organizer.db import queue


def run(args: list[str], env: dict[str, str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ORGANIZER, *args], env=env, capture_output=True, text=True, timeout=60, **kw
    )  # type: ignore[call-overload]


def assert_one_line_error(res: subprocess.CompletedProcess[str], needle: str) -> None:
    assert res.returncode != 0
    assert "Traceback" not in res.stderr
    assert needle in res.stderr, res.stderr


def test_help_loads_no_heavy_library() -> None:
    code = (
        "import sys; sys.argv=['organizer','--help']\n"
        "from organizer.cli.main import run\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        "heavy=[m for m in ('telegram','faster_whisper','googleapiclient','uvicorn','fastapi',"
        "'caldav','ctranslate2','httpx') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr


def test_migrate_check_and_apply(tmp_path: Path) -> None:
    env = make_env(tmp_path / "sub" / "o.db")
    assert run(["migrate", "--check"], env).returncode == 1
    res = run(["migrate", "--create"], env)
    assert res.returncode == 0 and "applied 0001_init" in res.stdout
    res = run(["migrate"], env)
    assert "already current" in res.stdout
    assert run(["migrate", "--check"], env).returncode == 0


def test_missing_database_is_one_line(tmp_path: Path) -> None:
    res = run(["diag", "queue"], make_env(tmp_path / "nope.db"))
    assert_one_line_error(res, "does not exist")
    assert "organizer migrate" in res.stderr
    assert not (tmp_path / "nope.db").exists()


def test_not_sqlite_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "fake.db"
    path.write_bytes(b"PK\x03\x04 this is a zip, not a database" * 50)
    before = path.read_bytes()
    assert_one_line_error(run(["diag", "db"], make_env(path)), "not an SQLite database")
    assert path.read_bytes() == before  # nothing altered


def test_malformed_env_file_is_one_line(tmp_path: Path, db_path: Path) -> None:
    bad = tmp_path / "bad.env"
    bad.write_text("DB_PATH=/x\nthis line is broken\n")
    res = run(["--env-file", str(bad), "diag", "queue"], make_env(db_path))
    assert_one_line_error(res, "bad.env:2")


def test_unknown_option_exits_nonzero(db_path: Path) -> None:
    res = run(["diag", "queue", "--bogus"], make_env(db_path))
    assert res.returncode == 2 and "Traceback" not in res.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_database_is_one_line(db_path: Path) -> None:
    os.chmod(db_path, 0o444)
    res = run(["queue", "retry", "--failed"], make_env(db_path))
    assert_one_line_error(res, "read-only")


def test_read_only_folder_cannot_be_migrated(tmp_path: Path) -> None:
    # /proc is read-only for everyone, root included
    res = run(["migrate", "--create"], make_env(Path("/proc/organizer-test/o.db")))
    assert_one_line_error(res, "error:")


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    res = run(["--debug", "diag", "queue"], make_env(tmp_path / "nope.db"))
    assert res.returncode != 0 and "Traceback" in res.stderr


@pytest.mark.stores
def test_diag_json_and_repair(env: dict[str, str], conn: sqlite3.Connection) -> None:
    """Every diag verb and `queue retry`, on either store (DB_URL in `env`)."""
    now = datetime.now(UTC)
    rid, _ = queue.enqueue(
        conn, message_key="k", chat_id=1, kind="text", payload={}, now=now, max_attempts=1
    )
    queue.claim(conn, "w", now, 60)
    queue.fail(conn, rid, "w", now, "it broke")
    summary = json.loads(run(["diag", "queue", "--json"], env).stdout)
    assert {r["status"]: r["count"] for r in summary}["FAILED"] == 1
    rows = json.loads(run(["diag", "queue", "--status", "failed", "--json"], env).stdout)
    assert rows[0]["id"] == rid and rows[0]["last_error"] == "it broke"
    res = run(["queue", "retry", str(rid)], env)
    assert res.returncode == 0 and "NEW again" in res.stdout
    assert_one_line_error(run(["queue", "retry", "999"], env), "does not exist")
    for cmd in (
        ["diag", "claimed"],
        ["diag", "items"],
        ["diag", "calendar"],
        ["diag", "db"],
        ["diag", "health"],
        ["diag", "reminders"],
    ):
        res = run([*cmd, "--json"], env)
        assert res.returncode == 0, res.stderr
        json.loads(res.stdout)


def test_config_masks_secrets(db_path: Path) -> None:
    env = make_env(db_path, TELEGRAM_BOT_TOKEN="123456:AAAA-very-secret-token")
    res = run(["config", "--json"], env)
    assert res.returncode == 0
    assert "very-secret" not in res.stdout
    rows = {r["name"]: r for r in json.loads(res.stdout)}
    assert rows["TELEGRAM_BOT_TOKEN"]["value"] == "***"
    assert rows["TELEGRAM_BOT_TOKEN"]["source"] == "environment"
    assert rows["ORGANIZER_TZ"]["source"] == "default"
