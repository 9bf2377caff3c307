"""Voice files: getFile's file_path is never a local path, and a file is never read past 20 MiB.

The real `organizer bot` process against the fake Bot API server.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import wait_until
from fakes.telegram import TOKEN, FakeTelegram
from fixtures.bot import OWNER, BotProc, inbox_rows

StartBot = Callable[..., BotProc]
MiB = 1024 * 1024


def _spool_bytes(spool: Path) -> bytes:
    return b"".join(p.read_bytes() for p in spool.rglob("*") if p.is_file()) if spool.is_dir() else b""


def test_a_hostile_file_path_is_never_read_from_the_local_disk(
    fake_tg: FakeTelegram, start_bot: StartBot, dbc: sqlite3.Connection, tmp_path: Path
) -> None:
    """`/proc/self/environ`, an absolute path or `../…` in getFile: refused, nothing local read."""
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"SECRET-ON-THE-BOT-HOST")
    hostile = [
        "/proc/self/environ",  # the bot's environment: its token
        str(secret),
        os.path.relpath(secret, Path.cwd()),  # ../../tmp/…: exists locally, relative
        "voice/../../secret.txt",
        "voice/%2e%2e/secret.txt",
    ]
    assert hostile[2].startswith("..")
    bot = start_bot()
    for path in hostile:
        fake_tg.push(fake_tg.voice(OWNER, b"OggS remote bytes", file_path=path))
    fake_tg.push(fake_tg.voice(OWNER, b"OggS the real one"))
    wait_until(lambda: len(inbox_rows(dbc)) >= 1, timeout=20)
    wait_until(lambda: len(fake_tg.sent_to(OWNER)) >= len(hostile), timeout=30)
    rows = inbox_rows(dbc)
    assert len(rows) == 1 and b"OggS the real one" in _spool_bytes(tmp_path / "spool")
    spooled = _spool_bytes(tmp_path / "spool")
    assert TOKEN.encode() not in spooled and b"SECRET-ON-THE-BOT-HOST" not in spooled
    replies = fake_tg.sent_to(OWNER)
    assert len(replies) == len(hostile)
    assert all("скачать" in r["text"] for r in replies)  # "couldn't download, send it again"
    assert fake_tg.downloads == ["voices/file_6.oga"]  # only the plain relative path
    assert bot.alive() and "Traceback" not in bot.log()
    assert TOKEN not in bot.log()


@pytest.mark.parametrize("length_header", [True, False], ids=["content-length", "no-length"])
def test_a_file_bigger_than_declared_is_cut_at_20_mib(
    fake_tg: FakeTelegram,
    start_bot: StartBot,
    dbc: sqlite3.Connection,
    tmp_path: Path,
    length_header: bool,
) -> None:
    """Declared 4 kB, really 25 MB: the download stops at 20 MiB, the user is told."""
    fake_tg.file_length_header = length_header
    bot = start_bot()
    fake_tg.push(fake_tg.voice(OWNER, b"OggS" + bytes(25 * MiB), size=4096))
    fake_tg.push(fake_tg.voice(OWNER, b"OggS small"))
    wait_until(lambda: len(inbox_rows(dbc)) >= 1, timeout=30)
    wait_until(lambda: len(fake_tg.sent_to(OWNER)) >= 1, timeout=30)
    rows = inbox_rows(dbc)
    assert len(rows) == 1 and '"message_id": 2' in rows[0]["payload"]
    assert "20" in fake_tg.sent_to(OWNER)[0]["text"]  # "too large … up to 20 MB"
    spool = tmp_path / "spool"
    assert sorted(p.stat().st_size for p in spool.iterdir()) == [len(b"OggS small")]
    assert bot.alive() and "Traceback" not in bot.log()
