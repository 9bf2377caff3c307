"""What an operator asks of a PostgreSQL store: schema state, size, connections, replicas.

The SQLite answers (file size, WAL, quick_check) have no meaning on a server; these are
their counterparts, read from the catalogue views any role may read (`pg_stat_activity`,
`pg_stat_replication`, `pg_settings`). Used by `diag db`, `doctor` and `diag report`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from organizer.db.dialect import is_postgres
from organizer.db.migrate import SchemaState

# doctor's thresholds: the share of max_connections in use, the seconds a replica trails.
CONNECTIONS_WARN = 0.8
REPLICA_LAG_WARN_S = 60.0


def schema_state(conn: Any) -> SchemaState:
    """organizer.db.migrate.state on either store (PostgreSQL's migrations are its own)."""
    if is_postgres(conn):
        from organizer.db import pg_migrate

        return pg_migrate.state(conn.raw)
    from organizer.db.migrate import state

    return state(conn)


@dataclass(frozen=True)
class PgFacts:
    database: str
    server_version: str
    size_bytes: int
    connections: int  # sessions on this server now (all databases)
    max_connections: int
    in_recovery: bool  # this server is a standby (a replica)
    replicas: int  # standbys streaming from this server
    replica_lag_s: float | None  # the largest replay lag (or, on a standby, its own)


def facts(conn: Any) -> PgFacts:
    """One round of catalogue reads on the compat connection `conn`."""
    row = conn.execute(
        "SELECT current_database(), current_setting('server_version'),"
        " pg_database_size(current_database()),"
        " (SELECT COUNT(*) FROM pg_stat_activity WHERE backend_type = 'client backend'),"
        " current_setting('max_connections')::int, pg_is_in_recovery()"
    ).fetchone()
    in_recovery = bool(row[5])
    if in_recovery:  # a standby: how far behind its primary's last commit it replays
        lag = conn.execute(
            "SELECT EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp()))"
        ).fetchone()[0]
        replicas = 0
    else:
        rep = conn.execute(
            "SELECT COUNT(*), MAX(EXTRACT(EPOCH FROM replay_lag)) FROM pg_stat_replication"
        ).fetchone()
        replicas, lag = int(rep[0]), rep[1]
    return PgFacts(
        database=str(row[0]), server_version=str(row[1]), size_bytes=int(row[2]),
        connections=int(row[3]), max_connections=int(row[4]), in_recovery=in_recovery,
        replicas=replicas, replica_lag_s=None if lag is None else round(float(lag), 1),
    )  # fmt: skip
