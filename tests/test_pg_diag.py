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
