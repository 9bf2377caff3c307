"""Settings: the one place that reads the environment.

Every name is the contract of DESIGN.md (plus a few tuning knobs documented in
docs/configuration.md). `load_settings` returns one frozen object and remembers
where each value came from, so `organizer config` can tell the operator.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from organizer import dburl
from organizer.errors import ConfigError

DEFAULT_ENV_FILE = Path("/etc/organizer/organizer.env")
SYSTEMD_DB_PATH = Path("/var/lib/organizer/organizer.db")
LOCAL_DB_PATH = Path("data/organizer.db")
CALENDAR_BACKENDS = ("none", "google", "caldav")
SECRET_NAMES = frozenset(
    {"TELEGRAM_BOT_TOKEN", "API_TOKEN", "CALDAV_PASSWORD", "TELEGRAM_WEBHOOK_SECRET"}
)


@dataclass(frozen=True)
class Var:
    """One environment variable: its name, type, default and help line."""

    name: str
    kind: type
    default: Any
    help: str
    secret: bool = False


# name -> (python field, spec). Order is the order of `organizer config`.
VARS: tuple[Var, ...] = (
    Var("DB_PATH", Path, None, "SQLite file (default depends on systemd)"),
    Var("DB_URL", str, "",
        "sqlite:///abs/path (default: DB_PATH) or postgresql://… (see docs/POSTGRESQL.md)"),
    Var("ORGANIZER_TZ", str, "Europe/Moscow", "default IANA time zone of users"),
    Var("CANON_PATH", Path, None, "intent canon YAML (default: bundled canon/intents_v2.yml)"),
    Var("LOG_LEVEL", str, "INFO", "DEBUG, INFO, WARNING or ERROR"),
    Var("TELEGRAM_BOT_TOKEN", str, "", "bot token (required for `organizer bot`)", secret=True),
    Var("TELEGRAM_API_BASE_URL", str, "https://api.telegram.org/bot", "Bot API base URL"),
    Var("TELEGRAM_FILE_BASE_URL", str, "", "Bot API file URL (default derived from the base)"),
    Var("TELEGRAM_ALLOWED_USER_IDS", str, "", "comma-separated user ids; empty = nobody"),
    Var("TELEGRAM_WEBHOOK_URL", str, "",
        "`organizer bot --webhook`: the public https URL Telegram posts updates to"),
    Var("TELEGRAM_WEBHOOK_SECRET", str, "",
        "`bot --webhook`: the secret Telegram sends with each update (1-256 of A-Z a-z 0-9 _ -)",
        secret=True),
    Var("TELEGRAM_WEBHOOK_LISTEN", str, "127.0.0.1", "`bot --webhook`: address to listen on"),
    Var("TELEGRAM_WEBHOOK_PORT", int, 8443, "`bot --webhook`: port the reverse proxy forwards to"),
    Var("TELEGRAM_WEBHOOK_MAX_CONNECTIONS", int, 40,
        "`bot --webhook`: at most this many updates Telegram sends at once"),
    Var("TG_LONGPOLL_SEC", int, 30, "getUpdates timeout, seconds"),
    Var("TG_HTTP_READ_TIMEOUT", float, 40.0, "Telegram HTTP read timeout, seconds"),
    Var("CLARIFY_TTL_SEC", int, 900, "how long a clarifying question waits"),
    Var("SPOOL_DIR", Path, None, "where downloaded voice notes wait (default: beside DB)"),
    Var("ASR_SERVICE_URL", str, "http://127.0.0.1:8001",
        "where the worker sends voice; several ASR services: comma-separated URLs"),
    Var("ASR_HTTP_READ_TIMEOUT", float, 120.0, "worker -> ASR read timeout, seconds"),
    Var("ASR_RETRY_WINDOW_SEC", float, 1800.0, "how long a voice note waits out an ASR outage"),
    Var("ASR_HOST", str, "127.0.0.1", "ASR service bind address"),
    Var("ASR_PORT", int, 8001, "ASR service port"),
    Var("ASR_MODEL", str, "base", "faster-whisper size name or local model directory"),
    Var("ASR_DEVICE", str, "cpu", "faster-whisper device"),
    Var("ASR_COMPUTE_TYPE", str, "int8", "faster-whisper compute type"),
    Var("ASR_LANGUAGE", str, "ru", "forced language; 'auto' to detect"),
    Var("ASR_BEAM_SIZE", int, 5, "beam size"),
    Var("ASR_CPU_THREADS", int, 0, "CPU threads; 0 = from the CPU quota"),
    Var("ASR_MAX_CONCURRENCY", int, 1, "concurrent transcriptions before 429"),
    Var("ASR_MAX_BYTES", int, 20 * 1024 * 1024, "largest accepted upload, bytes"),
    Var("ASR_MAX_AUDIO_SEC", float, 300.0, "longest accepted audio, seconds"),
    Var("ASR_REQUEST_TIMEOUT_SEC", float, 60.0, "per-request transcription limit, seconds"),
    Var("HTTP_READ_TIMEOUT_SEC", float, 30.0, "api/asr: deadline for request headers, then body"),
    Var("API_HOST", str, "127.0.0.1", "API bind address"),
    Var("API_PORT", int, 8000, "API port"),
    Var("API_TOKEN", str, "", "bearer token for the API's routes (empty = off)", secret=True),
    Var("CALENDAR_BACKEND", str, "none", "google, caldav or none"),
    Var("GOOGLE_CALENDAR_ID", str, "", "target Google calendar id (not 'primary')"),
    Var("GOOGLE_SA_FILE", Path, Path("/var/lib/organizer/google_sa.json"), "service-account JSON"),
    Var("GOOGLE_CALENDAR_API_ENDPOINT", str, "", "Calendar API root override"),
    Var("CALDAV_URL", str, "", "CalDAV calendar collection URL"),
    Var("CALDAV_USERNAME", str, "", "CalDAV user"),
    Var("CALDAV_PASSWORD", str, "", "CalDAV password", secret=True),
    Var("CALENDAR_MAX_ATTEMPTS", int, 8, "calendar sync attempts before FAILED"),
    Var("WORKER_LEASE_SEC", int, 60, "how long a claimed message is held"),
    Var("WORKER_MAX_ATTEMPTS", int, 5, "processing attempts before FAILED"),
    Var("REMINDER_LEAD_MIN", int, 15, "minutes before a meeting its reminder fires"),
    Var("AGENDA_TIME", str, "08:00", "default local time of the daily agenda"),
    Var("BACKUP_DIR", Path, None, "where `organizer backup` writes (default: beside DB)"),
    Var("BACKUP_KEEP", int, 7, "how many backups to keep"),
    Var("DISK_MIN_FREE_MB", int, 200, "free MiB on the data disk below which /health fails"),
)
VARS_BY_NAME = {v.name: v for v in VARS}


def _field_name(var: str) -> str:
    return var.lower()


@dataclass(frozen=True)
class Settings:
    """The resolved configuration. Build it with `load_settings`."""

    db_path: Path
    db_url: str
    organizer_tz: str
    canon_path: Path | None
    log_level: str
    telegram_bot_token: str
    telegram_api_base_url: str
    telegram_file_base_url: str
    telegram_allowed_user_ids: str
    tg_longpoll_sec: int
    tg_http_read_timeout: float
    telegram_webhook_url: str
    telegram_webhook_secret: str
    telegram_webhook_listen: str
    telegram_webhook_port: int
    telegram_webhook_max_connections: int
    clarify_ttl_sec: int
    spool_dir: Path | None
    asr_service_url: str
    asr_http_read_timeout: float
    asr_retry_window_sec: float
    asr_host: str
    asr_port: int
    asr_model: str
    asr_device: str
    asr_compute_type: str
    asr_language: str
    asr_beam_size: int
    asr_cpu_threads: int
    asr_max_concurrency: int
    asr_max_bytes: int
    asr_max_audio_sec: float
    asr_request_timeout_sec: float
    http_read_timeout_sec: float
    api_host: str
    api_port: int
    api_token: str
    calendar_backend: str
    google_calendar_id: str
    google_sa_file: Path
    google_calendar_api_endpoint: str
    caldav_url: str
    caldav_username: str
    caldav_password: str
    calendar_max_attempts: int
    worker_lease_sec: int
    worker_max_attempts: int
    reminder_lead_min: int
    agenda_time: str
    backup_dir: Path | None
    backup_keep: int
    disk_min_free_mb: int
    env_file: Path | None = None
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def allowed_user_ids(self) -> frozenset[int]:
        return frozenset(int(x) for x in self.telegram_allowed_user_ids.split(",") if x.strip())

    @property
    def asr_service_urls(self) -> tuple[str, ...]:
        """ASR_SERVICE_URL split at commas or spaces (one or several ASR services)."""
        return tuple(u.rstrip("/") for u in re.split(r"[,\s]+", self.asr_service_url) if u)

    @property
    def store(self) -> str:
        """'sqlite' or 'postgresql': which store DB_URL chose."""
        return dburl.parse(self.db_url).store

    @property
    def spool(self) -> Path:
        return self.spool_dir or self.db_path.parent / "spool"

    @property
    def backups(self) -> Path:
        return self.backup_dir or self.db_path.parent / "backups"

    @property
    def file_base_url(self) -> str:
        """PTB's base_file_url: `<scheme://host:port>/file/bot` unless set."""
        if self.telegram_file_base_url:
            return self.telegram_file_base_url
        base = self.telegram_api_base_url.rstrip("/")
        root = base[: -len("/bot")] if base.endswith("/bot") else base
        return f"{root}/file/bot"

    def public_items(self) -> list[tuple[str, str, str]]:
        """(NAME, value with secrets masked, source) for every variable."""
        out = []
        for var in VARS:
            value = getattr(self, _field_name(var.name))
            shown = "" if value is None else str(value)
            if var.secret and shown:
                shown = "***"
            elif var.name == "DB_URL":
                shown = dburl.redact(shown)
            out.append((var.name, shown, self.sources.get(var.name, "default")))
        return out

    def __repr__(self) -> str:
        # A logged or printed Settings must not carry the tokens or DB_URL's password.
        return "Settings(" + ", ".join(f"{n}={v!r}" for n, v, _ in self.public_items()) + ")"

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")
# Names in the env file that belong to other programs (Python, libraries): not typos.
FOREIGN_PREFIXES = ("PYTHON", "HF_", "OMP_", "MKL_", "CT2_", "LC_", "SSL_", "REQUESTS_")
FOREIGN_NAMES = frozenset({"ORGANIZER_ENV_FILE", "PATH", "HOME", "LANG", "TZ", "TMPDIR"})


