"""`organizer diag report`: one screen, Markdown or JSON, with services up, down, or no DB."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import ORGANIZER, make_env
from fixtures.ops import API_TOKEN, add_beat
from organizer.config import load_settings
from organizer.model import utcnow
from organizer.report import gather, render_markdown
from organizer.report_screen import render_screen

SECRET = "987654321:" + "S" * 35

FAKE_SYSTEMCTL = """#!/bin/sh
# systemctl show UNIT --property=...: answers like systemd 252 does.
unit=$2
case $unit in
  organizer-bot.service) printf 'LoadState=loaded\\nActiveState=failed\\nSubState=failed\\nActiveEnterTimestampMonotonic=0\\nNRestarts=5\\n' ;;
  *) printf 'LoadState=loaded\\nActiveState=active\\nSubState=running\\nActiveEnterTimestampMonotonic=1000000\\nNRestarts=0\\n' ;;
esac
"""


def test_everything_down_and_no_database(tmp_path: Path) -> None:
    env = make_env(tmp_path / "missing.db", TELEGRAM_BOT_TOKEN=SECRET,
                   ASR_SERVICE_URL="http://127.0.0.1:9", API_PORT="9")  # fmt: skip
    p = subprocess.run([ORGANIZER, "diag", "report", "--markdown"], env=env,
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert out.startswith("## organizer report")
    assert "missing.db" in out and "does not exist" in out
    assert "api health: down" in out and "asr health: down" in out
    assert "TELEGRAM_BOT_TOKEN" in out and SECRET not in out and "SSSS" not in out


@pytest.mark.stores
def test_with_services_up(db_path: Path, db_url: str, conn, start_api, tmp_path: Path) -> None:
    """On PostgreSQL too: the database part read from DB_URL's store, the backup a dump."""
    for name in ("worker", "bot", "asr"):
        add_beat(conn, name, age_s=3)
    api = start_api()
    port = api.url.rsplit(":", 1)[1]
    assert subprocess.run(
        [ORGANIZER, "backup"], env=make_env(db_path, db_url), capture_output=True, timeout=60
    ).returncode == 0
    conn.execute(
        "INSERT INTO items (chat_id, type, title, tz, cal_state, created_at, updated_at)"
        " VALUES (1, 'meeting', 'm', 'UTC', 'FAILED', 'x', 'x')"
    )
    fake = tmp_path / "systemctl"
    fake.write_text(FAKE_SYSTEMCTL)
    fake.chmod(0o755)
    pg = {"DB_URL": db_url} if db_url.startswith("postgresql") else {}
    s = load_settings({"DB_PATH": str(db_path), "API_PORT": port, "API_TOKEN": API_TOKEN,
                       "ASR_SERVICE_URL": "http://127.0.0.1:9", **pg})  # fmt: skip
    r = gather(s, utcnow(), systemctl=str(fake), http_timeout_s=2)
    md = render_markdown(r)
    assert r.api is not None and r.api.code == 200, r.api
    assert "| organizer-worker.service | loaded | active (running) |" in md
    assert "organizer-bot.service is failed (failed)" in md  # named under Down
    assert "asr health: down" in md and "api health" not in md
    assert "| 1 |" in md.split("### Queue and calendar")[1]  # calendar FAILED = 1
    assert "### Last backup\n20" in md and "1 kept" in md
    assert "API_TOKEN" in md and API_TOKEN not in md
    assert r.db is not None and r.db["instance_id"] in md
    assert r.db["path"] == (db_url if pg else str(db_path)) and r.db["size_bytes"] > 0


def test_systemctl_that_cannot_reach_systemd(db_path: Path, tmp_path: Path) -> None:
    fake = tmp_path / "systemctl"
    fake.write_text("#!/bin/sh\necho 'Failed to connect to bus: No such file or directory' >&2\nexit 1\n")
    fake.chmod(0o755)
    s = load_settings({"DB_PATH": str(db_path)})
    md = render_markdown(gather(s, utcnow(), offline=True, systemctl=str(fake)))
    assert "Failed to connect to bus" in md and "| ? |" not in md


def test_output_file_appends(db_path: Path, tmp_path: Path) -> None:
    journal = tmp_path / "journal.md"
    env = make_env(db_path)
    for _ in range(2):
        p = subprocess.run([ORGANIZER, "diag", "report", "--offline", "-o", str(journal)],
                           env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
        assert p.returncode == 0, p.stderr
    assert journal.read_text().count("## organizer report") == 2
    assert "skipped (--offline)" in p.stdout


def test_default_is_one_screen_of_the_daily_check(db_path: Path, conn, tmp_path: Path) -> None:
    add_beat(conn, "worker", age_s=3)
    env = make_env(db_path)
    assert subprocess.run([ORGANIZER, "backup"], env=env, capture_output=True,
                          timeout=60).returncode == 0  # fmt: skip
    p = subprocess.run([ORGANIZER, "diag", "report", "--offline"], env=env,
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) <= 40 and max(map(len, lines)) <= 160, p.stdout
    heads = [line.split()[0] for line in lines if line and not line.startswith(" ")]
    for section in ("services", "health", "queue", "calendar", "backups", "disk"):
        assert section in heads, p.stdout
    assert "  worker  heartbeat 3" in p.stdout and "bot: no heartbeat ever" in p.stdout
    assert "backups   newest verified 0.0 h ago" in p.stdout and "1 kept" in p.stdout
    assert "free of" in p.stdout.split("disk")[-1]
    assert "health    ok" in p.stdout  # the worker's beat is fresh: what /health says


def test_json_and_markdown_carry_the_same_sections(db_path: Path, tmp_path: Path) -> None:
    env = make_env(db_path)
    p = subprocess.run([ORGANIZER, "diag", "report", "--offline", "--json"], env=env,
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert data["health"]["ok"] is False and data["health"]["problems"]
    assert data["disk"]["free_bytes"] > 0 and data["backup"] is None
    assert data["queue"] == {"NEW": 0, "CLAIMED": 0, "DONE": 0, "FAILED": 0}
    md = subprocess.run([ORGANIZER, "diag", "report", "--offline", "--markdown"], env=env,
                        capture_output=True, text=True, timeout=60).stdout  # fmt: skip
    for head in ("### Units", "### Heartbeats", "### Health", "### Queue and calendar",
                 "### Last backup", "### Disk"):  # fmt: skip
        assert head in md
    both = subprocess.run([ORGANIZER, "diag", "report", "--json", "--markdown"], env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert both.returncode == 2 and "Traceback" not in both.stderr


def test_screen_fits_with_everything_down(tmp_path: Path) -> None:
    s = load_settings({"DB_PATH": str(tmp_path / "gone.db"), "ASR_SERVICE_URL": "http://127.0.0.1:9",
                       "API_PORT": "9"})  # fmt: skip
    fake = tmp_path / "systemctl"
    fake.write_text(FAKE_SYSTEMCTL)
    fake.chmod(0o755)
    r = gather(s, utcnow(), systemctl=str(fake), http_timeout_s=1)
    r.down += [f"extra problem {i}" for i in range(30)]  # a very bad day
    screen = render_screen(r)
    assert len(screen.splitlines()) <= 40, screen
    assert "more (--markdown)" in screen and "systemd failed (failed), 5 restarts" in screen
    assert "database  unreadable" in screen and "health    unknown" in screen
