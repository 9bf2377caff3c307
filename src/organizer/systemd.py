"""sd_notify through sdnotify: READY, WATCHDOG, STATUS, STOPPING; silent outside systemd."""

from __future__ import annotations

import os


class Notifier:
    def __init__(self) -> None:
        self._enabled = bool(os.environ.get("NOTIFY_SOCKET"))
        self._sd = None
        if self._enabled:
            import sdnotify

            self._sd = sdnotify.SystemdNotifier()

    def _send(self, line: str) -> None:
        if self._sd is not None:
            self._sd.notify(line)

    def ready(self) -> None:
        self._send("READY=1")

    def watchdog(self) -> None:
        self._send("WATCHDOG=1")

    def status(self, text: str) -> None:
        self._send(f"STATUS={text}")

    def stopping(self) -> None:
        self._send("STOPPING=1")


def watchdog_period_s() -> float | None:
    """Half of WatchdogSec, the interval systemd recommends for pings."""
    usec = os.environ.get("WATCHDOG_USEC")
    if not usec:
        return None
    try:
        return int(usec) / 2_000_000
    except ValueError:
        return None
