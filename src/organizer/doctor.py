"""`organizer doctor`: every check an operator needs, each OK/WARN/FAIL with the fix.

One function per check, `Settings -> Check | list[Check]`. A check that raises is
reported as FAIL with the exception, so one broken check never hides the others.
The checks that touch the network (ASR, calendar) are skipped with `offline=True`.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from organizer.checks import Check
from organizer.config import (
    DEFAULT_ENV_FILE,
    SYSTEMD_DB_PATH,
    Settings,
    env_file_warnings,
    load_settings,
    resolve_env_file,
)
from organizer.errors import OrganizerError

SYSTEM_UNIT_DIR = Path("/etc/systemd/system")
REPO_UNIT_DIR = Path(__file__).resolve().parents[2] / "systemd"
TOKEN_RE = re.compile(r"^\d{5,16}:[A-Za-z0-9_-]{30,64}$")
SA_FIELDS = ("type", "project_id", "private_key", "client_email", "token_uri")


CheckFn = Callable[[Settings], "Check | list[Check]"]


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def check_env_file(s: Settings) -> Check:
    if s.env_file is None:
        return Check(
            "env file",
            "WARN",
            f"no env file in use ({DEFAULT_ENV_FILE} is absent): the services read "
            f"{DEFAULT_ENV_FILE}; create it with install.sh, or "
            f"`install -m 600 -o organizer packaging/organizer.env.example {DEFAULT_ENV_FILE}`",
        )
    mode = _mode(s.env_file)
    if mode & 0o077:
        return Check(
            "env file",
            "FAIL",
            f"{s.env_file} has mode {mode:04o}; it holds secrets: chmod 600 {s.env_file}",
        )
    return Check("env file", "OK", f"{s.env_file} (mode {mode:04o})")


def check_env_keys(s: Settings) -> list[Check]:
    """Names the program ignores (typos) and values with an inline-comment look."""
    if s.env_file is None:
        return []
    return [Check("env file keys", "WARN", w) for w in env_file_warnings(s.env_file)]


def _env_keys_without_settings(
    env_file: Path | None, environ: Mapping[str, str] | None
) -> list[Check]:
    """The key warnings when the settings did not load: a typo is often why."""
    try:
        path = resolve_env_file(os.environ if environ is None else environ, env_file)
        warnings = env_file_warnings(path) if path else []
    except OrganizerError:
        return []
    return [Check("env file keys", "WARN", w) for w in warnings]


def check_config_advice(s: Settings) -> list[Check]:
    """The hard rules ran in load_settings; these are the soft ones."""
    out = []
    if not s.allowed_user_ids:
        out.append(
            Check(
                "allowed users",
                "WARN",
                "TELEGRAM_ALLOWED_USER_IDS is empty: the bot answers nobody; set it to your "
                "Telegram user id (the bot's /start reply shows it)",
            )
        )
    else:
        out.append(Check("allowed users", "OK", f"{len(s.allowed_user_ids)} user id(s)"))
    if s.api_token and len(s.api_token) < 16:
        out.append(
            Check(
                "API token",
                "WARN",
                "API_TOKEN is shorter than 16 characters: use `openssl rand -hex 24`",
            )
        )
    if s.api_host not in ("127.0.0.1", "::1", "localhost"):
        out.append(
            Check(
                "API bind",
                "WARN",
                f"API_HOST={s.api_host} is not loopback: the unit only allows localhost "
                "(IPAddressAllow=); add a drop-in, or put a reverse proxy in front",
            )
        )
    return out


def check_telegram_token(s: Settings) -> Check:
    token = s.telegram_bot_token
    if not token:
        return Check(
            "telegram token",
            "FAIL",
            "TELEGRAM_BOT_TOKEN is empty: `organizer bot` cannot start; get one from "
            "@BotFather and set it in the env file",
        )
    if not TOKEN_RE.match(token.strip()):
        return Check(
            "telegram token",
            "FAIL",
            "TELEGRAM_BOT_TOKEN does not look like <digits>:<35 characters> (quotes or a "
            "space pasted with it?); copy it again from @BotFather",
        )
    return Check("telegram token", "OK", f"bot id {token.split(':', 1)[0]}")


def check_google(s: Settings) -> list[Check]:
    if s.calendar_backend != "google":
        return []
    out = []
    cal_id = s.google_calendar_id.strip()
    if cal_id.lower() == "primary" or not cal_id:
        out.append(
            Check(
                "google calendar id",
                "FAIL",
                "GOOGLE_CALENDAR_ID must be the id of a calendar shared with the service "
                "account (…@group.calendar.google.com or your e-mail), not primary",
            )
        )
    else:
        out.append(Check("google calendar id", "OK", cal_id))
    path = s.google_sa_file
    fix = f"download the service account's JSON key and put it at {path} (owner organizer, 600)"
    if not path.exists():
        out.append(Check("google service account", "FAIL", f"{path} does not exist: {fix}"))
        return out
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except PermissionError:
        out.append(
            Check(
                "google service account",
                "FAIL",
                f"{path} is not readable by this user: chown organizer {path}",
            )
        )
        return out
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        out.append(
            Check("google service account", "FAIL", f"{path} is not valid JSON ({e}): {fix}")
        )
        return out
    missing = [f for f in SA_FIELDS if not isinstance(data, dict) or not data.get(f)]
    if missing:
        out.append(
            Check(
                "google service account",
                "FAIL",
                f"{path} lacks {', '.join(missing)}: it is not a service-account key; {fix}",
            )
        )
    elif data["type"] != "service_account":
        out.append(
            Check(
                "google service account",
                "FAIL",
                f"{path} has type {data['type']!r}, not service_account: {fix}",
            )
        )
    elif "PRIVATE KEY" not in str(data["private_key"]):
        out.append(Check("google service account", "FAIL", f"{path}: private_key is not a key"))
    else:
        mode = _mode(path)
        status = "WARN" if mode & 0o077 else "OK"
        tail = f"; it is a secret: chmod 600 {path}" if status == "WARN" else ""
        out.append(
            Check(
                "google service account", status, f"{data['client_email']} (mode {mode:04o}){tail}"
            )
        )
    return out


def check_caldav(s: Settings) -> list[Check]:
    if s.calendar_backend != "caldav":
        return []
    url = s.caldav_url
    if url.startswith("http://") and not re.match(r"http://(127\.|localhost|\[::1\])", url):
        return [
            Check(
                "caldav",
                "WARN",
                f"CALDAV_URL {url} is plain http: the password travels in clear; use https",
            )
        ]
    if not s.caldav_username or not s.caldav_password:
        return [Check("caldav", "WARN", "CALDAV_USERNAME or CALDAV_PASSWORD is empty")]
    return [Check("caldav", "OK", url)]


def check_db(s: Settings) -> Check | list[Check]:
    if s.store == "postgresql":
        from organizer.doctor_pg import check_postgresql

        return check_postgresql(s)
    from organizer.db.connect import open_db
    from organizer.db.migrate import state

    try:
        conn = open_db(s.db_path, readonly=True)
        try:
            st = state(conn)
            # quick_check reads every page (not the index cross-checks of integrity_check):
            # a corrupt page is found here, not by the first query that touches it.
            problems = [r[0] for r in conn.execute("PRAGMA quick_check(5)")]
        finally:
            conn.close()
    except OrganizerError as e:
        return Check("database", "FAIL", f"{e.message}; {e.hint or ''}".strip("; "))
    except sqlite3.DatabaseError as e:
        return _damaged(s, [str(e)])
    if problems != ["ok"]:
        return _damaged(s, problems)
    if st.version == 0 or st.pending:
        return Check(
            "database",
            "FAIL",
            f"{s.db_path} schema {st.version} < {st.latest}: run `organizer migrate` "
            f"as the service user with DB_PATH={s.db_path}",
        )
    return Check("database", "OK", f"{s.db_path} schema {st.version}, instance {st.instance_id}")


def _damaged(s: Settings, problems: list[str]) -> Check:
    return Check(
        "database",
        "FAIL",
        f"{s.db_path} is damaged (quick_check: {'; '.join(problems)[:200]}): stop "
        "organizer.target and `organizer restore` the newest backup",
    )


def check_data_modes(s: Settings) -> Check:
    """The database and its backups hold personal data: files 0600, folders 0700."""
    loose = []
    # On PostgreSQL the data is the server's; here only the backups (pg_dump files).
    own = (s.db_path, s.db_path.parent) if s.store == "sqlite" else ()
    for path in (*own, s.backups):
        if path.exists() and _mode(path) & 0o077:
            loose.append(f"{path} is {_mode(path):o}")
    if s.backups.is_dir():
        files = sorted([*s.backups.glob("*.db"), *s.backups.glob("*.dump")])
        loose += [f"{b} is {_mode(b):o}" for b in files if _mode(b) & 0o077][:3]  # at most three files named: the fix is the same
    if loose:
        return Check("data file modes", "WARN",
                     f"{'; '.join(loose)}: others can read personal data; chmod 600 the files "
                     "and 700 the folders (the units' UMask=0077 keeps new ones private)")  # fmt: skip
    return Check("data file modes", "OK", "database and backups are private to their owner")


def check_canon(s: Settings) -> Check:
    try:
        from organizer.canon import load_canon
    except ImportError:
        return Check("canon", "WARN", "parser not installed yet")
    try:
        load_canon(s.canon_path)
    except OrganizerError as e:
        return Check("canon", "FAIL", f"{e.message}; {e.hint or 'fix CANON_PATH'}")
    return Check("canon", "OK", str(s.canon_path or "bundled canon/intents_v2.yml"))


def check_disk(s: Settings) -> Check:
    from organizer.health import disk_level, disk_text, disk_usage

    disk = disk_usage(s.db_path)
    level = disk_level(disk, s.disk_min_free_mb * 1024**2)
    tail = {
        "FAIL": f": under DISK_MIN_FREE_MB={s.disk_min_free_mb}; free space (old backups: "
        "BACKUP_KEEP, the journal)",
        "WARN": ": running low",
        "OK": "",
    }[level]
    return Check("disk space", level, disk_text(disk) + tail)


def check_services(s: Settings) -> list[Check]:
    """Heartbeats in this database: an expected service missing is a WARN (not started
    yet, or writing to another DB_PATH); a heartbeat naming another database is a FAIL."""
    from organizer.health import gather
    from organizer.model import utcnow

    snap = gather(s, utcnow())
    if any(p.kind in ("database", "schema") for p in snap.problems):
        return []  # check_db names it
    found = [
        Check("services", "FAIL" if p.kind == "split" else "WARN", p.detail)
        for p in snap.problems
        if p.kind in ("heartbeat", "split")
    ]
    if found:
        return found
    alive = ", ".join(f"{b.service} {b.beat_age_s}s ago" for b in snap.services if not b.stopped)
    return [Check("services", "OK", f"heartbeats in {snap.db_path}: {alive or 'none expected'}")]


# ------------------------------------------------------------ units' DB_PATH


def parse_env_lines(text: str) -> dict[str, str]:
    """`Environment=A=1 "B=two words"` values, and env files, as a dict."""
    import shlex

    out: dict[str, str] = {}
    for word in shlex.split(text, comments=False):
        key, sep, value = word.partition("=")
        if sep:
            out[key] = value
    return out


@dataclass(frozen=True)
class UnitEnv:
    unit: str
    db_path: Path
    source: str
    db_url: str | None = None  # DB_URL, when the unit's environment sets one


def unit_db_paths(unit_dir: Path) -> list[UnitEnv]:
    """The DB_PATH each organizer service would get: unit and drop-ins, then its env files.

    systemd applies Environment= first and EnvironmentFile= over it; the program then
    reads ORGANIZER_ENV_FILE itself, where the environment wins over the file.
    """
    from organizer.config import parse_env_file

    out = []
    for unit in sorted(unit_dir.glob("organizer-*.service")):
        files = [unit, *sorted((unit_dir / f"{unit.name}.d").glob("*.conf"))]
        env: dict[str, str] = {}
        env_files: list[Path] = []
        for f in files:
            for raw in f.read_text(encoding="utf-8").splitlines():
                line = raw.strip()
                if line.startswith("Environment="):
                    env.update(parse_env_lines(line.partition("=")[2]))
                elif line.startswith("EnvironmentFile="):
                    value = line.partition("=")[2].strip()
                    env_files.append(Path(value.lstrip("-")))
        source = "systemd default"
        for ef in env_files:
            if ef.is_file():
                try:
                    values = parse_env_file(ef)
                except OrganizerError:
                    continue
                for key in ("DB_PATH", "DB_URL"):
                    if key in values:
                        env[key] = values[key]
                        source = str(ef)
        if ("DB_PATH" in env or "DB_URL" in env) and source == "systemd default":
            source = f"{unit.name} Environment="
        path = Path(env["DB_PATH"]) if env.get("DB_PATH") else SYSTEMD_DB_PATH
        out.append(UnitEnv(unit.name, path, source, env.get("DB_URL") or None))
    return out


def check_unit_db_paths(
    s: Settings, unit_dirs: Iterable[Path] | None = None
) -> Check | list[Check]:
    dirs = list(unit_dirs) if unit_dirs is not None else [SYSTEM_UNIT_DIR, REPO_UNIT_DIR]
    unit_dir = next((d for d in dirs if list(d.glob("organizer-*.service"))), None)
    if unit_dir is None:
        return Check("units' DB_PATH", "WARN", "no organizer units installed (install.sh)")
    found = unit_db_paths(unit_dir)
    installed = unit_dir != REPO_UNIT_DIR
    if s.store == "postgresql":
        from organizer.doctor_pg import check_unit_db_urls, check_units_reach_postgresql

        units = [(u.unit, u.db_url, u.db_path) for u in found]
        reach = check_units_reach_postgresql(s, unit_dir)
        same = check_unit_db_urls(s, units, unit_dir, installed=installed)
        return [same, reach] if reach else same
    paths = {u.db_path for u in found}
    listing = ", ".join(f"{u.unit.removesuffix('.service')}={u.db_path}" for u in found)
    if len(paths) > 1:
        return Check(
            "units' DB_PATH",
            "FAIL",
            f"the units disagree ({listing}): set DB_PATH once, in the env file, and remove "
            f"it from the units' drop-ins (systemctl edit); units in {unit_dir}",
        )
    (units_path,) = paths
    if units_path != s.db_path:
        return Check(
            "units' DB_PATH",
            "FAIL" if installed else "WARN",
            f"the units use {units_path} but this command uses {s.db_path}: run operator "
            "commands as `sudo -u organizer /opt/organizer/venv/bin/organizer …` (same env "
            "file), or set DB_PATH in the env file"
            + ("" if installed else f" (units not installed; read from {unit_dir})"),
        )
    return Check("units' DB_PATH", "OK", f"all {len(found)} units use {units_path} ({unit_dir})")


# ------------------------------------------------------------ network checks


def check_asr(s: Settings, timeout_s: float = 3.0) -> Check:
    """Each ASR service of ASR_SERVICE_URL; several: OK only when all are, WARN while at
    least one still answers (the worker skips the others), FAIL when none does."""
    checks = [_check_one_asr(url, timeout_s) for url in s.asr_service_urls]
    if len(checks) == 1:
        return checks[0]
    bad = [c for c in checks if c.status != "OK"]
    detail = "; ".join(c.detail for c in (bad or checks))
    if not bad:
        return Check("asr", "OK", f"all {len(checks)} ASR services ready: {detail}")
    if len(bad) < len(checks):
        return Check("asr", "WARN", f"{len(bad)} of {len(checks)} ASR services not ready "
                     f"(voice goes to the others): {detail}")  # fmt: skip
    return Check("asr", "FAIL", f"none of the {len(checks)} ASR services is ready: {detail}")


def _check_one_asr(base: str, timeout_s: float) -> Check:
    import httpx

    url = base + "/health"
    try:
        r = httpx.get(url, timeout=timeout_s)
    except httpx.HTTPError as e:
        return Check(
            "asr",
            "FAIL",
            f"{url} unreachable ({type(e).__name__}): `systemctl status organizer-asr`, "
            "`journalctl -u organizer-asr -n 50`; check ASR_SERVICE_URL",
        )
    try:
        body = r.json()
    except ValueError:
        body = {}
    status = body.get("status") if isinstance(body, dict) else None
    model = body.get("model_path") or body.get("model") if isinstance(body, dict) else None
    if r.status_code == 200 and status in ("ready", None):
        return Check("asr", "OK", f"model {model} loaded ({body.get('device')}, "
                     f"{body.get('compute_type')}) at {base}")  # fmt: skip
    if status == "loading":
        return Check("asr", "WARN", f"model {model} is still loading; ask again in a minute")
    error = body.get("error") if isinstance(body, dict) else None
    return Check(
        "asr",
        "FAIL",
        f"{url} answered {r.status_code} ({status or 'no status'}"
        f"{': ' + str(error) if error else ''}): check ASR_MODEL, "
        "`journalctl -u organizer-asr -n 50`",
    )


def check_calendar(s: Settings) -> Check:
    try:
        from organizer.calendars.doctor import check_calendar as calendar_check
    except ImportError:
        return Check("calendar", "WARN", "calendar check not available in this version")
    return calendar_check(s)


def check_voice_model(s: Settings) -> Check:
    from organizer.asr.doctor import check_voice_model as voice_check

    return voice_check(s)


LOCAL_CHECKS: list[CheckFn] = [
    check_data_modes,
    check_env_file,
    check_env_keys,
    check_config_advice,
    check_telegram_token,
    check_google,
    check_caldav,
    check_db,
    check_unit_db_paths,
    check_canon,
    check_voice_model,
    check_disk,
    check_services,
]
NETWORK_CHECKS: list[CheckFn] = [check_asr, check_calendar]
CHECKS = LOCAL_CHECKS + NETWORK_CHECKS


def run_checks(
    env_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    offline: bool = False,
    unit_dirs: Iterable[Path] | None = None,
) -> list[Check]:
    try:
        settings = load_settings(environ, env_file)
    except OrganizerError as e:
        fail = Check("configuration", "FAIL", f"{e.message}. {e.hint or ''}".strip())
        return [fail, *_env_keys_without_settings(env_file, environ)]
    results = [Check("configuration", "OK", "all rules pass")]
    for fn in LOCAL_CHECKS + ([] if offline else NETWORK_CHECKS):
        try:
            if fn is check_unit_db_paths:
                got: Check | list[Check] = check_unit_db_paths(settings, unit_dirs)
            else:
                got = fn(settings)
        except Exception as e:  # a broken check must not hide the others
            got = Check(fn.__name__.removeprefix("check_"), "FAIL", f"{type(e).__name__}: {e}")
        results.extend(got if isinstance(got, list) else [got])
    return results
