"""Helpers every command module shares: settings from the context, DB opening."""

from __future__ import annotations

import logging
import sqlite3

import typer

from organizer.config import Settings, env_file_warnings, load_settings
from organizer.db.connect import open_db, require_schema
from organizer.db.pg_compat import CompatConnection
from organizer.dburl import redact
from organizer.errors import DatabaseError
from organizer.logs import setup_logging


def settings_from(ctx: typer.Context) -> Settings:
    """The settings (the env file named by the root's --env-file, then the environment)."""
    obj = ctx.find_root().obj or {}
    return load_settings(env_file=obj.get("env_file"))


def setup_service_logging(settings: Settings) -> None:
    setup_logging(
        settings.log_level,
        secrets=(settings.telegram_bot_token, settings.api_token, settings.caldav_password),
    )
    if settings.env_file is not None:
        for warning in env_file_warnings(settings.env_file):
            logging.getLogger("organizer.config").warning("env file: %s", warning)


def open_diag(settings: Settings) -> sqlite3.Connection | CompatConnection:
    """A read-only connection for the diag views written for both stores."""
    if settings.store == "sqlite":
        return open_readonly(settings)
    from organizer.db.pg_connect import has_table, open_pg

    conn = open_pg(settings.db_url)
    conn.execute("SET default_transaction_read_only = on")
    if not has_table(conn, "inbox_queue"):
        conn.close()
        raise DatabaseError(
            f"{redact(settings.db_url)} has no organizer tables (empty or never migrated)",
            "run `organizer migrate` with this DB_URL, or fix DB_URL",
        )
    return CompatConnection(conn)


def open_readonly(settings: Settings) -> sqlite3.Connection:
    conn = open_db(settings.db_path, readonly=True)
    require_schema(conn, settings.db_path)
    return conn
