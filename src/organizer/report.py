"""`organizer diag report`: the daily check of an operations journal.

`gather` collects (each part on its own, so a dead service or a missing database
only blanks its own section and is named in "Down"); `render_markdown` (here) and
`render_screen` (report_screen.py, the default one-screen view) are pure.
Values of the environment are never included, only the names that are set.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import time
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from organizer import __version__
from organizer.config import Settings
from organizer.errors import OrganizerError

UNITS = (
    "organizer-worker.service",
    "organizer-bot.service",
    "organizer-asr.service",
    "organizer-api.service",
    "organizer-backup.timer",
    "organizer-backup.service",
)
DAEMONS = ("worker", "bot", "asr", "api")
STALE_BEAT_S = 120.0
DISK_LOW_BYTES = 200 * 1024**2  # doctor's FAIL line: below this, backups start to fail


@dataclass
class UnitState:
    unit: str
    load: str
    active: str
    sub: str
    uptime_s: float | None
    restarts: str | None


@dataclass
class Beat:
    service: str
    age_s: float | None
    status: str | None
    stopped: bool


@dataclass
class HttpHealth:
    name: str
    url: str
    code: int | None
    summary: str


@dataclass
class Report:
    now: datetime
    host: str
    version: str
    git_rev: str | None
    env_file: str | None
    env_keys: list[str]
    units: list[UnitState] | None
    systemd_note: str | None
    beats: list[Beat]
    api: HttpHealth | None
    asr: HttpHealth | None
    db: dict[str, Any] | None
    db_error: str | None
    queue: dict[str, int]
    oldest_new_age_s: float | None
    expired_leases: int
    calendar: dict[str, int]
    outbox_pending: int | None
    backup: dict[str, Any] | None
    backup_dir: str
    health: dict[str, Any] | None = None
    disk: dict[str, Any] | None = None
    asr_more: list[HttpHealth] = field(default_factory=list)  # ASR services after the first

    def endpoints(self) -> list[HttpHealth]:
        return [h for h in (self.api, self.asr, *self.asr_more) if h is not None]
    down: list[str] = field(default_factory=list)


# ------------------------------------------------------------------- gathering


def git_revision(root: Path | None = None) -> str | None:
    """Short revision of the checkout the code runs from (None for an installed wheel)."""
    root = root or Path(__file__).resolve().parents[2]
    if not (root / ".git").exists() or shutil.which("git") is None:
        return None
    try:
        p = subprocess.run(
            ["git", "-C", str(root), "describe", "--always", "--dirty", "--abbrev=10"],
            capture_output=True, text=True, timeout=3,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return p.stdout.strip() or None if p.returncode == 0 else None


def unit_states(
    systemctl: str | None, *, check_booted: bool = True
) -> tuple[list[UnitState] | None, str | None]:
    """systemd's view of each unit, or (None, why not)."""
    if not systemctl:
        return None, "systemctl is not installed here"
    if check_booted and not Path("/run/systemd/system").is_dir():
        return None, "this machine is not running systemd (container or another init)"
    props = "LoadState,ActiveState,SubState,ActiveEnterTimestampMonotonic,NRestarts"
    out = []
    for unit in UNITS:
        try:
            p = subprocess.run(
                [systemctl, "show", unit, f"--property={props}"],
                capture_output=True, text=True, timeout=5,
            )  # fmt: skip
        except (OSError, subprocess.SubprocessError) as e:
            return None, f"systemctl show failed: {e}"
        kv = dict(line.split("=", 1) for line in p.stdout.splitlines() if "=" in line)
        if p.returncode != 0 or "ActiveState" not in kv:
            # e.g. "Failed to connect to bus" for a user without access to systemd
            why = (p.stderr.strip().splitlines() or [f"exit {p.returncode}"])[0]
            return None, f"`systemctl show` failed: {why}"
        mono = kv.get("ActiveEnterTimestampMonotonic", "0")
        uptime = None
        if kv.get("ActiveState") == "active" and mono.isdigit() and int(mono) > 0:
            # systemd's monotonic clock is CLOCK_MONOTONIC, the same as time.monotonic().
            uptime = round(time.monotonic() - int(mono) / 1e6, 0)
        out.append(
            UnitState(
                unit,
                kv.get("LoadState", "?"),
                kv.get("ActiveState", "?"),
                kv.get("SubState", "?"),
                uptime,
                kv.get("NRestarts"),
            )
        )
    return out, None


