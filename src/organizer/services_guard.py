"""Is an organizer service running on this database? A restore must not replace the file
under it: a service keeps the old (deleted) file open and goes on writing there.

Two sources of evidence:
- the live database's heartbeats: a row with no `stopped_at` whose beat is recent.
  On this host the row's pid is checked: a process that is gone (killed, crashed) or
  that is no longer an organizer process (pid reused) does not count. A row from
  another host cannot be checked from here: it counts, unless the operator forces;
- systemd: `systemctl list-units 'organizer-*.service'` in an active state, when
  systemctl exists and answers.
"""

from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from organizer.db.connect import open_db
from organizer.errors import OrganizerError
from organizer.model import from_db

LIVE_BEAT_S = 60.0  # a beat older than this is a service that stopped beating
ACTIVE = "active,activating,deactivating,reloading"
SYSTEMCTL_TIMEOUT_S = 10.0


@dataclass
class Running:
    """What runs on the database: `seen` (checked) and `unverified` (another host)."""

    seen: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)


def _is_organizer(pid: int) -> bool:
    """The pid is a live organizer process (a zombie or a reused pid is not)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"organizer" in cmdline


def _beats(db_path: Path) -> list[tuple[str, int, str, str]]:
    if not db_path.exists():
        return []
    try:
        with closing(open_db(db_path, readonly=True)) as conn:
            rows = conn.execute(
                "SELECT service, pid, host, beat_at FROM heartbeats WHERE stopped_at IS NULL"
            ).fetchall()
    except (OrganizerError, sqlite3.Error):
        return []  # a damaged or foreign live file: nothing runs on it usefully
    return [(str(r[0]), int(r[1]), str(r[2]), str(r[3])) for r in rows]


def systemd_units(systemctl: str | None = None) -> list[str]:
    """organizer-*.service units systemd reports active (none without systemd)."""
    exe = systemctl or shutil.which("systemctl")
    if not exe:
        return []
    try:
        p = subprocess.run(
            [exe, "list-units", "--type=service", f"--state={ACTIVE}", "--no-legend",
             "--plain", "organizer-*.service"],
            capture_output=True, text=True, timeout=SYSTEMCTL_TIMEOUT_S,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return []
    if p.returncode != 0:
        return []  # not booted with systemd, no bus: nothing to learn here
    return [line.split()[0] for line in p.stdout.splitlines() if line.strip()]


def running(db_path: Path, now: datetime, *, within_s: float = LIVE_BEAT_S) -> Running:
    found = Running()
    here = socket.gethostname()
    cutoff = now - timedelta(seconds=within_s)
    for service, pid, host, beat_at in _beats(db_path):
        beat = from_db(beat_at)
        if beat is None or beat <= cutoff:
            continue
        if host != here:
            found.unverified.append(f"{service} on {host} (pid {pid})")
        elif _is_organizer(pid):
            found.seen.append(f"{service} (pid {pid})")
    found.seen.extend(systemd_units())
    return found


TARGET = "organizer.target"


def _systemctl(*args: str) -> tuple[int, str]:
    exe = shutil.which("systemctl")
    if not exe:
        raise OrganizerError(
            "--stop-services needs systemctl and there is none here; stop the services "
            "yourself, restore, then start them"
        )
    try:
        p = subprocess.run([exe, *args], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        return 1, str(e)
    said = (p.stderr or p.stdout).strip().splitlines()
    return p.returncode, said[0] if said else ""


def stop_target() -> None:
    """`systemctl stop organizer.target` (waits until the services are down)."""
    rc, why = _systemctl("stop", TARGET)
    if rc != 0:
        raise OrganizerError(
            f"`systemctl stop {TARGET}` failed ({why or f'exit {rc}'}); nothing was restored; "
            "run it as root (sudo)"
        )


def start_target() -> str:
    """`systemctl start organizer.target`; returns "" or why it failed (the restore
    is done by then: the operator is told, not the restore undone)."""
    rc, why = _systemctl("start", TARGET)
    return "" if rc == 0 else f"`systemctl start {TARGET}` failed: {why or f'exit {rc}'}"
