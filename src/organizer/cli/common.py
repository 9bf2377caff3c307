"""Helpers every command module shares: settings from the context, DB opening."""

from __future__ import annotations

import logging
import sqlite3

import typer

from organizer.config import Settings, env_file_warnings, load_settings
from organizer.db.pg_compat import CompatConnection
from organizer.db.store import open_store, require_tables
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
    """A read-only connection to DB_URL's store for the diag views (written for both);
    an empty or never-migrated store is one line."""
    conn = open_store(settings, readonly=True)
    try:
        require_tables(conn, settings)
    except BaseException:
        conn.close()
        raise
    return conn
