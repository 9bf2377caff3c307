"""doctor's checks for a PostgreSQL store (DB_URL=postgresql://…).

The SQLite checks look at a file (quick_check, its mode, its folder's disk); on
PostgreSQL the server owns the data, so these ask it instead: reachable, migrated and
current, connections left, replicas' lag; and the units must all name the same DB_URL.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from organizer.checks import Check
from organizer.config import Settings
from organizer.db.pg_facts import CONNECTIONS_WARN, REPLICA_LAG_WARN_S, PgFacts
from organizer.dburl import redact
from organizer.errors import OrganizerError


def check_postgresql(s: Settings) -> list[Check]:
    """Reachable, migrated and current; then the room left for connections and how far
    a replica trails (a standby checked directly says its own lag)."""
    from contextlib import closing

    from organizer.db.pg_facts import facts, schema_state
    from organizer.db.store import open_store, where

    url = where(s)
    try:
        with closing(open_store(s, readonly=True)) as conn:
            st = schema_state(conn)
            f = facts(conn)
    except OrganizerError as e:
        return [Check("database", "FAIL", f"{e.message}; {e.hint or ''}".strip("; "))]
    except sqlite3.Error as e:
        return [Check("database", "FAIL", f"{url}: {e}; check the role's rights (`organizer "
                      "diag db`)")]  # fmt: skip
    if st.version == 0 or st.pending:
        return [Check("database", "FAIL", f"{url} schema {st.version} < {st.latest}: run "
                      f"`organizer migrate` with this DB_URL")]  # fmt: skip
    out = [Check("database", "OK", f"{url} (PostgreSQL {f.server_version.split()[0]}) schema "
                 f"{st.version}, instance {st.instance_id}")]  # fmt: skip
    return out + server_checks(f)


def server_checks(f: PgFacts) -> list[Check]:
    """The judgement on the server's facts (pure): connections left, replicas' lag."""
    used = f"{f.connections} of max_connections={f.max_connections} in use"
    if f.connections >= f.max_connections * CONNECTIONS_WARN:
        out = [Check("postgresql connections", "WARN", f"{used}: new workers may be refused;"
                     " raise max_connections or put PgBouncer in front")]  # fmt: skip
    else:
        out = [Check("postgresql connections", "OK", used)]
    if f.in_recovery or f.replicas:
        who = "this server is a standby" if f.in_recovery else f"{f.replicas} replica(s)"
        lag = f.replica_lag_s
        if lag is not None and lag > REPLICA_LAG_WARN_S:
            out.append(Check("postgresql replicas", "WARN", f"{who}, {lag:g}s behind: check the "
                             "replica's disk and network (pg_stat_replication)"))  # fmt: skip
        else:
            out.append(Check("postgresql replicas", "OK", f"{who}, lag {lag or 0:g}s"))
    return out


def check_unit_db_urls(
    s: Settings, found: list[tuple[str, str | None, Path]], unit_dir: Path, *, installed: bool
) -> Check:
    """Every unit's DB_URL is this command's: a unit without one opens SQLite.
    `found`: (unit, its DB_URL or None, its DB_PATH) from doctor.unit_db_paths."""
    name = "units' DB_URL"
    urls = {url for _, url, _ in found}
    listing = ", ".join(
        f"{unit.removesuffix('.service')}={redact(url) if url else path}"
        for unit, url, path in found
    )
    if len(urls) > 1:
        return Check(name, "FAIL", f"the units disagree ({listing}): set DB_URL once, in the "
                     f"env file, and remove it from the units' drop-ins; units in {unit_dir}")  # fmt: skip
    (url,) = urls
    if url != s.db_url:
        said = redact(url) if url else "no DB_URL (SQLite at DB_PATH)"
        return Check(
            name, "FAIL" if installed else "WARN",
            f"the units use {said} but this command uses {redact(s.db_url)}: set DB_URL in "
            "the env file the units read, and run operator commands with the same env file"
            + ("" if installed else f" (units not installed; read from {unit_dir})"),
        )  # fmt: skip
    return Check(name, "OK", f"all {len(found)} units use {redact(s.db_url)} ({unit_dir})")


def _unit_settings(unit: Path) -> dict[str, list[str]]:
    """PrivateNetwork=, IPAddressDeny=, IPAddressAllow= of a unit and its drop-ins (an
    empty assignment resets the list, as systemd does)."""
    keys = ("PrivateNetwork", "IPAddressDeny", "IPAddressAllow")
    out: dict[str, list[str]] = {k: [] for k in keys}
    for f in [unit, *sorted((unit.parent / f"{unit.name}.d").glob("*.conf"))]:
        for raw in f.read_text(encoding="utf-8").splitlines():
            key, sep, value = raw.strip().partition("=")
            if sep and key in out:
                out[key] = out[key] + value.split() if value.strip() else []
    return out


def _allowed(addr: str, allows: list[str]) -> bool:
    import ipaddress

    ip = ipaddress.ip_address(addr)
    for a in allows:
        if a == "any" or (a == "localhost" and ip.is_loopback):
            return True
        if a in ("link-local", "multicast"):
            continue
        try:
            if ip in ipaddress.ip_network(a, strict=False):
                return True
        except ValueError:
            continue
    return False


def db_addresses(url: str) -> list[str] | None:
    """The server's IP addresses; [] for a Unix socket (no host, or a /path); None when
    the name does not resolve here (then nothing can be said)."""
    import ipaddress
    import socket
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname
    if not host or host.startswith("/"):
        return []
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        return sorted({str(i[4][0]) for i in socket.getaddrinfo(host, None)})
    except OSError:
        return None


def check_units_reach_postgresql(s: Settings, unit_dir: Path) -> Check | None:
    """The units' sandbox lets them reach the server: organizer-backup has no network
    (PrivateNetwork=yes), api and asr only loopback (IPAddressAllow=localhost)."""
    addrs = db_addresses(s.db_url)
    if not addrs:
        return None  # a Unix socket passes every sandbox here; an unknown name: no verdict
    blocked = []
    for unit in sorted(unit_dir.glob("organizer-*.service")):
        u = _unit_settings(unit)
        if u["PrivateNetwork"][-1:] == ["yes"]:
            blocked.append(f"{unit.name} (PrivateNetwork=yes)")
        elif "any" in u["IPAddressDeny"] and not all(_allowed(a, u["IPAddressAllow"])
                                                     for a in addrs):  # fmt: skip
            blocked.append(f"{unit.name} (IPAddressAllow={' '.join(u['IPAddressAllow'])})")
    if not blocked:
        return Check("units reach PostgreSQL", "OK", f"no unit's sandbox blocks {addrs[0]}")
    return Check(
        "units reach PostgreSQL", "WARN",
        f"{', '.join(blocked)} cannot reach {', '.join(addrs)}: add a drop-in (`systemctl "
        f"edit UNIT`) with IPAddressAllow={addrs[0]} (organizer-backup: PrivateNetwork=no, "
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 too), or connect over the local "
        "socket (DB_URL=postgresql:///organizer); docs/POSTGRESQL.md",
    )  # fmt: skip
