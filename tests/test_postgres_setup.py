"""DB_URL, the refusal of parts not ported to PostgreSQL, and migrations per dialect."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import ORGANIZER, make_env
from organizer.config import load_settings
from organizer.db.migrate import load_migrations
from organizer.errors import ConfigError


def test_db_url_defaults_to_the_sqlite_file_at_db_path(tmp_path: Path) -> None:
    s = load_settings({"DB_PATH": str(tmp_path / "o.db")})
    assert s.db_url == f"sqlite://{tmp_path / 'o.db'}" and s.store == "sqlite"


def test_sqlite_db_url_sets_db_path(tmp_path: Path) -> None:
    s = load_settings({"DB_URL": f"sqlite://{tmp_path}/x.db"})
    assert s.db_path == tmp_path / "x.db" and s.store == "sqlite"


def test_db_url_and_db_path_naming_different_files_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"DB_URL names .* but DB_PATH names"):
        load_settings({"DB_URL": f"sqlite://{tmp_path}/x.db", "DB_PATH": str(tmp_path / "y")})


@pytest.mark.parametrize(
    "raw", ["mysql://h/db", "sqlite:relative.db", "sqlite:///", "/var/lib/x.db", "postgresql://"]
)
def test_malformed_db_url_is_one_config_error(raw: str) -> None:
    with pytest.raises(ConfigError) as e:
        load_settings({"DB_URL": raw})
    assert "\n" not in e.value.message and "DB_URL" in e.value.message


def test_postgresql_db_url_over_the_local_socket_is_accepted() -> None:
    assert load_settings({"DB_URL": "postgresql:///organizer"}).store == "postgresql"
    assert load_settings({"DB_URL": "postgres://db.internal/organizer"}).store == "postgresql"


def test_postgresql_db_url_password_is_never_shown() -> None:
    s = load_settings({"DB_URL": "postgresql://org:s3cret@db.example:5432/organizer"})
    assert s.store == "postgresql"
    shown = dict((n, v) for n, v, _ in s.public_items())["DB_URL"]
    assert "s3cret" not in shown and shown == "postgresql://org:***@db.example:5432/organizer"
    assert "s3cret" not in repr(s)  # a logged Settings carries no secret either
    s = load_settings({"TELEGRAM_BOT_TOKEN": "123:tok", "API_TOKEN": "apitok"})
    assert "123:tok" not in repr(s) and "apitok" not in repr(s) and "TELEGRAM_BOT_TOKEN" in repr(s)


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ORGANIZER, *args], env=env, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize(
    "args", [("worker",), ("chat",), ("api",), ("diag", "items"), ("diag", "db"), ("backup",),
             ("queue", "retry", "--failed"), ("calendar", "retry", "--failed")]
)
def test_ported_parts_say_an_unreachable_postgresql_in_one_line(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    env = make_env(tmp_path / "o.db", DB_URL="postgresql://org:pw@127.0.0.1:1/organizer")
    env.pop("DB_PATH")
    r = _run(env, *args)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    first = r.stderr.splitlines()[0]
    assert first.startswith("error: cannot connect to PostgreSQL at postgresql://org:***@")
    assert "pw@" not in r.stderr


def test_the_bot_says_an_unreachable_postgresql_in_one_line(tmp_path: Path) -> None:
    """The bot is ported (lane pgb); it checks its token before the store, so give it one."""
    env = make_env(tmp_path / "o.db", DB_URL="postgresql://org:pw@127.0.0.1:1/organizer",
                   TELEGRAM_BOT_TOKEN="123456:" + "A" * 35)  # fmt: skip
    env.pop("DB_PATH")
    r = _run(env, "bot")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    first = r.stderr.splitlines()[0]
    assert first.startswith("error: cannot connect to PostgreSQL at postgresql://org:***@")
    assert "pw@" not in r.stderr


def test_both_dialects_have_the_same_migration_versions() -> None:
    from organizer.db.pg_migrate import load_pg_migrations

    sqlite_versions = [(m.version, m.name) for m in load_migrations()]
    pg_versions = [(m.version, m.name) for m in load_pg_migrations()]
    assert sqlite_versions == pg_versions


def test_migrate_and_check_on_postgresql(pg_empty_url: str, tmp_path: Path,
                                         db_path: Path) -> None:
    env = make_env(tmp_path / "unused.db", DB_URL=pg_empty_url)
    env.pop("DB_PATH")
    before = _run(env, "migrate", "--check")
    assert before.returncode == 1 and "pending: 0001_init" in before.stdout
    done = _run(env, "migrate")
    assert done.returncode == 0, done.stderr
    assert "applied 0010_clarify_shown_by" in done.stdout
    after = _run(env, "migrate", "--check")
    assert after.returncode == 0 and "is current" in after.stdout, after.stdout + after.stderr
    again = _run(env, "migrate")
    assert "(already current)" in again.stdout
    # both stores now report the same applied versions
    from organizer.db.connect import open_db
    from organizer.db.migrate import state
    from organizer.db.pg_connect import open_pg
    from organizer.db.pg_migrate import state as pg_state

    pg = open_pg(pg_empty_url)
    pg_applied = [r[0] for r in pg.execute("SELECT version FROM schema_migrations ORDER BY 1")]
    lite = open_db(db_path)
    lite_applied = [r[0] for r in lite.execute("SELECT version FROM schema_migrations ORDER BY 1")]
    assert pg_applied == lite_applied and pg_state(pg).version == state(lite).version
    pg.close()
    lite.close()


def test_migrate_check_refuses_an_edited_postgres_migration(pg_url: str) -> None:
    from organizer.db.pg_connect import open_pg
    from organizer.db.pg_migrate import state
    from organizer.errors import SchemaError

    conn = open_pg(pg_url)
    conn.execute("UPDATE schema_migrations SET sha256 = 'x' WHERE version = 1")
    with pytest.raises(SchemaError, match="was edited after it was applied"):
        state(conn)
    conn.close()


def test_unreachable_postgresql_is_one_line(tmp_path: Path, free_port) -> None:  # type: ignore[no-untyped-def]
    env = make_env(tmp_path / "o.db",
                   DB_URL=f"postgresql://org:pw@127.0.0.1:{free_port()}/organizer")
    env.pop("DB_PATH")
    r = _run(env, "migrate", "--check")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith("error: cannot connect to PostgreSQL at postgresql://org:***@")


def test_a_service_opens_a_migrated_postgresql_and_refuses_an_empty_one(
    pg_url: str, pg_empty_url: str
) -> None:
    """runtime.open_service_db, for services started without the CLI: the same schema
    check as on SQLite, and the log names the database without a password."""
    from organizer.errors import SchemaError
    from organizer.runtime import open_service_db

    conn, st = open_service_db(load_settings({"DB_URL": pg_url}), "worker")
    try:
        assert st.version >= 13 and not st.pending and st.instance_id
        assert conn.execute("SELECT COUNT(*) FROM inbox_queue").fetchone()[0] == 0
    finally:
        conn.close()
    with pytest.raises(SchemaError, match="has no organizer schema"):
        open_service_db(load_settings({"DB_URL": pg_empty_url}), "worker")


def test_sqlite_commands_never_load_psycopg(db_path: Path) -> None:
    import sys

    code = (
        "import sys; sys.argv=['organizer','migrate','--check']\n"
        "from organizer.cli.main import run\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        "print('LOADED', [m for m in ('psycopg', 'psycopg_pool') if m in sys.modules])\n"
    )
    env = make_env(db_path)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, env=env)
    assert "is current" in out.stdout and "LOADED []" in out.stdout, out.stdout + out.stderr
