"""Progress of long operator work: plain lines off a terminal, rich's bar on one."""

from __future__ import annotations

import io
import shlex
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from conftest import ORGANIZER, make_env
from organizer.backup import _copy_online
from organizer.progress import display


def _pad(db: Path, mib: int) -> None:
    """Grow a migrated database to about `mib` MiB (a table of its own, nothing else)."""
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE pad (b BLOB)")
    conn.executemany("INSERT INTO pad VALUES (randomblob(65536))", [()] * (mib * 16))
    conn.commit()
    conn.close()


def test_backup_off_a_terminal_prints_plain_lines(db_path: Path) -> None:
    _pad(db_path, 8)  # ~2,000 pages: several steps of a twentieth
    p = subprocess.run([ORGANIZER, "backup"], env=make_env(db_path), capture_output=True,
                       text=True, timeout=60)  # fmt: skip
    assert p.returncode == 0, p.stderr
    lines = p.stderr.splitlines()
    assert lines[0].startswith("backup: ") and lines[0].endswith("pages to go"), lines
    assert lines[-1].startswith("backup: done, ") and "pages in" in lines[-1]
    assert len(lines) <= 12 and "\x1b" not in p.stderr  # a short log, no escape codes
    assert p.stdout.count("\n") == 1  # the result line alone on stdout


def test_migrate_off_a_terminal_prints_plain_lines(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    p = subprocess.run([ORGANIZER, "migrate", "--create"], env=make_env(db),
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert p.stderr.startswith("migrate: ") and "statements to go" in p.stderr
    assert p.stderr.splitlines()[-1].startswith("migrate: done, ")
    # A current schema has nothing to show.
    again = subprocess.run([ORGANIZER, "migrate"], env=make_env(db), capture_output=True,
                           text=True, timeout=60)  # fmt: skip
    assert again.returncode == 0 and again.stderr == "" and "already current" in again.stdout


@pytest.mark.skipif(shutil.which("script") is None, reason="needs script(1) for a pty")
def test_backup_on_a_terminal_draws_a_bar(db_path: Path, tmp_path: Path) -> None:
    _pad(db_path, 4)
    typescript = tmp_path / "typescript"
    cmd = shlex.join([ORGANIZER, "backup"])
    p = subprocess.run(["script", "-qec", cmd, str(typescript)], env=make_env(db_path),
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert p.returncode == 0, p.stdout + p.stderr
    assert "━" in p.stdout and "pages" in p.stdout  # rich's bar, not the plain lines
    assert "pages to go" not in p.stdout


def test_plain_lines_each_tenth_at_most_one_a_second() -> None:
    out = io.StringIO()
    now = [0.0]
    with display("backup", "pages", stream=out, tty=False, clock=lambda: now[0]) as on_progress:
        for done in range(0, 1001, 50):  # 20 steps, half a second apart
            on_progress(done, 1000)
            now[0] += 0.5
    lines = out.getvalue().splitlines()
    assert lines[0] == "backup: 1,000 pages to go"
    assert lines[1:-1] == [f"backup: {n:,}/1,000 pages ({n // 10}%)" for n in range(100, 1000, 100)]
    assert lines[-1] == "backup: done, 1,000 pages in 10.5s"
    quick = io.StringIO()
    with display("migrate", "statements", stream=quick, tty=False) as on_progress:
        for done in range(1, 30):
            on_progress(done, 29)
    assert len(quick.getvalue().splitlines()) == 2  # quick work: first and last line only


def test_failed_work_says_where_it_stopped() -> None:
    out = io.StringIO()
    with pytest.raises(RuntimeError), display("job", "rows", stream=out) as on_progress:
        on_progress(3, 10)
        raise RuntimeError("disk full")
    assert out.getvalue().splitlines()[-1] == "job: stopped at 3/10 rows"
    quiet = io.StringIO()
    with pytest.raises(RuntimeError), display("job", "rows", stream=quiet):
        raise RuntimeError("before any work")
    assert quiet.getvalue() == ""


def test_a_write_during_a_stepwise_backup_falls_back_to_one_step(db_path: Path,
                                                                 tmp_path: Path) -> None:
    """Another writer restarts a step-wise copy; it must finish anyway, with the write."""
    _pad(db_path, 4)
    seen: list[tuple[int, int]] = []
    writer = sqlite3.connect(db_path, isolation_level=None)

    def on_progress(done: int, total: int) -> None:
        if len(seen) < 200:  # a write between every two steps, as a busy worker would
            writer.execute("INSERT INTO meta (key, value) VALUES (?, 'w')", (f"k{len(seen)}",))
        seen.append((done, total))

    dest = tmp_path / "copy.db"
    _copy_online(db_path, dest, on_progress)
    writer.close()
    assert seen[-1][0] == seen[-1][1]  # reported as finished
    assert len(seen) < 40  # no endless restarts
    conn = sqlite3.connect(dest)
    keys = {r[0] for r in conn.execute("SELECT key FROM meta WHERE value = 'w'")}
    conn.close()
    assert "k0" in keys  # the copy is of the database after the write
