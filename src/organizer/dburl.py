"""DB_URL: which store a command uses, `sqlite:///abs/path` or `postgresql://…`.

Pure parsing (no driver imported): the settings call it at load time, so a malformed
URL is one ConfigError line before anything opens. The password of a PostgreSQL URL
never reaches a log or `organizer config` (see `redact`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from organizer.errors import ConfigError

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
_PG_SCHEMES = ("postgresql", "postgres")


@dataclass(frozen=True)
class DbUrl:
    """A parsed DB_URL: the store, and the SQLite file (None for PostgreSQL)."""

    store: str
    url: str
    path: Path | None = None


def redact(url: str) -> str:
    """The URL with its password replaced by ***, for logs and `organizer config`."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "***"
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username or ''}:***@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def sqlite_url(path: Path) -> str:
    return f"sqlite://{Path(path).absolute()}"


def parse(raw: str) -> DbUrl:
    """`sqlite:///abs/path` or `postgresql://…` (also `postgres://`); anything else fails."""
    scheme, sep, rest = raw.partition("://")
    if sep and scheme == SQLITE:
        if not rest.startswith("/") or rest.strip("/") == "":
            raise ConfigError(
                f"DB_URL={raw!r} does not name an absolute SQLite file",
                "write it as sqlite:///var/lib/organizer/organizer.db (three slashes, then the "
                "absolute path)",
            )
        path = Path("/" + rest.lstrip("/"))
        return DbUrl(SQLITE, sqlite_url(path), path)
    if sep and scheme in _PG_SCHEMES:
        parts = urlsplit(raw)
        # postgresql:///organizer (the local socket) is fine; postgresql:// names nothing.
        if not parts.hostname and parts.path.strip("/") == "" and "host=" not in rest:
            raise ConfigError(
                f"DB_URL={redact(raw)!r} names no PostgreSQL host or database",
                "e.g. DB_URL=postgresql://organizer:PASSWORD@127.0.0.1:5432/organizer",
            )
        return DbUrl(POSTGRESQL, raw)
    raise ConfigError(
        f"DB_URL={redact(raw)!r} is neither sqlite:///path nor postgresql://…",
        "e.g. DB_URL=sqlite:///var/lib/organizer/organizer.db or "
        "DB_URL=postgresql://organizer@127.0.0.1/organizer",
    )
