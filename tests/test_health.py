"""Health across processes (issues 17, 18): a split database, a full disk, a fresh install.

The real `organizer worker`, `organizer bot` (against the fake Bot API) and `organizer
api` run on their own database files; /health, `organizer diag health` and `organizer
doctor` must name what is missing or foreign in the file they look at.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import ORGANIZER, make_env, wait_until
from fakes.telegram import TOKEN
from fixtures.ops import API_TOKEN, add_beat

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


def _other_db(template_db: Path, path: Path) -> Path:
    """A second migrated database with its own instance id."""
    shutil.copy(template_db, path)
    c = sqlite3.connect(path)
    c.execute("UPDATE meta SET value = lower(hex(randomblob(16))) WHERE key = 'instance_id'")
    c.commit()
    c.close()
    return path


def _beats(path: Path) -> dict[str, sqlite3.Row]:
    c = sqlite3.connect(path)
    c.row_factory = sqlite3.Row
    try:
        return {r["service"]: r for r in c.execute("SELECT * FROM heartbeats")}
    finally:
        c.close()


def _run(args: list[str], db: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ORGANIZER, *args], env=make_env(db, **env), capture_output=True, text=True, timeout=60
    )


def _doctor(db: Path, **env: str) -> tuple[int, dict[str, list[dict[str, str]]]]:
    p = _run(["doctor", "--offline", "--json"], db, **env)
    assert "Traceback" not in p.stderr, p.stderr
    rows: dict[str, list[dict[str, str]]] = {}
    for r in json.loads(p.stdout):
        rows.setdefault(r["check"], []).append(r)
    return p.returncode, rows


@pytest.fixture
def worker_on(tmp_path: Path) -> Iterator[object]:
    procs: list[subprocess.Popen[bytes]] = []

    def start(db: Path) -> subprocess.Popen[bytes]:
        env = make_env(db, CALENDAR_BACKEND="none", ASR_SERVICE_URL="http://127.0.0.1:9")
        log = (tmp_path / f"worker-{len(procs)}.log").open("ab")
        p = subprocess.Popen([ORGANIZER, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
        procs.append(p)
        wait_until(lambda: "worker" in _beats(db) or p.poll() is not None, timeout=20)
        assert p.poll() is None, (tmp_path / f"worker-{len(procs) - 1}.log").read_text()
        return p

    yield start
    for p in procs:
        p.kill()
        p.wait(timeout=10)


def test_a_bot_on_another_file_than_the_worker_is_named(
    db_path: Path, template_db: Path, tmp_path: Path, worker_on, start_bot, start_api
) -> None:
    """Before: /health 200 on the worker's file while the bot wrote to another one."""
    other = _other_db(template_db, tmp_path / "other.db")
    worker_on(db_path)
    start_bot(DB_PATH=str(other))
    wait_until(lambda: "bot" in _beats(other), timeout=20)
    beat = _beats(other)["bot"]
    c = sqlite3.connect(other)
    own_id = c.execute("SELECT value FROM meta WHERE key = 'instance_id'").fetchone()[0]
    c.close()
    assert (beat["instance_id"], beat["db_path"]) == (own_id, str(other.resolve()))

    api = start_api(TELEGRAM_BOT_TOKEN=TOKEN)
    r = httpx.get(f"{api.url}/health", headers=AUTH, timeout=5)
    assert r.status_code == 503, r.json()
    text = " ".join(r.json()["problems"])
    assert f"the bot has never reported a heartbeat in {db_path.resolve()}" in text
    assert "is organizer-bot using another DB_PATH" in text
    assert "worker" not in text  # the worker beats in this file
    anon = httpx.get(f"{api.url}/health", timeout=5).json()
    assert anon["status"] == "fail" and str(db_path) not in json.dumps(anon)
    assert any("organizer-bot" in p for p in anon["problems"])

    out = _run(["diag", "health"], db_path, TELEGRAM_BOT_TOKEN=TOKEN).stdout
    assert "PROBLEM: the bot has never reported a heartbeat" in out
    _, rows = _doctor(db_path, TELEGRAM_BOT_TOKEN=TOKEN)
    assert [r["result"] for r in rows["services"]] == ["WARN"], rows["services"]
    assert "organizer-bot using another DB_PATH" in rows["services"][0]["detail"]

    # The bot's file, seen from its side: no worker there.
    snap = json.loads(_run(["diag", "health", "--json"], other, TELEGRAM_BOT_TOKEN=TOKEN).stdout)
    assert not snap["ok"]
    assert any("the worker has never reported" in p for p in snap["problems"]), snap


def test_a_copied_database_names_the_instance_mismatch(
    db_path: Path, tmp_path: Path, worker_on
) -> None:
    """The incident: the database copied to another volume; the worker still writes to
    the first file. The copy's heartbeats name the file their process opened."""
    worker_on(db_path)
    copy = tmp_path / "volume2" / "organizer.db"
    copy.parent.mkdir()
    src, dst = sqlite3.connect(db_path), sqlite3.connect(copy)
    src.backup(dst)
    dst.execute("UPDATE meta SET value = 'another-instance' WHERE key = 'instance_id'")
    dst.commit()
    src.close()
    dst.close()

    snap = json.loads(_run(["diag", "health", "--json"], copy).stdout)
    text = " ".join(snap["problems"])
    assert "instance mismatch: the worker's heartbeat in" in text, snap
    assert f"opened {db_path.resolve()}" in text
    rc, rows = _doctor(copy)
    assert rc == 1 and [r["result"] for r in rows["services"]] == ["FAIL"], rows["services"]
    assert "instance mismatch" in rows["services"][0]["detail"]
    # The worker's own file is healthy.
    snap = json.loads(_run(["diag", "health", "--json"], db_path).stdout)
    assert snap["ok"], snap["problems"]
    _, rows = _doctor(db_path)
    assert [r["result"] for r in rows["services"]] == ["OK"], rows["services"]


