"""`organizer backup` / `organizer restore`: online copies under write load, nothing lost."""

from __future__ import annotations

import sqlite3
import subprocess
import threading
import time
from pathlib import Path

from conftest import ORGANIZER, make_env
from fixtures.ops import add_beat
from organizer.backup import list_backups
from organizer.db import queue
from organizer.db.connect import open_db
from organizer.model import utcnow


def keys_in(path: Path) -> set[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {r[0] for r in conn.execute("SELECT message_key FROM inbox_queue")}
    finally:
        conn.close()


def run(*args: str, db: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ORGANIZER, *args], env=make_env(db, **env), capture_output=True, text=True, timeout=60
    )


def test_backup_under_write_load_then_restore_loses_nothing(db_path: Path, tmp_path: Path) -> None:
    committed: list[str] = []
    stop = threading.Event()

    def writer() -> None:
        conn = open_db(db_path)
        n = 0
        while not stop.is_set() and n < 200_000:
            key = f"load:{n}"
            queue.enqueue(
                conn, message_key=key, chat_id=n % 7, kind="text",
                payload={"text": "x" * 200}, now=utcnow(),
            )  # fmt: skip
            committed.append(key)
            n += 1
        conn.close()

    t = threading.Thread(target=writer)
    t.start()
    try:
        deadline = time.monotonic() + 10
        while len(committed) < 300 and time.monotonic() < deadline:
            time.sleep(0.01)
        before = set(committed)
        p = run("backup", "--to", str(tmp_path / "bk"), "--keep", "3", db=db_path)
        after = set(committed)
        assert p.returncode == 0, p.stderr
    finally:
        stop.set()
        t.join(timeout=30)
    assert len(after) > len(before), "the writer should have kept writing during the backup"
    (b,) = list_backups(tmp_path / "bk")
    assert str(b.path) in p.stdout and "integrity ok" in p.stdout
    assert oct(b.path.stat().st_mode & 0o777) == "0o600"
    in_backup = keys_in(b.path)
    assert before <= in_backup <= after  # a consistent snapshot taken in between
    assert not Path(f"{b.path}-wal").exists()  # self-contained single file
    total = set(committed)
    print(
        f"rows committed before backup {len(before)}, in backup {len(in_backup)}, "
        f"committed when backup returned {len(after)}, total written {len(total)}"
    )

    p = run("restore", str(b.path), db=db_path, BACKUP_DIR=str(tmp_path / "bk"))
    assert p.returncode == 0, p.stderr
    assert keys_in(db_path) == in_backup
    safety = next((tmp_path / "bk").glob("pre-restore-*.db"))
    assert keys_in(safety) == total  # everything written before the restore is kept
    assert run("diag", "db", db=db_path).returncode == 0
    assert run("migrate", "--check", db=db_path).returncode == 0


