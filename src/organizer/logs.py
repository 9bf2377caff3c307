"""Logging set-up: one line per event, no timestamps under journald, secrets masked."""

from __future__ import annotations

import logging
import os
import re
import sys

_TOKEN = re.compile(r"bot\d+:[A-Za-z0-9_-]{20,}")


class MaskSecrets(logging.Filter):
    """Hide bot tokens (they appear in Bot API URLs) and any other given secret."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s and len(s) >= 4)

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        masked = _TOKEN.sub("bot<token>", text)
        for secret in self.secrets:
            masked = masked.replace(secret, "***")
        if masked != text:
            record.msg, record.args = masked, None
        return True


def setup_logging(level: str = "INFO", secrets: tuple[str, ...] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if os.environ.get("JOURNAL_STREAM"):
        fmt = "%(levelname)s %(name)s: %(message)s"  # journald adds its own timestamp
    else:
        fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    handler.setFormatter(logging.Formatter(fmt))
    handler.addFilter(MaskSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in (
        "httpx",
        "httpcore",
        "googleapiclient.discovery_cache",
        "caldav",
        "telegram",
        "apscheduler",
        "urllib3",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