def test_fresh_install_503_says_which_heartbeat_and_what_to_start(start_api) -> None:
    api = start_api()
    r = httpx.get(f"{api.url}/health", timeout=5)
    assert r.status_code == 503
    assert r.json() == {
        "status": "fail",
        "problems": [
            "the worker has never reported a heartbeat: start it with "
            "`sudo systemctl start organizer-worker`"
        ],
    }


def test_anonymous_problems_name_no_path(start_api, db_path: Path) -> None:
    api = start_api()
    db_path.rename(db_path.with_suffix(".moved"))
    anon = httpx.get(f"{api.url}/health", timeout=5)
    assert anon.status_code == 503 and str(db_path.parent) not in anon.text
    assert anon.json()["problems"][0] == "the database cannot be opened or read"
    full = httpx.get(f"{api.url}/health", headers=AUTH, timeout=5).json()
    assert any("does not exist" in p for p in full["problems"])


@pytest.mark.stores
def test_health_reports_the_data_disk_and_fails_under_the_minimum(
    start_api, conn, db_path: Path, db_url: str
) -> None:
    """Before: /health 200 whatever the free space. A minimum above the real free space
    stands in for a full disk (DISK_MIN_FREE_MB). On PostgreSQL the disk is DB_PATH's
    (spool, backups); the heartbeats are read from DB_URL's store."""
    pg = {"DB_URL": db_url} if db_url.startswith("postgresql") else {}
    add_beat(conn, "worker")
    api = start_api()
    body = httpx.get(f"{api.url}/health", headers=AUTH, timeout=5).json()
    assert body["status"] == "ok" and body["disk_free_bytes"] > 0
    free_mb = body["disk_free_bytes"] // 1024**2
    api.stop()
    api = start_api(DISK_MIN_FREE_MB=str(free_mb + 10**6))
    r = httpx.get(f"{api.url}/health", headers=AUTH, timeout=5)
    assert r.status_code == 503
    detail = " ".join(r.json()["problems"])
    assert "MiB free of" in detail and f"DISK_MIN_FREE_MB={free_mb + 10**6}" in detail
    anon = httpx.get(f"{api.url}/health", timeout=5).json()
    assert len(anon["problems"]) == 1 and "MiB free on the data disk" in anon["problems"][0]
    metrics = httpx.get(f"{api.url}/metrics", timeout=5).text
    assert "organizer_disk_free_bytes " in metrics and "organizer_up 0" in metrics
    # doctor and diag health share the rule and the setting.
    huge = str(free_mb + 10**6)
    _, rows = _doctor(db_path, DISK_MIN_FREE_MB=huge, **pg)
    assert rows["disk space"][0]["result"] == "FAIL"
    assert f"DISK_MIN_FREE_MB={huge}" in rows["disk space"][0]["detail"]
    assert rows["database"][0]["result"] == "OK" and rows["services"][0]["result"] == "OK"
    out = _run(["diag", "health"], db_path, DISK_MIN_FREE_MB=huge, **pg).stdout
    assert "PROBLEM: only " in out and "DISK_MIN_FREE_MB" in out


def _beat(service: str, age: float, *, stopped: bool = False, path: str | None = "/d/a.db",
          instance: str | None = "i1") -> object:  # fmt: skip
    from organizer.health import ServiceBeat

    return ServiceBeat(service, f"{service}@h:1", "ok", age, stopped, instance, path)


def test_the_rules_on_plain_values() -> None:
    from organizer.health import beat_problems

    expected = {"worker": 150.0, "bot": 60.0}

    def kinds(*beats: object) -> list[str]:
        got = beat_problems(list(beats), expected, db="/d/a.db", instance_id="i1")  # type: ignore[arg-type]
        return [f"{p.kind}:{p.summary.split(':')[0]}" for p in got]

    assert kinds(_beat("worker", 1), _beat("bot", 2)) == []
    assert kinds(_beat("worker", 1)) == ["heartbeat:the bot has never reported a heartbeat"]
    assert kinds(_beat("worker", 1), _beat("bot", 2, stopped=True)) == [
        "heartbeat:the bot is stopped"
    ]
    # Another file: by path, or by instance id; NULL (rows before 0007) compares as equal.
    assert kinds(_beat("worker", 1), _beat("bot", 2, path="/e/a.db"))[0].startswith("split:")
    assert kinds(_beat("worker", 1), _beat("bot", 2, instance="i2"))[0].startswith("split:")
    assert kinds(_beat("worker", 1, path=None, instance=None), _beat("bot", 2)) == []
    # A stale row of a service nobody expects is history; a fresh one is checked.
    assert kinds(_beat("worker", 1), _beat("bot", 2), _beat("asr", 900, path="/old")) == []
    assert kinds(_beat("worker", 1), _beat("bot", 2), _beat("asr", 3, path="/old")) == [
        "split:the asr writes to another database than this one (instance mismatch)"
    ]
