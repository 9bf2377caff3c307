"""`organizer diag queue` and `diag claimed` on PostgreSQL: the same views, the same SQL
(organizer.db.pg_compat), the same output as on SQLite for the same rows."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import ORGANIZER, make_env
from organizer.db import pg_queue, queue
from organizer.db.connect import open_db
from organizer.db.pg_compat import placeholders
from organizer.db.pg_connect import open_pg

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_placeholders_outside_literals_only() -> None:
    assert placeholders("SELECT * FROM t WHERE a = ? AND b LIKE 'x?%' AND c = ?") == (
        "SELECT * FROM t WHERE a = %s AND b LIKE 'x?%%' AND c = %s"
    )
    assert placeholders("SELECT 'it''s ?', \"q?\" , ?") == "SELECT 'it''s ?', \"q?\" , %s"


def _fill(q: Any, conn: Any) -> None:
    for i in range(5):
        q.enqueue(conn, message_key=f"k{i}", chat_id=i % 2 + 1, kind="text",
                  payload={"text": "50%"}, now=T0)
    row = q.claim(conn, "w1", T0, 30)
    q.complete(conn, row.id, "w1", T0)
    q.claim(conn, "w2", T0, 30)


def _diag(env: dict[str, str], *args: str) -> Any:
    r = subprocess.run([ORGANIZER, "diag", *args, "--json"], env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _drop_ages(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if not k.endswith("_s")} for r in rows]


@pytest.mark.parametrize("args", [("queue",), ("queue", "--status", "NEW"), ("claimed",)])
def test_diag_queue_views_match_on_both_stores(
    args: tuple[str, ...], db_path: Path, pg_url: str, tmp_path: Path
) -> None:
    lite = open_db(db_path)
    _fill(queue, lite)
    lite.close()
    pg = open_pg(pg_url)
    _fill(pg_queue, pg)
    pg.close()
    on_sqlite = _diag(make_env(db_path), *args)
    pg_env = make_env(tmp_path / "unused.db", DB_URL=pg_url)
    pg_env.pop("DB_PATH")
    on_pg = _diag(pg_env, *args)
    assert on_sqlite and _drop_ages(on_pg) == _drop_ages(on_sqlite)


def test_diag_queue_on_an_unmigrated_postgresql_is_one_line(
    pg_empty_url: str, tmp_path: Path
) -> None:
    env = make_env(tmp_path / "unused.db", DB_URL=pg_empty_url)
    env.pop("DB_PATH")
    r = subprocess.run([ORGANIZER, "diag", "queue"], env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "has no organizer tables" in r.stderr.splitlines()[0]


def _fill_more(conn: Any) -> None:
    """An item of each calendar state that diag shows, a reminder, an undelivered reply,
    a heartbeat: the same rows on either store (ids come out the same on fresh stores)."""
    ts = "2026-11-23T10:00:00.000000Z"
    for n, (kind, cal) in enumerate([("meeting", "FAILED"), ("task", "PENDING"),
                                     ("note", "NONE")]):
        conn.execute(
            "INSERT INTO items (chat_id, type, title, tz, cal_state, last_error, all_day,"
            " created_at, updated_at) VALUES (?, ?, ?, 'UTC', ?, ?, ?, ?, ?)",
            (7, kind, f"t{n} 50%", cal, "boom" if cal == "FAILED" else None, n == 2, ts, ts),
        )
    conn.execute(
        "INSERT INTO reminders (item_id, chat_id, kind, occurrence_at, due_at, created_at,"
        " updated_at) VALUES (1, 7, 'meeting', ?, ?, ?, ?)", (ts, ts, ts, ts))
    conn.execute(
        "INSERT INTO outbox (chat_id, text, status, attempts, next_attempt_at, last_error,"
        " created_at) VALUES (7, 'hello', 'FAILED', 3, ?, 'Forbidden', ?)", (ts, ts))
    conn.execute(
        "INSERT INTO heartbeats (service_id, service, pid, host, version, status, started_at,"
        " beat_at) VALUES ('worker@h:1', 'worker', 1, 'h', '0', 'ok', ?, ?)", (ts, ts))


def test_the_other_diag_views_match_on_both_stores(
    db_path: Path, pg_url: str, tmp_path: Path
) -> None:
    """Before: each of these refused a postgresql DB_URL in one line."""
    from organizer.db.pg_compat import CompatConnection

    lite = open_db(db_path)
    _fill_more(lite)
    lite.close()
    pg = CompatConnection(open_pg(pg_url))
    _fill_more(pg)
    pg.close()
    pg_env = make_env(tmp_path / "unused.db", DB_URL=pg_url)
    pg_env.pop("DB_PATH")
    for args in [("items",), ("items", "--type", "meeting"), ("calendar",), ("reminders",),
                 ("outbox",), ("calendar", "--state", "NONE")]:
        on_sqlite = _diag(make_env(db_path), *args)
        on_pg = _diag(pg_env, *args)
        assert on_sqlite and _drop_ages(on_pg) == _drop_ages(on_sqlite), args


def test_diag_db_and_health_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    """`diag db` gives the server's facts (no file, WAL or quick_check there), and
    `diag health` judges the heartbeats in the PostgreSQL database."""
    pg = open_pg(pg_url)
    pg.execute("INSERT INTO heartbeats (service_id, service, pid, host, version, status,"
               " started_at, beat_at, stopped_at) VALUES ('worker@h:1', 'worker', 1, 'h',"
               " '0', 'ok', %s, %s, NULL)", ("2026-01-01T00:00:00.000000Z",) * 2)
    instance = pg.execute("SELECT value FROM meta WHERE key = 'instance_id'").fetchone()[0]
    pg.close()
    env = make_env(tmp_path / "unused.db", DB_URL=pg_url)
    env.pop("DB_PATH")
    info = _diag(env, "db")
    assert info["url"] == pg_url and info["schema_version"] == info["latest_version"]
    assert info["pending"] == [] and info["instance_id"] == instance
    assert info["size_bytes"] > 0 and 1 <= info["connections"] <= info["max_connections"]
    assert info["standby"] is False and info["replicas"] == 0
    snap = _diag(env, "health")
    assert snap["db_path"] == pg_url and snap["instance_id"] == instance
    assert [s["service"] for s in snap["services"]] == ["worker"]
    assert any("the worker's heartbeat is" in p for p in snap["problems"]), snap["problems"]
    text = subprocess.run([ORGANIZER, "diag", "health"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert text.returncode == 0 and "PROBLEM: the worker's heartbeat is" in text.stdout
