"""A throw-away PostgreSQL server for the benches, in a temporary folder.

The same start as the tests' server (tests/fixtures/postgres.py, whose helpers it
imports: where the binaries are, which user runs them as root, a free port): initdb +
pg_ctl on 127.0.0.1, stopped and removed at the end. One difference, on purpose:
`fsync` stays on and only `synchronous_commit` is off, which is what SQLite's WAL with
synchronous=NORMAL gives (a crash may lose the last commits, never the file), so the two
stores are compared at the same durability. The product never imports this.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fixtures.postgres import USER, _as_user, _bindir, _free_port


class NoServer(Exception):
    """No PostgreSQL server could be started here (the message says why)."""


def _run(cmd: list[str], what: str, log: Path | None = None) -> None:
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        tail = (out.stderr or out.stdout).strip().splitlines()[-1:] or ["no output"]
        if log is not None and log.exists():
            tail += log.read_text(errors="replace").splitlines()[-2:]
        raise NoServer(f"{what} failed: {' / '.join(tail)}")


@contextmanager
def pg_server() -> Iterator[str]:
    """Yield the URL of the server's `postgres` database (user organizer, trust auth)."""
    bindir = _bindir()
    if bindir is None:
        raise NoServer(
            "no server binaries (pg_config --bindir, /usr/lib/postgresql/*/bin, "
            "initdb on PATH): install Debian's `postgresql` package"
        )
    prefix, uid, gid = _as_user()
    root = Path(tempfile.mkdtemp(prefix="organizer-pgb-", dir="/tmp" if uid is not None else None))
    data, log = root / "data", root / "server.log"
    if uid is not None and gid is not None:
        import os

        os.chown(root, uid, gid)
    port = _free_port()
    opts = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1"
        " -c synchronous_commit=off -c max_connections=50"
    )
    try:
        _run(
            [
                *prefix,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                USER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
            "initdb",
        )
        _run(
            [
                *prefix,
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(log),
                "-o",
                opts,
                "-w",
                "-t",
                "30",
                "start",
            ],
            "pg_ctl start",
            log,
        )
        yield f"postgresql://{USER}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)


def create_database(admin_url: str, name: str, template: str | None = None) -> str:
    """CREATE DATABASE `name` (a copy of `template` when given); returns its URL."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as admin:
        suffix = f" TEMPLATE {template}" if template else ""
        admin.execute(f"CREATE DATABASE {name}{suffix}")
    return admin_url.rsplit("/", 1)[0] + "/" + name
