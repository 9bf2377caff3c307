"""The spool sweep removes voice files whose message is finished, and nothing else."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import ORGANIZER, make_env, wait_until
from organizer.db import queue
from organizer.db.connect import open_db
from organizer.model import utcnow
from organizer.spool import sweep, sweep_job

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _old(path: Path) -> Path:
    path.write_bytes(b"OggS")
    past = time.time() - 7200
    os.utime(path, (past, past))
    return path


def test_sweep_keeps_waiting_and_young_files(conn: sqlite3.Connection, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    waiting = _old(spool / "waiting.ogg")
    failed = _old(spool / "failed.ogg")
    orphan = _old(spool / "orphan.ogg")
    young = spool / "young.ogg.part"
    young.write_bytes(b"Ogg")
    queue.enqueue(conn, message_key="a", chat_id=1, kind="voice",
                  payload={"file_path": str(waiting)}, now=T0)
    rid, _ = queue.enqueue(conn, message_key="b", chat_id=2, kind="voice",
                           payload={"file_path": str(failed)}, now=T0, max_attempts=1)
    queue.claim(conn, "w", T0, 1)  # chat 1's row
    queue.claim(conn, "w", T0, 1)  # chat 2's row; its lease runs out with no attempts left
    queue.reap_expired(conn, datetime(2026, 11, 23, 11, 0, tzinfo=UTC))
    assert queue.get(conn, rid).status == "FAILED"  # type: ignore[union-attr]
    queue.retry(conn, 1, T0)  # chat 1's row waits again
    assert sweep(conn, spool) == 2
    assert waiting.exists() and young.exists()
    assert not failed.exists() and not orphan.exists()


def test_missing_spool_is_fine(conn: sqlite3.Connection, tmp_path: Path) -> None:
    assert sweep(conn, tmp_path / "never-created") == 0


def test_relative_spool_dir_keeps_a_waiting_voice_file(
    conn: sqlite3.Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SPOOL_DIR=spool (relative): the bot records the absolute path; the sweep must match it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spool").mkdir()
    waiting = _old(tmp_path / "spool" / "tg-1-7.ogg")
    claimed = _old(tmp_path / "spool" / "tg-2-8.ogg")
    orphan = _old(tmp_path / "spool" / "orphan.ogg")
    queue.enqueue(conn, message_key="a", chat_id=1, kind="voice",
                  payload={"file_path": str(waiting.absolute())}, now=T0)
    queue.enqueue(conn, message_key="b", chat_id=2, kind="voice",
                  payload={"file_path": str(claimed.absolute())}, now=T0)
    queue.claim(conn, "w", T0, 60)
    assert sweep_job(conn, Path("spool"))(T0) == 1
    assert waiting.exists() and claimed.exists() and not orphan.exists()


def test_spool_through_a_symlink_keeps_a_waiting_voice_file(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    waiting = _old(real / "tg-1-7.ogg")
    queue.enqueue(conn, message_key="a", chat_id=1, kind="voice",
                  payload={"file_path": str(waiting)}, now=T0)
    assert sweep(conn, link) == 0
    assert waiting.exists()


def test_worker_start_up_sweep_with_relative_spool_dir_keeps_waiting_audio(
    db_path: Path, tmp_path: Path
) -> None:
    """The real `organizer worker`, SPOOL_DIR=spool, run from the data folder."""
    spool = tmp_path / "spool"
    spool.mkdir()
    waiting = _old(spool / "tg-1-7.ogg")
    orphan = _old(spool / "orphan.ogg")
    c = open_db(db_path)
    try:  # not due for a day, so the worker leaves it NEW and only the sweep looks at it
        queue.enqueue(c, message_key="a", chat_id=1, kind="voice",
                      payload={"file_path": str(waiting)}, now=utcnow() + timedelta(days=1))
    finally:
        c.close()
    env = make_env(db_path, SPOOL_DIR="spool")
    proc = subprocess.Popen([ORGANIZER, "worker"], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: not orphan.exists() or proc.poll() is not None, timeout=20)
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert waiting.exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