def http_health(name: str, url: str, timeout_s: float, token: str = "") -> HttpHealth:
    import httpx

    # The API shows its problems only to a caller with the token.
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        r = httpx.get(url, timeout=timeout_s, headers=headers)
    except httpx.HTTPError as e:
        return HttpHealth(name, url, None, f"down ({type(e).__name__})")
    try:
        body = r.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    if name == "api":
        problems = body.get("problems") or []
        summary = body.get("status", "?") + (f": {'; '.join(problems)}" if problems else "")
    else:
        summary = f"{body.get('status', '?')}, model {body.get('model_path') or body.get('model')}"
        summary += f", {body.get('device')}/{body.get('compute_type')}"
        if body.get("error"):
            summary += f", error: {body['error']}"
    return HttpHealth(name, url, r.status_code, summary)


def _api_url(s: Settings) -> str:
    host = s.api_host
    if host in ("0.0.0.0", "", "::"):
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{s.api_port}/health"


def gather(
    settings: Settings,
    now: datetime,
    *,
    offline: bool = False,
    systemctl: str | None = None,  # a path; given explicitly, it is trusted to answer
    http_timeout_s: float = 2.0,
) -> Report:
    """Every section on its own: a failing part blanks its section and is named in down."""
    given = systemctl is not None
    systemctl = systemctl if given else shutil.which("systemctl")
    units, note = unit_states(systemctl or None, check_booted=not given)
    r = _empty(settings, now, units, note)
    try:
        _read_db(r, settings, now)
    except Exception as e:  # the report goes on without the DB
        r.db_error = e.message if isinstance(e, OrganizerError) else f"{type(e).__name__}: {e}"
        r.down.append(f"database {_where(settings)}: {r.db_error}")
    r.backup = newest_backup(settings.backups, now)
    r.disk = disk_facts(settings)
    if r.db is not None:
        r.health = health_snapshot(settings, now)
    if not offline:
        r.api = http_health("api", _api_url(settings), http_timeout_s, settings.api_token)
        first, *more = settings.asr_service_urls
        r.asr = http_health("asr", first + "/health", http_timeout_s)
        r.asr_more = [
            http_health(f"asr {n}", url + "/health", http_timeout_s)
            for n, url in enumerate(more, start=2)
        ]
    r.down.extend(_what_is_down(r))
    return r


def health_snapshot(settings: Settings, now: datetime) -> dict[str, Any]:
    """The verdict `/health` gives, from the one place that computes it.

    The only call from the report into the health code (organizer.health, shared with
    /health, `diag health` and doctor).
    """
    from organizer.health import gather

    h = gather(settings, now)
    return {"ok": h.ok, "problems": [p.detail for p in h.problems]}


def _empty(
    settings: Settings, now: datetime, units: list[UnitState] | None, note: str | None
) -> Report:
    env_keys = sorted(
        n
        for n, src in settings.sources.items()
        if src != "default" and getattr(settings, n.lower(), None) not in (None, "")
    )
    return Report(
        now=now, host=socket.gethostname(), version=__version__, git_rev=git_revision(),
        env_file=str(settings.env_file) if settings.env_file else None, env_keys=env_keys,
        units=units, systemd_note=note, beats=[], api=None, asr=None, db=None,
        db_error=None, queue={}, oldest_new_age_s=None, expired_leases=0, calendar={},
        outbox_pending=None, backup=None, backup_dir=str(settings.backups),
    )  # fmt: skip


def _where(settings: Settings) -> str:
    from organizer.db.store import where

    return where(settings)


def _read_db(r: Report, settings: Settings, now: datetime) -> None:
    """The store's identity and size (SQLite: the file and its WAL; PostgreSQL: the
    database as the server counts it), then the queue and the heartbeats."""
    from organizer.db.pg_facts import schema_state
    from organizer.db.store import open_store, require_tables

    path = settings.db_path
    with closing(open_store(settings, readonly=True)) as conn:
        require_tables(conn, settings)
        st = schema_state(conn)
        if settings.store == "sqlite":
            wal = Path(f"{path}-wal")
            size, wal_bytes = os.path.getsize(path), wal.stat().st_size if wal.exists() else 0
        else:
            from organizer.db.pg_facts import facts

            size, wal_bytes = facts(conn).size_bytes, 0
        r.db = {
            "path": _where(settings),
            "size_bytes": size,
            "wal_bytes": wal_bytes,
            "schema_version": st.version,
            "schema_latest": st.latest,
            "instance_id": st.instance_id,
        }
        if st.pending:
            r.down.append(f"database schema {st.version} is behind {st.latest}")
        _read_queue(r, conn, now)  # type: ignore[arg-type]
        _read_beats(r, conn, now)  # type: ignore[arg-type]


