"""`organizer doctor`: every check an operator needs, each OK/WARN/FAIL with the fix."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from organizer.config import Settings, load_settings
from organizer.errors import OrganizerError


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # OK, WARN, FAIL
    detail: str


CheckFn = Callable[[Settings], Check]


def check_env_file(s: Settings) -> Check:
    if s.env_file is None:
        return Check("env file", "OK", "none (environment and defaults only)")
    mode = stat.S_IMODE(os.stat(s.env_file).st_mode)
    if mode & 0o077:
        return Check(
            "env file",
            "FAIL",
            f"{s.env_file} has mode {mode:04o}; it holds secrets: chmod 600 {s.env_file}",
        )
    return Check("env file", "OK", f"{s.env_file} (mode {mode:04o})")


def check_db(s: Settings) -> Check:
    from organizer.db.connect import open_db
    from organizer.db.migrate import state

    try:
        conn = open_db(s.db_path, readonly=True)
        st = state(conn)
    except OrganizerError as e:
        return Check("database", "FAIL", f"{e.message}; {e.hint or ''}".strip("; "))
    if st.version == 0 or st.pending:
        return Check(
            "database",
            "FAIL",
            f"{s.db_path} schema {st.version} < {st.latest}: run `organizer migrate`",
        )
    return Check("database", "OK", f"{s.db_path} schema {st.version}, instance {st.instance_id}")


def check_canon(s: Settings) -> Check:
    try:
        from organizer.canon import load_canon
    except ImportError:
        return Check("canon", "WARN", "parser not installed yet")
    try:
        load_canon(s.canon_path)
    except OrganizerError as e:
        return Check("canon", "FAIL", e.message)
    return Check("canon", "OK", str(s.canon_path or "bundled canon/intents_v2.yml"))


CHECKS: list[CheckFn] = [check_env_file, check_db, check_canon]


def run_checks(env_file: Path | None = None, environ: dict[str, str] | None = None) -> list[Check]:
    try:
        settings = load_settings(environ, env_file)
    except OrganizerError as e:
        return [Check("configuration", "FAIL", f"{e.message}. {e.hint or ''}".strip())]
    results = [Check("configuration", "OK", "all rules pass")]
    for fn in CHECKS:
        try:
            results.append(fn(settings))
        except Exception as e:  # a broken check must not hide the others
            results.append(
                Check(fn.__name__.removeprefix("check_"), "FAIL", f"{type(e).__name__}: {e}")
            )
    return results
