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