def _read_queue(r: Report, conn: sqlite3.Connection, now: datetime) -> None:
    from organizer.model import from_db, to_db

    r.queue = {s: 0 for s in ("NEW", "CLAIMED", "DONE", "FAILED")}
    for status, n in conn.execute("SELECT status, COUNT(*) FROM inbox_queue GROUP BY status"):
        r.queue[status] = n
    oldest = conn.execute(
        "SELECT MIN(created_at) FROM inbox_queue WHERE status = 'NEW'"
    ).fetchone()[0]
    if oldest:
        r.oldest_new_age_s = round((now - from_db(oldest)).total_seconds(), 1)
    r.expired_leases = conn.execute(
        "SELECT COUNT(*) FROM inbox_queue WHERE status = 'CLAIMED' AND lease_until < ?",
        (to_db(now),),
    ).fetchone()[0]
    r.calendar = {"PENDING": 0, "FAILED": 0}
    for cal_state, n in conn.execute("SELECT cal_state, COUNT(*) FROM items GROUP BY cal_state"):
        r.calendar[cal_state] = n
    r.outbox_pending = conn.execute(
        "SELECT COUNT(*) FROM outbox WHERE status IN ('PENDING', 'SENDING')"
    ).fetchone()[0]


def _read_beats(r: Report, conn: sqlite3.Connection, now: datetime) -> None:
    from organizer.model import from_db

    for row in conn.execute(
        "SELECT h.* FROM heartbeats h WHERE h.beat_at = ("
        " SELECT MAX(beat_at) FROM heartbeats WHERE service = h.service)"
        " ORDER BY service"
    ):
        beat = from_db(row["beat_at"])
        age = round((now - beat).total_seconds(), 1) if beat else None
        r.beats.append(Beat(row["service"], age, row["status"], bool(row["stopped_at"])))


def newest_backup(folder: Path, now: datetime) -> dict[str, Any] | None:
    """The newest backup; a file with a backup's name was integrity-checked before it
    got that name (backup.py), so the newest one is the newest verified one."""
    from organizer.backup import list_backups

    try:
        backups = list_backups(folder)
    except OSError:
        return None
    if not backups:
        return None
    b = backups[0]
    return {
        "path": str(b.path),
        "size_bytes": b.size_bytes,
        "taken_at": b.taken_at,
        "age_h": round((now - b.taken_at).total_seconds() / 3600, 1),
        "count": len(backups),
        "total_bytes": sum(x.size_bytes for x in backups),
        "verified": True,
    }


def disk_facts(settings: Settings) -> dict[str, Any] | None:
    """Free space where the database lives (backups usually beside it)."""
    folder = settings.db_path.absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        usage = shutil.disk_usage(folder)
    except OSError:
        return None
    return {
        "folder": str(folder),
        "free_bytes": usage.free,
        "total_bytes": usage.total,
        "free_pct": round(100 * usage.free / usage.total, 1) if usage.total else None,
    }


def _what_is_down(r: Report) -> list[str]:
    down = []
    if r.units is not None:
        for u in r.units:
            if u.unit.endswith(".service") and "backup" not in u.unit and u.active != "active":
                down.append(f"{u.unit} is {u.active} ({u.sub})")
            if u.unit == "organizer-backup.timer" and u.active != "active":
                down.append(f"{u.unit} is {u.active}: no daily backups")
    if r.db is not None:
        beats = {b.service: b for b in r.beats}
        for name in DAEMONS:
            b = beats.get(name)
            if b is None:
                down.append(f"{name}: no heartbeat ever")
            elif b.stopped:
                down.append(f"{name}: stopped")
            elif b.age_s is None or b.age_s > STALE_BEAT_S:
                down.append(f"{name}: heartbeat {b.age_s}s old")
    for h in r.endpoints():
        if h is not None and h.code != 200:
            down.append(f"{h.name} health: {h.summary if h.code is None else h.code}")
    if r.disk is not None and r.disk["free_bytes"] < DISK_LOW_BYTES:
        down.append(f"disk: {_size(r.disk['free_bytes'])} free in {r.disk['folder']}")
    if r.backup is None:
        down.append(f"no backup in {r.backup_dir}")
    elif r.backup["age_h"] > 36:
        down.append(f"last backup is {r.backup['age_h']} h old")
    return down


# ------------------------------------------------------------------- rendering