@dataclass(frozen=True)
class EnvLine:
    """One NAME=value assignment of an env file, with where it stands."""

    key: str
    value: str
    lineno: int


def _read_env_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except PermissionError:
        raise ConfigError(
            f"env file {path} is not readable by this user",
            "run as the service user (sudo -u organizer …) or fix the file's owner",
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read env file {path}: {e}", "check the path") from None


def parse_env_lines(path: Path) -> list[EnvLine]:
    """systemd EnvironmentFile= rules: a comment is a line starting with '#' or ';'.

    There are no inline comments: `KEY=value # note` keeps `value # note`, as systemd
    does. A value wrapped in matching quotes loses them.
    """
    out: list[EnvLine] = []
    for lineno, raw in enumerate(_read_env_text(path).splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped[0] in "#;":
            continue
        m = _LINE.match(raw)
        if not m:
            raise ConfigError(
                f"{path}:{lineno}: malformed line (expected NAME=value)",
                "fix or comment out that line",
            )
        key, value = m.group(1), m.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        out.append(EnvLine(key, value, lineno))
    return out


def parse_env_file(path: Path) -> dict[str, str]:
    """NAME -> value of an env file; a later line wins, as in systemd."""
    return {line.key: line.value for line in parse_env_lines(path)}


def _is_foreign(key: str) -> bool:
    return key in FOREIGN_NAMES or key.startswith(FOREIGN_PREFIXES)


def env_file_warnings(path: Path) -> list[str]:
    """Unknown names (typos) and values that look like inline comments, one line each."""
    out: list[str] = []
    for line in parse_env_lines(path):
        where = f"{path}:{line.lineno}"
        if line.key not in VARS_BY_NAME and not _is_foreign(line.key):
            near = difflib.get_close_matches(line.key, list(VARS_BY_NAME), n=1, cutoff=0.6)
            hint = f"; did you mean {near[0]}?" if near else "; see docs/configuration.md"
            out.append(f"unknown setting {line.key} ({where}) is ignored{hint}")
        if " #" in line.value or "\t#" in line.value:
            out.append(
                f"{line.key} ({where}): the value contains ' #' and looks like an inline comment; "
                "systemd keeps it as part of the value: move the comment to its own line"
            )
    return out


def resolve_env_file(environ: Mapping[str, str], env_file: Path | None) -> Path | None:
    """--env-file, else ORGANIZER_ENV_FILE, else the system file when it exists."""
    if env_file is not None:
        if not env_file.exists():
            raise ConfigError(f"env file {env_file} does not exist", "check --env-file")
        return env_file
    named = environ.get("ORGANIZER_ENV_FILE")
    if named:
        path = Path(named)
        if not path.exists():
            raise ConfigError(
                f"env file {path} (ORGANIZER_ENV_FILE) does not exist",
                "fix ORGANIZER_ENV_FILE or unset it",
            )
        return path
    return DEFAULT_ENV_FILE if DEFAULT_ENV_FILE.is_file() else None


def _convert(var: Var, raw: str, origin: str) -> Any:
    if var.kind is str:
        return raw
    if var.kind is Path:
        return Path(raw).expanduser() if raw else None
    try:
        return var.kind(raw)
    except ValueError:
        raise ConfigError(
            f"{var.name}={raw!r} ({origin}) is not a valid {var.kind.__name__}",
            f"set {var.name} to a number, e.g. {var.default}",
        ) from None


def _default_db_path(environ: Mapping[str, str]) -> Path:
    # systemd sets INVOCATION_ID for every unit it starts.
    if environ.get("INVOCATION_ID"):
        return SYSTEMD_DB_PATH
    return LOCAL_DB_PATH


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = None
) -> Settings:
    """Environment wins over the env file, which wins over defaults."""
    environ = os.environ if environ is None else environ
    path = resolve_env_file(environ, env_file)
    file_values = parse_env_file(path) if path else {}
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for var in VARS:
        if var.name in environ and environ[var.name] != "":
            raw, origin = environ[var.name], "environment"
        elif var.name in file_values:
            raw, origin = file_values[var.name], f"env file {path}"
        else:
            values[_field_name(var.name)] = var.default
            sources[var.name] = "default"
            continue
        values[_field_name(var.name)] = _convert(var, raw, origin)
        sources[var.name] = origin
    if values["db_path"] is None:
        values["db_path"] = _default_db_path(environ)
    values["db_path"] = Path(values["db_path"]).expanduser().absolute()
    _resolve_db_url(values, sources)
    settings = Settings(**values, env_file=path, sources=sources)
    validate(settings)
    return settings


def _resolve_db_url(values: dict[str, Any], sources: Mapping[str, str]) -> None:
    """DB_URL wins; without it the SQLite file at DB_PATH (today's setting) is the store.

    An SQLite DB_URL sets db_path (every SQLite code path reads db_path); both set to
    different files is refused rather than guessed.
    """
    raw = values["db_url"]
    if not raw:
        values["db_url"] = dburl.sqlite_url(values["db_path"])
        return
    parsed = dburl.parse(raw)
    values["db_url"] = parsed.url
    if parsed.path is None:
        return
    if sources.get("DB_PATH", "default") != "default" and parsed.path != values["db_path"]:
        raise ConfigError(
            f"DB_URL names {parsed.path} but DB_PATH names {values['db_path']}",
            "set only one of them (DB_URL=sqlite:///path replaces DB_PATH)",
        )
    values["db_path"] = parsed.path


def _validate_asr_urls(s: Settings) -> None:
    """ASR_SERVICE_URL: one http(s) URL or several, comma-separated."""
    for url in s.asr_service_urls or ("",):
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url):
            raise ConfigError(
                f"ASR_SERVICE_URL has {url!r}, which is not an http(s) URL",
                "e.g. ASR_SERVICE_URL=http://127.0.0.1:8001 (several: comma-separated)",
            )


