"""Sweeping the voice spool: a file whose message is finished is removed.

The voice handler removes its file when the row ends, but a row can also end without
its handler (the reaper fails a row whose lease expired with no attempts left, an
operator's repair): this sweep catches those, and files nobody references at all.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from organizer.db.queue import voice_file_in_use

log = logging.getLogger(__name__)

MIN_AGE_S = 3600.0  # younger files may still be downloading or waiting to be enqueued


def _in_use(conn: sqlite3.Connection, path: Path) -> bool:
    """A waiting or claimed voice row points at this file, however its path was written.

    The bot records the absolute path; a relative SPOOL_DIR, or one through a symlink,
    names the same file differently, so every spelling is asked about.
    """
    names = {str(path), str(path.absolute())}
    with contextlib.suppress(OSError):
        names.add(str(path.resolve()))
    return any(voice_file_in_use(conn, name) for name in names)


def sweep(conn: sqlite3.Connection, spool: Path, *, min_age_s: float = MIN_AGE_S) -> int:
    """Remove spool files older than min_age_s that no waiting voice row references."""
    spool = spool.absolute()
    if not spool.is_dir():
        return 0
    removed = 0
    cutoff = time.time() - min_age_s
    for path in spool.iterdir():
        try:
            if not path.is_file() or path.stat().st_mtime > cutoff:
                continue
            if _in_use(conn, path):
                continue
            path.unlink()
            removed += 1
        except OSError as e:
            log.warning("spool: cannot remove %s: %s", path, e)
    if removed:
        log.info("spool: removed %d finished voice file(s) from %s", removed, spool)
    return removed


def sweep_job(conn: sqlite3.Connection, spool: Path) -> Callable[[datetime], int]:
    """The periodic sweep; a relative SPOOL_DIR is made absolute now, at start-up."""
    spool = spool.absolute()
    return lambda _now: sweep(conn, spool)
