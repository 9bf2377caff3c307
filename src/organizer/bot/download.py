"""Fetching a voice file from the Bot API's file route, and nothing else.

`getFile` answers a `file_path` that is a path relative to the server's file route
(`voice/file_12.oga`). python-telegram-bot keeps an *absolute* or locally existing
`file_path` as a local file and `download_to_drive` then copies that file: a hostile or
broken server could make the bot read `/proc/self/environ` (the token) and hand it to
the ASR. So the path is checked here and the file is always fetched over HTTP.

The declared `file_size` is not trusted either: the body is streamed and reading stops
at the Bot API's 20 MiB limit.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, unquote

import httpx

MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # the public Bot API's getFile limit
CHUNK = 64 * 1024


class UnsafeFilePath(Exception):
    """getFile answered a file_path that is not a plain server-relative path."""


class TooBig(Exception):
    """The file is larger than the Bot API allows (declared or found while reading)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"{size} bytes")
        self.size = size


class BadStatus(Exception):
    """The file route answered something other than 200."""


def _check_relative(rel: str) -> None:
    if not rel or rel.startswith("/") or "\\" in rel or "\x00" in rel:
        raise UnsafeFilePath(f"file_path {rel!r} is not a relative path")
    for text in (rel, unquote(rel)):
        if "://" in text or "?" in text or "#" in text:
            raise UnsafeFilePath(f"file_path {rel!r} is not a plain path")
        if any(seg in ("", ".", "..") for seg in text.split("/")):
            raise UnsafeFilePath(f"file_path {rel!r} has an empty, '.' or '..' segment")


def file_url(base_file_url: str, file_path: str | None) -> str:
    """The download URL for getFile's file_path; UnsafeFilePath when it is not safe.

    `base_file_url` is the bot's file route with the token (`…/file/bot<token>`).
    python-telegram-bot prefixes a relative path with it and leaves a path it takes
    for a local file alone, so a path without that prefix was never a remote one.
    """
    prefix = base_file_url.rstrip("/") + "/"
    if not file_path:
        raise UnsafeFilePath("getFile answered no file_path")
    if not file_path.startswith(prefix):
        raise UnsafeFilePath("file_path is a local path, not one on the file server")
    rel = file_path[len(prefix) :]
    _check_relative(rel)
    return prefix + quote(rel, safe="/")


async def fetch(url: str, dest: Path, *, limit: int = MAX_DOWNLOAD_BYTES, timeout_s: float = 60.0) -> int:
    """Stream `url` into `dest`; TooBig as soon as more than `limit` bytes arrive."""
    timeout = httpx.Timeout(timeout_s, connect=10.0)
    async with (
        httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client,
        client.stream("GET", url) as resp,
    ):
        if resp.status_code != 200:
            raise BadStatus(f"file download answered HTTP {resp.status_code}")
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise TooBig(int(declared))
        got = 0
        with dest.open("wb") as out:
            async for chunk in resp.aiter_bytes(CHUNK):
                got += len(chunk)
                if got > limit:
                    raise TooBig(got)
                out.write(chunk)
    return got
