"""sd_notify as systemd sees it: a real AF_UNIX datagram socket as NOTIFY_SOCKET."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import time
from pathlib import Path

from conftest import ORGANIZER, make_env


def test_worker_notifies_ready_watchdog_status_stopping(db_path: Path, tmp_path: Path) -> None:
    sock_path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(sock_path))
    sock.settimeout(0.2)
    env = make_env(db_path, NOTIFY_SOCKET=str(sock_path), WATCHDOG_USEC="2000000")
    proc = subprocess.Popen([ORGANIZER, "worker"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    seen: list[str] = []

    def read_for(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            with contextlib.suppress(TimeoutError):
                seen.append(sock.recv(4096).decode())

    try:
        read_for(4)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
        read_for(0.5)
    finally:
        if proc.poll() is None:
            proc.kill()
        sock.close()
    assert "READY=1" in seen
    assert seen.count("WATCHDOG=1") >= 2  # every WATCHDOG_USEC/2 from the loop itself
    assert any(m.startswith("STATUS=new=") for m in seen)
    assert seen[-1] == "STOPPING=1"


def test_no_socket_means_silence(db_path: Path) -> None:
    # Outside systemd the notifier must be a no-op, not an error.
    proc = subprocess.Popen([ORGANIZER, "worker"], env=make_env(db_path),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=5) == 0
    assert b"Traceback" not in (proc.stderr.read() if proc.stderr else b"")
