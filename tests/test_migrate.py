"""Migrations: applied once, checksummed, refusing edits; services refuse old schemas."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from organizer.db import migrate as migrate_mod
from organizer.db.connect import open_db
from organizer.db.migrate import load_migrations, migrate, require_current, state
from organizer.errors import DatabaseError, SchemaError


def test_fresh_database_gets_schema_and_instance(tmp_path: Path) -> None:
    conn = open_db(tmp_path / "new" / "o.db", create=True)
    applied = migrate(conn)
    assert [m.version for m in applied] == [m.version for m in load_migrations()]
    st = state(conn)
    assert st.version == st.latest and not st.pending
    assert st.instance_id and len(st.instance_id) == 32
    assert migrate(conn) == []  # second run is a no-op
    assert state(conn).instance_id == st.instance_id


def test_edited_migration_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(migrate_mod._migrations_dir(), folder)
    monkeypatch.setattr(migrate_mod, "_migrations_dir", lambda: folder)
    conn = open_db(tmp_path / "o.db", create=True)
    migrate(conn)
    first = sorted(folder.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- sneaky edit\n")
    with pytest.raises(SchemaError, match="edited after it was applied"):
        migrate(conn)


def test_pending_migration_blocks_services(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(migrate_mod._migrations_dir(), folder)
    monkeypatch.setattr(migrate_mod, "_migrations_dir", lambda: folder)
    path = tmp_path / "o.db"
    conn = open_db(path, create=True)
    migrate(conn)
    (folder / "9999_future.sql").write_text("CREATE TABLE future (id INTEGER PRIMARY KEY);\n")
    with pytest.raises(SchemaError, match="behind the code") as e:
        require_current(conn, path)
    assert str(path) in (e.value.hint or "")
    migrate(conn)
    assert require_current(conn, path).version == 9999


def test_empty_file_has_no_schema(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    with pytest.raises(SchemaError, match="no organizer schema"):
        require_current(open_db(path), path)


def test_missing_file_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "missing.db"
    with pytest.raises(DatabaseError, match="does not exist"):
        open_db(path)
    assert not path.exists()


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "text.db"
    path.write_text("hello, I am not SQLite" * 100)
    with pytest.raises(DatabaseError, match="not an SQLite database"):
        conn = open_db(path)
        state(conn)
