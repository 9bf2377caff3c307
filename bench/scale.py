"""Workers side by side: messages/s and p99 for 1, 2 and 4 worker processes on one store.

    .venv/bin/python bench/scale.py [--messages 2000] [--chats 200] [--workers 1,2,4]
                                    [--db-url sqlite] [--db-url postgresql://…]
    .venv/bin/python bench/scale.py --layer queue [--messages 5000] [--chats 100]

`--layer queue` measures the inbox queue alone on both stores, SQLite and a PostgreSQL
server it starts itself in a temporary folder (bench/scale_queue.py says what and how);
the rest of this text is the default `--layer pipeline`.

For each worker count: a fresh database, `--messages` text messages (bench/pipeline.py's
mix) enqueued up front over `--chats` chats, then that many worker PROCESSES (each a
real `Worker` with the real handlers, CALENDAR_BACKEND=none, in its own interpreter)
start together and drain the backlog. Printed per run:

- messages/s: all messages over the wall time from "go" to the last worker idle;
- per worker: that figure divided by the worker count;
- p99 (and p50): one message's handling time inside its worker, claim to DONE (a
  backlog's queueing time is left out: it only says how long the backlog was);
- lost / twice: rows not DONE, and rows with other than one reply (both must be 0).

`--db-url` picks the store (repeatable): `sqlite` (a temporary file, the default) or
`sqlite:///path/to/dir`; `postgresql://…` is for the PostgreSQL store of issue 19,
which this build does not have yet: the bench says so and goes on with the rest.
Figures on a shared 2-core machine are noisy: say the load beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline import TEXTS  # noqa: E402  (bench/pipeline.py: the same mix)

from organizer.db import queue  # noqa: E402
from organizer.db.connect import open_db  # noqa: E402
from organizer.db.migrate import migrate  # noqa: E402
from organizer.model import utcnow  # noqa: E402

NO_PG = "PostgreSQL: not available in this build (issue 19's PostgreSQL store is not built yet)"

# One worker process: set up, say "ready", wait for "go", drain, print its figures.
CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[3])
from organizer.config import load_settings
from organizer.db.connect import open_db
from organizer.handlers import build_plugins
from organizer.model import utcnow
from organizer.worker import Worker
db, name = sys.argv[1], sys.argv[2]
settings = load_settings({"DB_PATH": db, "CALENDAR_BACKEND": "none", "ORGANIZER_ENV_FILE": ""})
conn = open_db(settings.db_path)
worker = Worker(settings, conn, build_plugins(settings, conn), worker_id=name)
print("ready", flush=True)
sys.stdin.readline()
times, idle, deadline = [], 0, time.monotonic() + 300
while idle < 3 and time.monotonic() < deadline:
    t = time.perf_counter()
    if worker.step(utcnow()):
        times.append(time.perf_counter() - t); idle = 0
        continue
    left = conn.execute(
        "SELECT COUNT(*) FROM inbox_queue WHERE status IN ('NEW', 'CLAIMED')").fetchone()[0]
    idle = idle + 1 if left == 0 else 0
    time.sleep(0.001)
print(json.dumps({"times": times, "end": time.time()}), flush=True)
"""


def fill(db: Path, messages: int, chats: int) -> None:
    conn = open_db(db, create=True)
    migrate(conn)
    now = utcnow()
    for i in range(messages):
        queue.enqueue(conn, message_key=f"scale:{i}", chat_id=1000 + i % chats, kind="text",
                      payload={"text": TEXTS[i % len(TEXTS)], "message_id": i, "lang": None},
                      now=now)  # fmt: skip
    conn.close()


def check(db: Path) -> tuple[int, int]:
    """(rows not DONE, rows whose reply count is not exactly one)."""
    conn = open_db(db)
    try:
        lost = conn.execute("SELECT COUNT(*) FROM inbox_queue WHERE status != 'DONE'").fetchone()
        twice = conn.execute(
            "SELECT COUNT(*) FROM inbox_queue q WHERE (SELECT COUNT(*) FROM outbox o"
            " WHERE o.inbox_id = q.id AND o.kind = 'send') != 1"
        ).fetchone()
        return int(lost[0]), int(twice[0])
    finally:
        conn.close()


