"""`organizer restore` with a real `organizer worker` running on the database.

Issue 17: `restore --force` replaced the file under running services, which went on
writing to the deleted one. Now a service running on this host (its pid checked) or an
active unit always refuses, in one line naming the fix; `--stop-services` stops
organizer.target around the restore and starts it again.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
from pathlib import Path

from conftest import ORGANIZER, make_env, wait_until
from organizer.backup import list_backups
from organizer.db import queue
from organizer.db.connect import open_db
from organizer.model import utcnow

FAKE_SYSTEMCTL = """#!/bin/sh
# systemctl as far as restore uses it: list-units, stop and start organizer.target.
echo "$*" >> "$SYSTEMCTL_LOG"
pid=$(cat "$WORKER_PID")
case "$1" in
  list-units)
    if tr -d '\\000' < "/proc/$pid/cmdline" 2>/dev/null | grep -q organizer; then
      echo "organizer-worker.service loaded active running organizer worker"
    fi ;;
  stop)
    kill -TERM "$pid"; i=0
    while [ -e "/proc/$pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done ;;
esac
exit 0
"""


def _run(*args: str, db: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ORGANIZER, *args], env=make_env(db, **env), capture_output=True,
                          text=True, timeout=60)  # fmt: skip


def _worker(db: Path, log: Path, **env: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([ORGANIZER, "worker"], env=make_env(db, **env),
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)  # fmt: skip
    threading.Thread(target=proc.wait, daemon=True).start()  # reaped at once when it ends

    def beating() -> bool:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
            return bool(c.execute("SELECT 1 FROM heartbeats WHERE service = 'worker' AND "
                                  "pid = ? AND stopped_at IS NULL", (proc.pid,)).fetchone())  # fmt: skip

    wait_until(lambda: beating() or proc.poll() is not None, timeout=30, interval=0.1)
    assert proc.poll() is None, log.read_text()
    return proc


def _backup_then_write(db: Path, folder: Path) -> Path:
    """A backup, then a row written after it (gone again once the backup is restored)."""
    assert _run("backup", "--to", str(folder), db=db).returncode == 0
    (b,) = list_backups(folder)
    conn = open_db(db)
    queue.enqueue(conn, message_key="after-backup", chat_id=1, kind="text",
                  payload={"text": "x"}, now=utcnow())  # fmt: skip
    conn.close()
    return b.path


def _has_row(db: Path) -> bool:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
        return bool(c.execute("SELECT 1 FROM inbox_queue WHERE message_key = 'after-backup'").fetchone())


def test_restore_refuses_while_a_real_worker_runs_even_forced(db_path: Path, tmp_path: Path) -> None:
    worker = _worker(db_path, tmp_path / "worker.log")
    try:
        backup = _backup_then_write(db_path, tmp_path / "bk")
        p = _run("restore", str(backup), "--force", db=db_path)
        assert p.returncode == 1
        lines = p.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in p.stderr, p.stderr  # one line
        assert f"worker (pid {worker.pid})" in lines[0]
        assert "sudo systemctl stop organizer.target" in lines[0] and "--stop-services" in lines[0]
        assert _has_row(db_path)  # nothing was replaced
        # SIGKILL: its heartbeat is fresh and has no stopped_at, but the pid is gone
        worker.send_signal(signal.SIGKILL)
        wait_until(lambda: worker.returncode is not None, timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    p = _run("restore", str(backup), db=db_path, BACKUP_DIR=str(tmp_path / "bk"))
    assert p.returncode == 0, p.stderr
    assert not _has_row(db_path)


def test_restore_stop_services_stops_the_target_restores_and_starts_it(
    db_path: Path, tmp_path: Path
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "systemctl"
    fake.write_text(FAKE_SYSTEMCTL)
    fake.chmod(0o755)
    log, pid_file = tmp_path / "systemctl.log", tmp_path / "worker.pid"
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "SYSTEMCTL_LOG": str(log),
           "WORKER_PID": str(pid_file)}  # fmt: skip
    worker = _worker(db_path, tmp_path / "worker.log")
    pid_file.write_text(str(worker.pid))
    try:
        backup = _backup_then_write(db_path, tmp_path / "bk")
        p = _run("restore", str(backup), db=db_path, **env)
        assert p.returncode == 1 and "worker" in p.stderr  # without the flag: refused
        p = _run("restore", str(backup), "--stop-services", db=db_path,
                 BACKUP_DIR=str(tmp_path / "bk"), **env)  # fmt: skip
        assert p.returncode == 0, p.stderr
        assert "services: started again" in p.stdout
    finally:
        if worker.poll() is None:
            worker.kill()
    calls = log.read_text().splitlines()
    assert "stop organizer.target" in calls
    assert calls[-1] == "start organizer.target"
    assert calls.index("stop organizer.target") < calls.index("start organizer.target")
    assert worker.returncode is not None and not _has_row(db_path)