def validate(s: Settings) -> None:
    """Rules checked at start: each error names the variable and the fix."""
    if s.tg_http_read_timeout < s.tg_longpoll_sec + 10:
        raise ConfigError(
            f"TG_HTTP_READ_TIMEOUT={s.tg_http_read_timeout:g} must be at least "
            f"TG_LONGPOLL_SEC + 10 = {s.tg_longpoll_sec + 10}",
            f"set TG_HTTP_READ_TIMEOUT={s.tg_longpoll_sec + 10} or lower TG_LONGPOLL_SEC",
        )
    if s.tg_longpoll_sec < 0:
        raise ConfigError("TG_LONGPOLL_SEC must not be negative", "set TG_LONGPOLL_SEC=30")
    if s.calendar_backend not in CALENDAR_BACKENDS:
        raise ConfigError(
            f"CALENDAR_BACKEND={s.calendar_backend!r} is not one of {', '.join(CALENDAR_BACKENDS)}",
            "set CALENDAR_BACKEND=none, google or caldav",
        )
    if s.google_calendar_id.strip().lower() == "primary":
        raise ConfigError(
            "GOOGLE_CALENDAR_ID=primary is the service account's own calendar, "
            "which the user never sees",
            "share your calendar with the service account and set GOOGLE_CALENDAR_ID "
            "to its id (…@group.calendar.google.com or your e-mail)",
        )
    if s.calendar_backend == "google" and not s.google_calendar_id:
        raise ConfigError(
            "CALENDAR_BACKEND=google needs GOOGLE_CALENDAR_ID", "set GOOGLE_CALENDAR_ID"
        )
    if s.calendar_backend == "caldav" and not s.caldav_url:
        raise ConfigError("CALENDAR_BACKEND=caldav needs CALDAV_URL", "set CALDAV_URL")
    try:
        ZoneInfo(s.organizer_tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"ORGANIZER_TZ={s.organizer_tz!r} is not an IANA time zone",
            "use a name like Europe/Moscow",
        ) from None
    for name, value in (
        ("CLARIFY_TTL_SEC", s.clarify_ttl_sec),
        ("WORKER_LEASE_SEC", s.worker_lease_sec),
        ("WORKER_MAX_ATTEMPTS", s.worker_max_attempts),
        ("CALENDAR_MAX_ATTEMPTS", s.calendar_max_attempts),
        ("ASR_MAX_CONCURRENCY", s.asr_max_concurrency),
    ):
        if value < 1:
            raise ConfigError(f"{name}={value} must be at least 1", f"set {name} to 1 or more")
    try:
        [int(x) for x in s.telegram_allowed_user_ids.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(
            "TELEGRAM_ALLOWED_USER_IDS must be comma-separated numeric user ids",
            "e.g. TELEGRAM_ALLOWED_USER_IDS=12345,67890 (send /start to the bot to see yours)",
        ) from None
    if not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", s.agenda_time):
        raise ConfigError(f"AGENDA_TIME={s.agenda_time!r} is not HH:MM", "e.g. AGENDA_TIME=08:00")
    for name, seconds in (
        ("ASR_RETRY_WINDOW_SEC", s.asr_retry_window_sec),
        ("HTTP_READ_TIMEOUT_SEC", s.http_read_timeout_sec),
    ):
        if seconds <= 0:
            raise ConfigError(f"{name}={seconds} must be positive", f"set {name} to seconds > 0")
    _validate_asr_urls(s)
    if s.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"LOG_LEVEL={s.log_level!r} is unknown", "use INFO or DEBUG")
