"""Operations on PostgreSQL that have no SQLite twin test of their own: the ASR service's
heartbeat row, and /health seeing a service that opened another PostgreSQL database."""

from __future__ import annotations

from pathlib import Path

from organizer.config import load_settings
from organizer.db.pg_compat import CompatConnection
from organizer.db.pg_connect import open_pg
from organizer.model import utcnow
from organizer.systemd import Notifier


def test_the_asr_service_beats_into_postgresql(pg_url: str, tmp_path: Path) -> None:
    """Before: `organizer asr` refused a postgresql DB_URL (and looked for DB_PATH's file
    before opening anything)."""
    from organizer.asr.service import open_heart

    settings = load_settings({"DB_URL": pg_url, "DB_PATH": str(tmp_path / "absent.db")})
    heart = open_heart(settings, Notifier())
    assert heart is not None
    heart.beat(utcnow(), "ready: base")
    heart.stopped()
    heart.conn.close()
    conn = CompatConnection(open_pg(pg_url))
    rows = conn.execute("SELECT service, status, stopped_at, instance_id, db_path"
                        " FROM heartbeats").fetchall()
    own = conn.execute("SELECT value FROM meta WHERE key = 'instance_id'").fetchone()[0]
    conn.close()
    assert [(r[0], r[1]) for r in rows] == [("asr", "stopped")] and rows[0][2] is not None
    assert rows[0][3] == own and rows[0][4].startswith("postgresql://")


def test_health_names_a_service_on_another_postgresql_database(
    pg_url: str, pg_server, pg_template: str  # type: ignore[no-untyped-def]
) -> None:
    """Two databases on one server: a worker beating into the other one is a split; the
    URL spelling (a host name for the address) alone never is."""
    from fixtures.postgres import new_database
    from organizer.health import gather
    from organizer.runtime import Heart

    settings = load_settings({"DB_URL": pg_url})
    local = CompatConnection(open_pg(pg_url.replace("127.0.0.1", "localhost")))
    Heart(local, "worker", Notifier()).beat(utcnow(), "idle")  # type: ignore[arg-type]
    local.close()
    assert gather(settings, utcnow()).problems == []

    other_url = new_database(pg_server, pg_template)
    other = CompatConnection(open_pg(other_url))
    other.execute("UPDATE meta SET value = 'the-other-one' WHERE key = 'instance_id'")
    heart = Heart(other, "worker", Notifier())  # type: ignore[arg-type]
    other.close()
    # That worker's row, written here as if it had this database's heartbeats table.
    heart.conn = CompatConnection(open_pg(pg_url))  # type: ignore[assignment]
    heart.beat(utcnow(), "idle")
    heart.conn.close()
    snap = gather(settings, utcnow())
    assert [p.kind for p in snap.problems] == ["split"], snap.problems
    assert "opened postgresql://" in snap.problems[0].detail
    assert "(instance the-other-one)" in snap.problems[0].detail
    assert "set one DB_URL for all units" in snap.problems[0].detail


def test_two_api_requests_with_one_key_enqueue_once(pg_url: str) -> None:
    """/inbox from two API instances at the same moment: the message key is unique, the
    loser gets the winner's row (PostgreSQL's ON CONFLICT under READ COMMITTED)."""
    from concurrent.futures import ThreadPoolExecutor

    from organizer.db import api_store

    settings = load_settings({"DB_URL": pg_url})

    def submit(_: int) -> tuple[int, bool]:
        return api_store.submit_text(settings, message_key="api:same", chat_id=7, user_id=7,
                                     text="buy milk", lang=None, now=utcnow(), max_attempts=5)  # fmt: skip

    with ThreadPoolExecutor(6) as pool:
        got = list(pool.map(submit, range(6)))
    assert len({row_id for row_id, _ in got}) == 1 and sum(c for _, c in got) == 1
    items = api_store.list_items(settings, {"chat_id": 7}, 10)
    assert items == []  # nothing made yet: the worker has not run


def test_diag_report_on_postgresql_never_shows_the_password(pg_url: str, tmp_path: Path) -> None:
    """The test server trusts 127.0.0.1, so a password in the URL is accepted and unused:
    what matters is that the report (screen, JSON, journal) never prints it."""
    import json
    import subprocess

    from conftest import ORGANIZER, make_env

    url = pg_url.replace("organizer@", "organizer:s3cret-pw@")
    env = make_env(tmp_path / "spool.db", DB_URL=url, BACKUP_DIR=str(tmp_path / "bk"))
    journal = tmp_path / "journal.md"
    p = subprocess.run([ORGANIZER, "diag", "report", "--offline", "--json", "-o", str(journal)],
                       env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert data["db"]["path"] == url.replace("s3cret-pw", "***") and data["db_error"] is None
    assert data["db"]["schema_version"] == data["db"]["schema_latest"]
    assert "worker: no heartbeat ever" in data["down"]
    assert "s3cret" not in p.stdout + p.stderr + journal.read_text()


def test_a_heartbeat_comes_back_after_the_server_drops_the_session(pg_url: str) -> None:
    """A PostgreSQL restart or failover ends every session; the API's and ASR's beats
    reconnect instead of reporting the service dead until it is restarted."""
    import sqlite3

    import pytest

    from organizer.db.heartbeats import reopened
    from organizer.runtime import Heart

    settings = load_settings({"DB_URL": pg_url})
    heart = Heart(CompatConnection(open_pg(pg_url)), "api", Notifier())  # type: ignore[arg-type]
    heart.beat(utcnow(), "serving")
    admin = open_pg(pg_url)
    pid = heart.conn.raw.info.backend_pid  # type: ignore[attr-defined]
    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(sqlite3.OperationalError):
        heart.beat(utcnow(), "serving")
    heart.conn = reopened(heart.conn, settings)
    heart.beat(utcnow(), "serving again")
    status = admin.execute("SELECT status FROM heartbeats").fetchall()
    assert status == [("serving again",)]
    assert reopened(heart.conn, settings) is heart.conn  # a live session is kept
    heart.conn.close()
    admin.close()
