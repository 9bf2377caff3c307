"""bench/scale.py runs end to end on both stores, on tiny backlogs.

--layer queue: 200 rows in 20 chats, 2 worker processes each claiming, parsing and
completing: every row DONE exactly once, per-chat order kept. The default pipeline
layer: 40 text messages in 8 chats, 2 real Worker processes: every message DONE with
one reply, nothing twice, per-chat order kept. The PostgreSQL runs use the tests'
server (tests/fixtures/postgres.py); the bench's own server start is the same code.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
ROWS, CHATS, WORKERS = 200, 20, 2


@pytest.fixture(scope="module")
def sq() -> ModuleType:
    # bench/ only for this import: its module names (queue, parse, bot …) are common words.
    sys.path.insert(0, str(BENCH))
    try:
        return importlib.import_module("scale_queue")
    finally:
        sys.path.remove(str(BENCH))


@pytest.fixture(scope="module")
def sc() -> ModuleType:
    # scale.py puts bench/ and src/ on the path when imported: take them off again.
    saved = sys.path[:]
    try:
        return _load_scale()
    finally:
        sys.path[:] = saved


def _load_scale() -> ModuleType:
    spec = importlib.util.spec_from_file_location("scale", BENCH / "scale.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _assert_clean(r: dict[str, float]) -> None:
    assert (r["handled"], r["lost"], r["twice"], r["order"]) == (ROWS, 0, 0, 0), r
    assert r["rate"] > 0 and 0 < r["p50"] <= r["p99"]


def test_queue_layer_on_sqlite(sq: ModuleType, tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    sq.fill_sqlite(db, ROWS, CHATS)
    _assert_clean(sq.measure("sqlite", str(db), WORKERS, ROWS))


def test_queue_layer_on_postgresql(sq: ModuleType, pg_url: str) -> None:
    sq.fill_pg(pg_url, ROWS, CHATS)  # a fresh migrated database
    _assert_clean(sq.measure("postgresql", pg_url, WORKERS, ROWS))


def test_the_order_check_sees_a_violation(sq: ModuleType) -> None:
    # [id, chat, before claim, claimed, before complete, completed, ok]
    fine = [[1, 7, 0.0, 1.0, 2.0, 2.1, True], [2, 7, 2.0, 3.0, 4.0, 4.1, True]]
    overlap = [[1, 7, 0.0, 1.0, 2.0, 2.1, True], [2, 7, 1.0, 1.5, 4.0, 4.1, True]]
    reordered = [[2, 7, 0.0, 1.0, 2.0, 2.1, True], [1, 7, 2.0, 3.0, 4.0, 4.1, True]]
    assert sq.order_violations(fine) == 0
    assert sq.order_violations(overlap) == 1
    assert sq.order_violations(reordered) == 1


MESSAGES, MCHATS = 40, 8


@pytest.mark.stores
def test_pipeline_layer(sc: ModuleType, store: str, tmp_path: Path, db_url: str) -> None:
    if store == "postgresql":
        sc.fill_pg(db_url, MESSAGES, MCHATS)  # a fresh migrated database
        url = db_url
    else:
        db = tmp_path / "p.db"
        sc.fill_sqlite(db, MESSAGES, MCHATS)
        url = f"sqlite://{db}"
    r = sc.measure(url, tmp_path / "spool.db", WORKERS, MESSAGES)
    assert (r["handled"], r["lost"], r["twice"], r["order"]) == (MESSAGES, 0, 0, 0), r
    assert r["rate"] > 0 and 0 < r["p50"] <= r["p99"] and r["cpu"] > 0
    # The server's CPU is read from /proc when it runs here (the tests' server does).
    assert (r["server_cpu"] > 0) if store == "postgresql" else (r["server_cpu"] == -1.0)