def _cell(value: object) -> str:
    text = "—" if value is None or value == "" else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    s = int(seconds)
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return (f"{d}d " if d else "") + (f"{h}h " if h or d else "") + f"{m}m {s}s"


def _size(n: int | None) -> str:
    if n is None:
        return "—"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def _markdown_health_backup_disk(r: Report) -> list[str]:
    out: list[str] = []
    out.append("")
    out.append("### Health")
    if r.health is None:
        out.append("unknown: the database could not be read.")
    else:
        out.append("ok" if r.health["ok"] else "; ".join(r.health["problems"]))
    out.append("")
    out.append("### Last backup")
    if r.backup is None:
        out.append(f"none in {r.backup_dir}")
    else:
        b = r.backup
        out.append(
            f"{b['taken_at'].strftime('%Y-%m-%d %H:%M UTC')} ({b['age_h']} h ago), "
            f"{_size(b['size_bytes'])}, {b['path']} — {b['count']} kept"
        )
    if r.disk is not None:
        d = r.disk
        out += ["", "### Disk",
                f"{_size(d['free_bytes'])} free of {_size(d['total_bytes'])} "
                f"({d['free_pct']}%) in {d['folder']}"]  # fmt: skip
    return out


def render_markdown(r: Report) -> str:
    when = r.now.strftime("%Y-%m-%d %H:%M UTC")
    out = [f"## organizer report — {r.host} — {when}", ""]
    out.append(f"- version: {r.version}" + (f" (git {r.git_rev})" if r.git_rev else ""))
    out.append(f"- env file: {r.env_file or 'none'}")
    out.append(f"- env keys set: {', '.join(r.env_keys) if r.env_keys else 'none'}")
    out.append("")
    out.append("### Down or degraded")
    out += [f"- {d}" for d in r.down] or ["- nothing: all services up"]
    out.append("")
    out.append("### Units")
    if r.units is None:
        out.append(f"systemd: not available ({r.systemd_note}); see the heartbeats below.")
    else:
        out += _table(
            ["unit", "load", "state", "uptime", "restarts"],
            [[u.unit, u.load, f"{u.active} ({u.sub})", _duration(u.uptime_s), u.restarts]
             for u in r.units],
        )  # fmt: skip
    out.append("")
    out.append("### Heartbeats")
    if r.db is None:
        out.append("unavailable: the database could not be read.")
    elif not r.beats:
        out.append("no service has reported yet.")
    else:
        out += _table(
            ["service", "last beat", "status"],
            [[b.service, "stopped" if b.stopped else f"{b.age_s}s ago", b.status]
             for b in r.beats],
        )  # fmt: skip
    out.append("")
    out.append("### Health endpoints")
    if r.api is None and r.asr is None:
        out.append("skipped (--offline).")
    else:
        out += _table(
            ["service", "url", "HTTP", "summary"],
            [[h.name, h.url, h.code, h.summary] for h in r.endpoints()],
        )
    out.append("")
    out.append("### Database")
    if r.db is None:
        out.append(f"unreadable: {r.db_error}")
    else:
        d = r.db
        out += _table(
            ["path", "size", "WAL", "schema", "instance id"],
            [[d["path"], _size(d["size_bytes"]), _size(d["wal_bytes"]),
              f"{d['schema_version']} / {d['schema_latest']}", d["instance_id"]]],
        )  # fmt: skip
        out.append("")
        out.append("### Queue and calendar")
        q = r.queue
        out += _table(
            ["NEW", "CLAIMED", "DONE", "FAILED", "oldest NEW", "expired leases",
             "calendar PENDING", "calendar FAILED", "outbox pending"],
            [[q.get("NEW"), q.get("CLAIMED"), q.get("DONE"), q.get("FAILED"),
              _duration(r.oldest_new_age_s) if r.oldest_new_age_s is not None else "—",
              r.expired_leases, r.calendar.get("PENDING", 0), r.calendar.get("FAILED", 0),
              r.outbox_pending]],
        )  # fmt: skip
    out += _markdown_health_backup_disk(r)
    return "\n".join(out) + "\n"


def redact_check(text: str, settings: Settings) -> None:
    """Raise if a secret value slipped into the text (a guard for tests and the CLI)."""
    from urllib.parse import urlsplit

    try:
        db_password = urlsplit(settings.db_url).password
    except ValueError:
        db_password = None
    for secret in (settings.telegram_bot_token, settings.api_token, settings.caldav_password,
                   db_password):
        if secret and len(secret) >= 4 and re.search(re.escape(secret), text):
            raise AssertionError("a secret value appeared in the report")
