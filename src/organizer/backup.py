"""`organizer backup` and `organizer restore`: online copies with SQLite's backup API.

A backup refuses a source that is not a migrated organizer database (schema 0, no
instance id, not SQLite at all) or that belongs to another instance than the backups
already in the folder (DB_PATH pointing at the wrong volume), so a wrong file never
rotates the good copies away.

A backup is taken while the services run: the backup API copies a consistent
snapshot (in WAL mode the writers go on meanwhile), the copy is switched to a
single self-contained file (journal_mode=DELETE), `PRAGMA integrity_check`ed, and
only then renamed to its final name `organizer-YYYYmmddTHHMMSSffffffZ.db`, so a
crash never leaves a half-written file that looks like a backup. The newest
`keep` backups are kept.

A restore checks the file is an organizer database, refuses while a service is
running against the current file (organizer.services_guard; `--stop-services` stops
organizer.target around the restore and starts it again), makes a safety copy of the
current file, removes the current file's WAL and shared-memory files (they
belong to the old database and would be replayed into the new one) and renames
the restored copy into place.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from organizer import services_guard
from organizer.config import Settings
from organizer.db.connect import open_db
from organizer.errors import OrganizerError
from organizer.model import utcnow
from organizer.progress import OnProgress, no_progress

PREFIX = "organizer-"
SAFETY_PREFIX = "pre-restore-"
# An SQLite copy is .db; a PostgreSQL one (pg_dump's custom format, backup_pg) .dump.
_NAME = re.compile(r"^organizer-(\d{8}T\d{12}Z)\.(db|dump)$")
SQLITE_SUFFIX, DUMP_SUFFIX = ".db", ".dump"
# Steps of a twentieth of the database, but not tiny ones: 256 pages = 1 MiB at 4 KiB.
BACKUP_MIN_STEP_PAGES = 256


class BackupError(OrganizerError):
    """A backup or restore could not be made safely."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int
    integrity: str
    schema_version: int
    instance_id: str | None
    removed: list[Path]
    rows: dict[str, int]


@dataclass(frozen=True)
class BackupFile:
    path: Path
    size_bytes: int
    taken_at: datetime


@dataclass(frozen=True)
class RestoreResult:
    restored: Path
    source: Path
    safety_copy: Path | None
    schema_version: int
    instance_id: str | None
    safety_note: str = ""
    services: str = ""  # with --stop-services: "started again", or why they did not start


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S%fZ")


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _Restarted(Exception):
    """Another connection wrote during a step-wise copy, which made it start over."""


