"""Shared fixtures: a migrated SQLite file per test, settings, waiting, local servers.

Every module in tests/fixtures/ is loaded as a plugin, so each area keeps its own
fixtures in its own file.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from organizer.config import Settings, load_settings
from organizer.db.connect import open_db
from organizer.db.migrate import migrate

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
sys.path.insert(0, str(TESTS))

pytest_plugins = sorted(
    f"fixtures.{p.stem}" for p in (TESTS / "fixtures").glob("*.py") if p.stem != "__init__"
)

BIN = Path(sys.executable).parent
ORGANIZER = str(BIN / "organizer")


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "organizer.db"
    conn = open_db(path, create=True)
    migrate(conn)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


@pytest.fixture
def db_path(template_db: Path, tmp_path: Path) -> Path:
    """A fresh copy of a migrated database (each test gets its own instance id)."""
    path = tmp_path / "organizer.db"
    shutil.copy(template_db, path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = lower(hex(randomblob(16))) WHERE key = 'instance_id'")
    conn.commit()
    conn.close()
    return path


STORES = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked `stores` (or in a module marked so) runs once per store."""
    if "store" in metafunc.fixturenames and metafunc.definition.get_closest_marker("stores"):
        metafunc.parametrize("store", STORES, indirect=True)


@pytest.fixture
def store(request: pytest.FixtureRequest) -> str:
    """'sqlite' (the default) or 'postgresql'. ORGANIZER_TEST_STORE=postgresql runs the
    tests that are not marked `stores` on PostgreSQL too, to see how far a part is ported."""
    return str(getattr(request, "param", os.environ.get("ORGANIZER_TEST_STORE", "sqlite")))


@pytest.fixture
def db_url(store: str, db_path: Path, request: pytest.FixtureRequest) -> str:
    """DB_URL of this test's fresh migrated store: the SQLite copy, or a PostgreSQL database."""
    if store == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return f"sqlite://{db_path}"


@pytest.fixture
def conn(db_url: str, db_path: Path) -> Iterator[sqlite3.Connection]:
    if db_url.startswith("postgresql"):
        from organizer.db.pg_compat import CompatConnection
        from organizer.db.pg_connect import open_pg

        c: sqlite3.Connection = CompatConnection(open_pg(db_url))  # type: ignore[assignment]
    else:
        c = open_db(db_path)
    yield c
    c.close()


def make_env(db_path: Path, db_url: str | None = None, **extra: str) -> dict[str, str]:
    """A clean environment for a subprocess: only our variables, plus PATH/HOME.
    With a postgresql `db_url`, DB_URL names the store (DB_PATH still places the spool)."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    env.update({"DB_PATH": str(db_path), "ORGANIZER_ENV_FILE": "", "PYTHONUNBUFFERED": "1"})
    if db_url and db_url.startswith("postgresql"):
        env["DB_URL"] = db_url
    env.update(extra)
    return env


@pytest.fixture
def env(db_path: Path, db_url: str) -> dict[str, str]:
    return make_env(db_path, db_url)


@pytest.fixture
def settings(db_path: Path, db_url: str) -> Settings:
    if db_url.startswith("postgresql"):
        return load_settings({"DB_PATH": str(db_path), "DB_URL": db_url})
    return load_settings({"DB_PATH": str(db_path)})


def wait_until(pred: Callable[[], object], timeout: float = 5.0, interval: float = 0.02) -> object:
    """Poll `pred` until truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


@pytest.fixture(name="wait_until")
def wait_until_fixture() -> Callable[..., object]:
    return wait_until


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(name="free_port")
def free_port_fixture() -> Callable[[], int]:
    return free_port


class ServedApp:
    def __init__(self, url: str, server: object, thread: threading.Thread) -> None:
        self.url, self.server, self.thread = url, server, thread


@pytest.fixture
def serve_app() -> Iterator[Callable[[object], ServedApp]]:
    """Run an ASGI app under uvicorn on 127.0.0.1 in a thread; stopped after the test."""
    import uvicorn

    started: list[ServedApp] = []

    def serve(app: object) -> ServedApp:
        port = free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        wait_until(lambda: server.started, timeout=10)
        served = ServedApp(f"http://127.0.0.1:{port}", server, thread)
        started.append(served)
        return served

    yield serve
    for s in started:
        s.server.should_exit = True  # type: ignore[attr-defined]
        s.thread.join(timeout=5)