def run_sqlite(folder: Path, workers: int, messages: int, chats: int) -> dict[str, float]:
    db = folder / f"scale-{workers}.db"
    fill(db, messages, chats)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(db), f"w{i}", str(ROOT / "src")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(workers)
    ]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    start = time.time()
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    results = [json.loads(p.communicate(timeout=600)[0]) for p in procs]
    end = max(r["end"] for r in results)
    times = sorted(t * 1000 for r in results for t in r["times"])
    lost, twice = check(db)
    rate = len(times) / max(1e-9, end - start)
    return {
        "handled": len(times), "rate": rate, "per_worker": rate / workers,
        "p50": statistics.median(times), "p99": times[min(len(times) - 1, int(len(times) * .99))],
        "lost": lost, "twice": twice,
    }  # fmt: skip


def queue_layer(args: argparse.Namespace, counts: list[int], load: str) -> int:
    import scale_queue

    if args.db_url:
        print("--layer queue runs both stores itself (a temporary SQLite file and a "
              "PostgreSQL server in a temporary folder): drop --db-url")
        return 2
    rows, chats = args.messages or 5000, args.chats or 100
    print(f"scale bench, QUEUE LAYER ONLY (claim → parse the text → complete; no handlers, "
          f"no replies): {rows} rows over {chats} chats, {os.cpu_count()} CPUs, "
          f"load average {load}")
    with tempfile.TemporaryDirectory() as tmp:
        return scale_queue.run(counts, rows, chats, Path(tmp))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layer", choices=["pipeline", "queue"], default="pipeline",
                    help="pipeline: the real Worker, SQLite only; queue: the queue alone, "
                    "SQLite and PostgreSQL")
    ap.add_argument("--messages", type=int, default=None,
                    help="default 2000 (pipeline), 5000 (queue)")
    ap.add_argument("--chats", type=int, default=None, help="default 200 (pipeline), 100 (queue)")
    ap.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    ap.add_argument("--db-url", action="append", default=None,
                    help="sqlite | sqlite:///dir | postgresql://… (repeatable)")
    args = ap.parse_args()
    counts = [int(x) for x in args.workers.split(",") if x.strip()]
    urls = args.db_url or ["sqlite"]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    if args.layer == "queue":
        return queue_layer(args, counts, load)
    args.messages = args.messages or 2000
    args.chats = args.chats or 200
    print(f"scale bench: {args.messages} text messages over {args.chats} chats, "
          f"CALENDAR_BACKEND=none, {os.cpu_count()} CPUs, load average {load}")
    print(f"{'store':<10} {'workers':>7} {'msg/s':>7} {'per worker':>10} {'p50 ms':>7} "
          f"{'p99 ms':>7} {'lost':>5} {'twice':>5}")
    for url in urls:
        if url.startswith(("postgres://", "postgresql://")):
            print(NO_PG)
            continue
        if url != "sqlite" and not url.startswith("sqlite:///"):
            print(f"--db-url {url!r}: use sqlite, sqlite:///dir or postgresql://…")
            return 2
        with tempfile.TemporaryDirectory(dir=url[len("sqlite://"):] or None) as tmp:
            for n in counts:
                r = run_sqlite(Path(tmp), n, args.messages, args.chats)
                print(f"{'SQLite':<10} {n:>7} {r['rate']:>7.0f} {r['per_worker']:>10.0f} "
                      f"{r['p50']:>7.2f} {r['p99']:>7.2f} {r['lost']:>5} {r['twice']:>5}")
    if not any(u.startswith(("postgres://", "postgresql://")) for u in urls):
        print(NO_PG)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
