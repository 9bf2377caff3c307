"""Where one worker's time goes on text messages: cProfile of `Worker.step`.

    .venv/bin/python bench/hotspots.py [--messages 1500] [--chats 50] [--sort tottime] [--top 40]
                                       [--postgresql]

The text mix and setup of bench/pipeline.py (one Worker with the real handlers,
CALENDAR_BACKEND=none, a temporary SQLite file in WAL mode, the checkpoint thread as
`organizer worker` runs it; with --postgresql, a database on a PostgreSQL server
started for the run, as bench/scale.py does): a backlog is drained under the profiler and the heaviest
functions printed. The profiler slows Python code several times and C code (SQLite) not
at all, so read the shares as a map of where to look, and time any change with
bench/pipeline.py's `cpu:` line, alternating the branches compared.
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import pstats
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline import TEXTS  # noqa: E402  (bench/pipeline.py: the same mix)

from organizer.config import load_settings  # noqa: E402
from organizer.db import queue  # noqa: E402
from organizer.db.checkpoints import Checkpointer  # noqa: E402
from organizer.db.connect import open_db  # noqa: E402
from organizer.db.migrate import migrate  # noqa: E402
from organizer.handlers import build_plugins  # noqa: E402
from organizer.model import utcnow  # noqa: E402
from organizer.worker import Worker  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=1500)
    ap.add_argument("--chats", type=int, default=50)
    ap.add_argument("--sort", default="tottime", help="pstats order: tottime, cumtime, …")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--postgresql", action="store_true",
                    help="profile the worker on a PostgreSQL server started for the run")
    args = ap.parse_args()
    with ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        db = Path(tmp) / "hotspots.db"
        env = {"DB_PATH": str(db), "CALENDAR_BACKEND": "none", "ORGANIZER_ENV_FILE": ""}
        if args.postgresql:
            from pgserver import create_database, pg_server

            from organizer.db import pg_migrate
            from organizer.db.pg_compat import CompatConnection
            from organizer.db.pg_connect import open_pg

            env["DB_URL"] = create_database(stack.enter_context(pg_server()), "hotspots")
            conn = CompatConnection(open_pg(env["DB_URL"]))
            pg_migrate.migrate(conn.raw)
        else:
            conn = open_db(db, create=True)
            migrate(conn)
        return _profile(args, conn, load_settings(env))


def _profile(args: argparse.Namespace, conn: Any, settings: Any) -> int:
    profile = cProfile.Profile()
    worker = Worker(settings, conn, build_plugins(settings, conn), worker_id="hotspots",
                    prefetch=True)  # as `organizer worker` runs
    checkpoints = Checkpointer.start(conn)
    texts = itertools.cycle(TEXTS)
    for i in range(args.messages + len(TEXTS)):
        queue.enqueue(conn, message_key=f"hot:{i}", chat_id=100 + i % args.chats,
                      kind="text", payload={"text": next(texts), "message_id": 1,
                                            "lang": None}, now=utcnow())  # fmt: skip
    for _ in range(len(TEXTS)):  # warm-up: imports, caches, timers' first runs
        worker.step(utcnow())
    cpu0 = time.process_time()
    handled = 0
    profile.enable()
    while handled < args.messages and worker.step(utcnow()):
        handled += 1
    profile.disable()
    cpu = time.process_time() - cpu0
    if checkpoints is not None:
        checkpoints.close()
    conn.close()
    print(f"{handled} text messages, {cpu / max(handled, 1) * 1000:.2f} ms CPU each "
          f"under the profiler (slower than without it)")
    pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