def _copy_online(src: Path, dest: Path, on_progress: OnProgress = no_progress) -> None:
    """Consistent copy of `src` into a new file `dest` (single file, fsynced, mode 0600).

    Copied in steps of about a twentieth of the pages, so `on_progress(pages done,
    pages)` can show a large database moving. A write by another connection restarts a
    step-wise copy, and under a steady write load it would never finish: at the first
    restart the rest is copied in one step, under one read transaction.
    """
    dest.unlink(missing_ok=True)
    fd = os.open(dest, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    with closing(open_db(src, readonly=True)) as source, closing(sqlite3.connect(dest)) as out:
        pages = source.execute("PRAGMA page_count").fetchone()[0]
        step = max(BACKUP_MIN_STEP_PAGES, pages // 20)
        least = [pages]  # the fewest pages remaining seen so far

        def progress(_status: int, remaining: int, total: int) -> None:
            if remaining and remaining >= least[0]:  # each step copies at least one page
                raise _Restarted
            least[0] = remaining
            on_progress(total - remaining, total)

        try:
            source.backup(out, pages=step, progress=progress)
        except _Restarted:
            source.backup(out, pages=-1)
            on_progress(pages, pages)
        out.execute("PRAGMA journal_mode = DELETE")
    with open(dest, "rb+") as f:
        os.fsync(f.fileno())


def _inspect(path: Path, *, integrity: bool, hint: str) -> tuple[str, int, str | None]:
    """(integrity_check result or "unchecked", schema version, instance id) of a file."""
    from organizer.db.migrate import state

    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            result = (conn.execute("PRAGMA integrity_check").fetchone()[0]
                      if integrity else "unchecked")  # fmt: skip
            st = state(conn)
    except sqlite3.DatabaseError as e:
        raise BackupError(f"{path} is not a usable SQLite database: {e}", hint) from None
    return result, st.version, st.instance_id


def _verify(path: Path) -> tuple[str, int, str | None]:
    """(integrity_check result, schema version, instance id) of a copy."""
    return _inspect(path, integrity=True, hint="choose another backup file (`ls` the backup folder)")


def _identity(path: Path) -> tuple[int, str | None]:
    """(schema version, instance id) of a database, without checking every page."""
    _, version, instance = _inspect(
        path, integrity=False,
        hint="check DB_PATH (`organizer config`): it must name the organizer database",
    )  # fmt: skip
    return version, instance


def check_source(db_path: Path, folder: Path) -> tuple[int, str]:
    """Refuse to back up anything but this instance's migrated database."""
    version, instance = _identity(db_path)
    if version == 0 or instance is None:
        raise BackupError(
            f"{db_path} is not a migrated organizer database (schema {version}, "
            f"instance id {instance or 'none'}); nothing was copied or rotated",
            "check DB_PATH (`organizer config`); a new database needs `organizer migrate` first",
        )
    for b in list_backups(folder, SQLITE_SUFFIX):  # the newest readable one says whose it is
        try:
            theirs = _identity(b.path)[1]
        except BackupError:
            continue
        if theirs is not None and theirs != instance:
            raise BackupError(
                f"{db_path} is database instance {instance}, but the backups in {folder} are "
                f"of instance {theirs}; nothing was copied or rotated",
                "DB_PATH may point at another volume than the services use (`organizer "
                "config`); to start a new series on purpose, back up to another --to folder",
            )
        break
    return version, instance


def row_counts(path: Path) -> dict[str, int]:
    """Rows per table of a copy: every table must be readable to the last page."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )]  # fmt: skip
        return {n: conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}


def list_backups(folder: Path, suffix: str | None = None) -> list[BackupFile]:
    """Finished backups in `folder` (only those ending in `suffix` when given), newest first."""
    out = []
    if not folder.is_dir():
        return out
    for p in folder.iterdir():
        m = _NAME.match(p.name)
        if not m or not p.is_file() or (suffix is not None and p.suffix != suffix):
            continue
        taken = datetime.strptime(m.group(1), "%Y%m%dT%H%M%S%fZ").replace(tzinfo=utcnow().tzinfo)
        out.append(BackupFile(p, p.stat().st_size, taken))
    out.sort(key=lambda b: b.taken_at, reverse=True)
    return out


def rotate(folder: Path, keep: int, suffix: str = SQLITE_SUFFIX) -> list[Path]:
    """Delete all but the newest `keep` backups of one kind; returns what was removed
    (a store's copies never rotate the other store's away)."""
    removed = []
    for b in list_backups(folder, suffix)[keep:]:
        b.path.unlink(missing_ok=True)
        removed.append(b.path)
    return removed


def backup(
    settings: Settings,
    *,
    to: Path | None = None,
    keep: int | None = None,
    now: datetime | None = None,
    on_progress: OnProgress = no_progress,
) -> BackupResult:
    now = now or utcnow()
    folder = (to or settings.backups).absolute()
    keep = settings.backup_keep if keep is None else keep
    if keep < 1:
        raise BackupError(f"keep={keep} would delete every backup", "use --keep 1 or more")
    if not settings.db_path.exists():
        raise BackupError(
            f"database {settings.db_path} does not exist", "check DB_PATH (`organizer config`)"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as e:
        raise BackupError(
            f"cannot create backup folder {folder}: {e.strerror}",
            "set BACKUP_DIR (or --to) to a folder the service user can write",
        ) from None
    src_version, src_instance = check_source(settings.db_path, folder)
    final = folder / f"{PREFIX}{_stamp(now)}.db"
    partial = folder / f".{final.name}.partial"
    try:
        _copy_online(settings.db_path, partial, on_progress)
        integrity, version, instance = _verify(partial)
        if integrity != "ok":
            raise BackupError(
                f"integrity_check of the copy says: {integrity}",
                "the live database may be damaged: run `organizer diag db`",
            )
        if (version, instance) != (src_version, src_instance):
            raise BackupError(
                f"the copy is schema {version} instance {instance}, the source was schema "
                f"{src_version} instance {src_instance}",
                "was the database replaced during the backup? run it again",
            )
        rows = row_counts(partial)
        os.replace(partial, final)
        _fsync_dir(folder)
    except OSError as e:
        raise BackupError(
            f"backup to {folder} failed: {e.strerror or e}", "check free space and permissions"
        ) from None
    finally:
        partial.unlink(missing_ok=True)
    # Only now, with a verified copy of this instance in place, may old copies go.
    removed = rotate(folder, keep)
    return BackupResult(final, final.stat().st_size, integrity, version, instance, removed, rows)


def _refuse_while_running(target: Path, now: datetime, *, force: bool) -> None:
    """One line naming what runs and the fix. A service on this host (its pid checked)
    or an active systemd unit always refuses: it would go on writing to the replaced
    file. --force passes only heartbeats of another host, which cannot be checked here."""
    found = services_guard.running(target, now)
    if not found.seen and (force or not found.unverified):
        return
    names = ", ".join(found.seen + found.unverified)
    extra = "" if found.seen else "; --force if nothing of this database runs there"
    raise BackupError(
        f"services are running on {target}: {names}; stop them first "
        "(`sudo systemctl stop organizer.target`, restore, then `sudo systemctl start "
        f"organizer.target`), or pass --stop-services to do all three{extra}"
    )


def restore(
    settings: Settings,
    source: Path,
    *,
    force: bool = False,
    stop_services: bool = False,
    now: datetime | None = None,
) -> RestoreResult:
    """Restore `source`; with `stop_services`, organizer.target is stopped around it and
    started again afterwards (also when the restore fails: back on the old file)."""
    if not stop_services:
        return _restore(settings, source, force=force, now=now)
    services_guard.stop_target()
    try:
        r = _restore(settings, source, force=force, now=now)
    except BaseException:
        services_guard.start_target()
        raise
    return replace(r, services=services_guard.start_target() or "started again")


def _restore(
    settings: Settings, source: Path, *, force: bool, now: datetime | None
) -> RestoreResult:
    now = now or utcnow()
    source = source.absolute()
    # Through a symlinked DB_PATH the restore writes to the file the link names (the
    # services open the link and so that file); replacing the link would split them.
    target = settings.db_path.resolve() if settings.db_path.is_symlink() else settings.db_path
    if not source.is_file():
        raise BackupError(f"{source} does not exist", "pass a file from the backup folder")
    if source.resolve() == (target.resolve() if target.exists() else target):
        raise BackupError(f"{source} is the live database itself", "pass a backup file")
    integrity, version, instance = _verify(source)
    if integrity != "ok":
        raise BackupError(f"{source} fails integrity_check: {integrity}", "choose an older backup")
    if version == 0 or instance is None:
        raise BackupError(
            f"{source} is an SQLite file but not an organizer database (no schema/instance id)",
            "choose a file written by `organizer backup`",
        )
    _refuse_while_running(target, now, force=force)
    safety, note = _safety_copy(target, settings.backups / f"{SAFETY_PREFIX}{_stamp(now)}.db")
    staged = target.parent / f".{target.name}.restoring"
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        _copy_online(source, staged)
        if target.exists() and os.geteuid() == 0:
            st = target.stat()  # keep the service user's ownership when run as root
            os.chown(staged, st.st_uid, st.st_gid)
        # The old file's WAL and shm would be replayed into the new one: remove first.
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(staged, target)
        _fsync_dir(target.parent)
    finally:
        staged.unlink(missing_ok=True)
    return RestoreResult(target, source, safety, version, instance, note)


def _safety_copy(target: Path, dest: Path) -> tuple[Path | None, str]:
    """Best effort: a consistent copy, else the raw bytes of a damaged file, else a note.

    A restore is most needed when the live file is damaged; failing to copy it must not
    stand in the way."""
    if not target.exists():
        return None, ""
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        _copy_online(target, dest)
        return dest, ""
    except (OrganizerError, sqlite3.Error, OSError) as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
    dest.unlink(missing_ok=True)
    raw = dest.with_name(dest.stem + ".raw" + dest.suffix)
    try:
        shutil.copyfile(target, raw)  # the damaged bytes, for forensics
        os.chmod(raw, 0o600)
        return raw, f"the live file could not be read as a database ({reason}); kept its raw bytes"
    except OSError as e:
        raw.unlink(missing_ok=True)  # a half-written copy is no copy
        return None, f"no safety copy: the live file could not be read ({reason}; {e.strerror})"