def test_rotation_keeps_the_newest(db_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "bk"
    for _ in range(4):
        p = run("backup", "--to", str(folder), "--keep", "2", db=db_path)
        assert p.returncode == 0, p.stderr
        time.sleep(0.01)
    names = sorted(x.name for x in folder.iterdir())
    assert len(names) == 2 and all(n.startswith("organizer-") for n in names)
    assert "removed old backup" in p.stdout


def test_backup_default_folder_from_settings(db_path: Path, tmp_path: Path) -> None:
    p = run("backup", db=db_path, BACKUP_DIR=str(tmp_path / "elsewhere"), BACKUP_KEEP="1")
    assert p.returncode == 0, p.stderr
    assert len(list_backups(tmp_path / "elsewhere")) == 1


def test_restore_refuses_while_services_run(db_path: Path, tmp_path: Path, conn) -> None:
    assert run("backup", "--to", str(tmp_path / "bk"), db=db_path).returncode == 0
    (b,) = list_backups(tmp_path / "bk")
    add_beat(conn, "worker", age_s=1)
    p = run("restore", str(b.path), db=db_path)
    assert p.returncode == 1
    assert "services are running" in p.stderr and "systemctl stop organizer.target" in p.stderr
    p = run("restore", str(b.path), "--force", db=db_path)
    assert p.returncode == 0, p.stderr


def test_restore_refuses_foreign_files(db_path: Path, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello\n" * 100)
    other = tmp_path / "other.db"
    c = sqlite3.connect(other)
    c.execute("CREATE TABLE t (x)")
    c.commit()
    c.close()
    before = db_path.read_bytes()
    for f, needle in ((text, "not a usable SQLite"), (other, "not an organizer database"),
                      (tmp_path / "missing.db", "does not exist")):  # fmt: skip
        p = run("restore", str(f), db=db_path)
        assert p.returncode == 1 and needle in p.stderr, p.stderr
    assert db_path.read_bytes() == before


def test_backup_of_missing_db_is_one_line(tmp_path: Path) -> None:
    p = run("backup", db=tmp_path / "nope.db")
    assert p.returncode == 1
    assert p.stderr.startswith("error: database") and "Traceback" not in p.stderr


def test_restore_onto_a_fresh_box(db_path: Path, tmp_path: Path) -> None:
    assert run("backup", "--to", str(tmp_path / "bk"), db=db_path).returncode == 0
    (b,) = list_backups(tmp_path / "bk")
    fresh = tmp_path / "new-box" / "state" / "organizer.db"
    p = run("restore", str(b.path), db=fresh)
    assert p.returncode == 0, p.stderr
    assert "safety copy" not in p.stdout  # nothing to keep
    assert keys_in(fresh) == keys_in(b.path)
    assert run("migrate", "--check", db=fresh).returncode == 0


def _backups_of(folder: Path) -> list[str]:
    return sorted(b.path.name for b in list_backups(folder))


def test_backup_refuses_what_is_not_this_instance(db_path: Path, tmp_path: Path) -> None:
    """An empty file, a schema-0 SQLite file or another instance's database: one line,
    exit 1, and the good backups are all still there (before: copied, rotated away)."""
    folder = tmp_path / "bk"
    for _ in range(2):
        assert run("backup", "--to", str(folder), "--keep", "2", db=db_path).returncode == 0
        time.sleep(0.01)
    good = _backups_of(folder)
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    schema0 = tmp_path / "schema0.db"
    c = sqlite3.connect(schema0)
    c.execute("CREATE TABLE t (x)")
    c.commit()
    c.close()
    other = tmp_path / "other" / "organizer.db"
    assert run("migrate", "--create", db=other).returncode == 0
    for src, needle in ((empty, "not a migrated organizer database"),
                        (schema0, "not a migrated organizer database"),
                        (other, "are of instance")):  # fmt: skip
        p = run("backup", "--to", str(folder), "--keep", "1", db=src)
        assert p.returncode == 1, (src, p.stdout, p.stderr)
        assert needle in p.stderr and "nothing was copied or rotated" in p.stderr, p.stderr
        assert "Traceback" not in p.stderr and p.stderr.count("error:") == 1
        assert _backups_of(folder) == good
    # The same instance goes on as before, and reports what it verified.
    p = run("backup", "--to", str(folder), "--keep", "2", db=db_path)
    assert p.returncode == 0, p.stderr
    assert "integrity ok" in p.stdout and "rows in" in p.stdout


def test_restore_writes_through_a_symlinked_db_path(db_path: Path, tmp_path: Path) -> None:
    assert run("backup", "--to", str(tmp_path / "bk"), db=db_path).returncode == 0
    (b,) = list_backups(tmp_path / "bk")
    link = tmp_path / "link.db"
    link.symlink_to(db_path)
    p = run("restore", str(b.path), db=link, BACKUP_DIR=str(tmp_path / "bk"))
    assert p.returncode == 0, p.stderr
    assert link.is_symlink() and link.resolve() == db_path.resolve()  # before: replaced
    assert keys_in(db_path) == keys_in(b.path)


def test_restore_over_a_damaged_live_file(db_path: Path, tmp_path: Path) -> None:
    """Before: the safety copy of the damaged file failed and so did the restore."""
    assert run("backup", "--to", str(tmp_path / "bk"), db=db_path).returncode == 0
    (b,) = list_backups(tmp_path / "bk")
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    db_path.write_bytes(b"garbage, not a database" * 100)
    p = run("restore", str(b.path), db=db_path, BACKUP_DIR=str(tmp_path / "bk"))
    assert p.returncode == 0, p.stderr
    assert "kept its raw bytes" in p.stderr
    assert keys_in(db_path) == keys_in(b.path)
    assert run("migrate", "--check", db=db_path).returncode == 0


def _pg_env(tmp_path: Path, url: str, **extra: str) -> dict[str, str]:
    env = make_env(tmp_path / "unused.db", DB_URL=url, **extra)
    env.pop("DB_PATH")
    return env


def test_backup_on_postgresql_is_a_verified_pg_dump_kept_n(
    pg_url: str, pg_empty_url: str, tmp_path: Path
) -> None:
    """Before: `organizer backup` refused a postgresql DB_URL. Now: pg_dump's custom format
    into the folder, read back, the newest N kept (SQLite copies there left alone), and
    the dump restores with pg_restore into an empty database with every row."""
    from organizer.db.pg_connect import open_pg
    from organizer.db.pg_queue import enqueue

    pg = open_pg(pg_url)
    for n in range(30):
        enqueue(pg, message_key=f"k{n}", chat_id=n % 3, kind="text", payload={}, now=utcnow())
    pg.close()
    folder = tmp_path / "bk"
    folder.mkdir()
    old_sqlite = folder / "organizer-20200101T000000000000Z.db"
    old_sqlite.write_bytes(b"an SQLite copy of before the move")
    env = _pg_env(tmp_path, pg_url)
    for _ in range(3):
        p = subprocess.run([ORGANIZER, "backup", "--to", str(folder), "--keep", "2"], env=env,
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        time.sleep(0.01)
    assert "pg_restore --list ok" in p.stdout and "removed old backup" in p.stdout
    rows = int(p.stdout.split(" rows in ")[0].rsplit(" ", 1)[1])
    assert rows > 30  # the queue's rows, the applied migrations, meta
    dumps = list_backups(folder, ".dump")
    assert len(dumps) == 2 and old_sqlite.exists()
    assert all(oct(d.path.stat().st_mode & 0o777) == "0o600" for d in dumps)
    assert not [x for x in folder.iterdir() if x.name.startswith(".")]  # no partial left
    r = subprocess.run(["pg_restore", "--no-owner", f"--dbname={pg_empty_url}",
                        str(dumps[0].path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    back = open_pg(pg_empty_url)
    keys = {row[0] for row in back.execute("SELECT message_key FROM inbox_queue")}
    back.close()
    assert keys == {f"k{n}" for n in range(30)}


def test_postgresql_backup_without_pg_dump_and_restore_are_one_line(
    pg_url: str, tmp_path: Path
) -> None:
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    p = subprocess.run([ORGANIZER, "backup", "--to", str(tmp_path / "bk")],
                       env=_pg_env(tmp_path, pg_url, PATH=str(empty_bin)),
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert p.stderr.startswith("error: pg_dump is not on PATH"), p.stderr
    p = subprocess.run([ORGANIZER, "restore", str(tmp_path / "x.dump")],
                       env=_pg_env(tmp_path, pg_url), capture_output=True, text=True,
                       timeout=60)  # fmt: skip
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert "restores SQLite files only" in p.stderr and "pg_restore" in p.stderr


def test_the_password_goes_to_pg_dump_in_its_environment() -> None:
    from organizer.backup_pg import split_password

    url, env = split_password("postgresql://org:p%40ss@db.example:5433/organizer?sslmode=require")
    assert url == "postgresql://org@db.example:5433/organizer?sslmode=require"
    assert env["PGPASSWORD"] == "p@ss"
    url, env = split_password("postgresql:///organizer")
    assert url == "postgresql:///organizer" and "PGPASSWORD" not in env
