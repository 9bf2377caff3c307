"""Who a bot process is, when several bots share one database (issue 19).

Claims on shared rows (outbox sends, set-aside updates) are signed with the process's
name, `<host>#<pid namespace>/<pid>`. A sibling elsewhere is taken for dead only once its
lease lapses; a process of this host that is gone is recognized at once, so a restarted
bot takes its predecessor's rows back without waiting.
"""

from __future__ import annotations

import os
import socket

from organizer.runtime import pid_alive


def _host() -> str:
    """This host, and its pid namespace: two containers sharing a hostname (host
    networking) must not take each other's pids for their own."""
    try:
        ns = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        ns = 0
    return f"{socket.gethostname()}#{ns}"


def sender_name() -> str:
    """How this process signs its claims: `<host>#<pid namespace>/<pid>`."""
    return f"{_host()}/{os.getpid()}"


def gone_here(sender: str) -> bool:
    """A sender that was a process of this host (same pid namespace) and is gone.

    Its rows can be taken back at once, without waiting for their leases. A pid reused
    since looks alive: that only means waiting for the lease, never a double send."""
    host, _, pid = sender.rpartition("/")
    if host != _host() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    return not pid_alive(int(pid))
