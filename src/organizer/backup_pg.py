"""`organizer backup` on PostgreSQL: `pg_dump --format=custom` into BACKUP_DIR, keep N.

SQLite's online copy has no meaning for a server; pg_dump is PostgreSQL's own consistent
copy, so the command runs it when it is on PATH (Debian: postgresql-client, the same
major version as the server or newer) and otherwise says so in one line.

The dump and the row counts the command prints come from one snapshot: a REPEATABLE READ
transaction exports it (`pg_export_snapshot`), counts the rows, and pg_dump reads the
same snapshot (`--snapshot`). The file is written under a temporary name, read back with
`pg_restore --list` (a truncated or foreign file fails there), and only then renamed to
`organizer-YYYYmmddTHHMMSSffffffZ.dump`; older dumps beyond `keep` are removed after.
Restoring is the operator's `pg_restore` (docs/POSTGRESQL.md): `organizer restore`
refuses a postgresql DB_URL.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from organizer.backup import (
    DUMP_SUFFIX,
    PREFIX,
    BackupError,
    BackupResult,
    _fsync_dir,
    _stamp,
    rotate,
)
from organizer.config import Settings
from organizer.dburl import redact
from organizer.model import utcnow

# Generous: a dump of a large database takes minutes; a hung server must not hang forever.
DUMP_TIMEOUT_S = 6 * 3600


def tool(name: str) -> str:
    """The path of pg_dump / pg_restore, or the one line saying to install them."""
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} is not on PATH: `organizer backup` runs pg_dump for a postgresql DB_URL",
            "install the PostgreSQL client tools (Debian: apt install postgresql-client, the "
            "server's major version or newer), or back up with pg_dump yourself "
            "(docs/POSTGRESQL.md)",
        )
    return found


def split_password(url: str) -> tuple[str, dict[str, str]]:
    """(the URL without its password, PGPASSWORD for the child's environment): a password
    on the command line would show in `ps` to every user of the machine."""
    parts = urlsplit(url)
    env = {k: v for k, v in os.environ.items() if k != "PGPASSWORD"}
    if parts.password is None:
        return url, env
    env["PGPASSWORD"] = unquote(parts.password)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username}@{host}" if parts.username else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)), env


def _run(cmd: list[str], env: dict[str, str], what: str, url: str) -> str:
    try:
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=DUMP_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise BackupError(f"{what} of {redact(url)} failed: {e}", "see docs/POSTGRESQL.md") from None
    if p.returncode != 0:
        said = (p.stderr.strip().splitlines() or [f"exit {p.returncode}"])[0]
        raise BackupError(f"{what} of {redact(url)} failed: {said}",
                          "check DB_URL's role may read every table, and free space")  # fmt: skip
    return p.stdout


def _snapshot(conn: Any) -> tuple[str, dict[str, int], int, str | None]:
    """Inside the caller's REPEATABLE READ transaction: (snapshot id, rows per table,
    schema version, instance id), all as of that snapshot."""
    from organizer.db.pg_facts import schema_state

    snap = str(conn.execute("SELECT pg_export_snapshot()").fetchone()[0])
    st = schema_state(conn)
    if st.version == 0 or st.instance_id is None:
        raise BackupError(
            f"the database is not a migrated organizer database (schema {st.version}); "
            "nothing was dumped or rotated",
            "check DB_URL (`organizer config`); a new database needs `organizer migrate` first",
        )
    names = [r[0] for r in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")]  # fmt: skip
    rows = {n: int(conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0]) for n in names}
    return snap, rows, st.version, st.instance_id


def backup(
    settings: Settings, *, to: Path | None = None, keep: int | None = None,
    now: datetime | None = None,
) -> BackupResult:
    """`organizer backup` for a postgresql DB_URL: the folder and count as on SQLite."""
    keep = settings.backup_keep if keep is None else keep
    if keep < 1:
        raise BackupError(f"keep={keep} would delete every backup", "use --keep 1 or more")
    return dump(settings, (to or settings.backups).absolute(), keep, now or utcnow())


def dump(settings: Settings, folder: Path, keep: int, now: datetime) -> BackupResult:
    """One verified custom-format dump in `folder`, then the newest `keep` dumps kept."""
    from organizer.db.store import open_store

    pg_dump, pg_restore = tool("pg_dump"), tool("pg_restore")
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as e:
        raise BackupError(f"cannot create backup folder {folder}: {e.strerror}",
                          "set BACKUP_DIR (or --to) to a folder this user can write") from None  # fmt: skip
    final = folder / f"{PREFIX}{_stamp(now)}{DUMP_SUFFIX}"
    partial = folder / f".{final.name}.partial"
    url, env = split_password(settings.db_url)
    try:
        with closing(open_store(settings, readonly=True)) as conn:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            snap, rows, version, instance = _snapshot(conn)
            fd = os.open(partial, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
            os.close(fd)
            _run([pg_dump, "--format=custom", f"--snapshot={snap}", f"--file={partial}",
                  f"--dbname={url}"], env, "pg_dump", url)  # fmt: skip
            conn.execute("COMMIT")
        toc = _run([pg_restore, "--list", str(partial)], env, "pg_restore --list", url)
        # a TOC line: "3421; 0 16390 TABLE DATA public items organizer"
        dumped = {ln.split()[-2] for ln in toc.splitlines() if " TABLE DATA " in ln}
        missing = [n for n in rows if n not in dumped]
        if missing:
            raise BackupError(f"the dump lacks the data of {', '.join(missing[:3])}",
                              "run it again; see pg_dump's messages above")  # fmt: skip
        with open(partial, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(partial, final)
        _fsync_dir(folder)
    except OSError as e:
        raise BackupError(f"backup to {folder} failed: {e.strerror or e}",
                          "check free space and permissions") from None  # fmt: skip
    finally:
        partial.unlink(missing_ok=True)
    removed = rotate(folder, keep, DUMP_SUFFIX)
    integrity = f"pg_restore --list ok ({len(rows)} tables)"
    return BackupResult(final, final.stat().st_size, integrity, version, instance, removed, rows)
