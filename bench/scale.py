"""Workers side by side: messages/s and p99 for 1, 2 and 4 workers, on SQLite and PostgreSQL.

    .venv/bin/python bench/scale.py [--messages 2000] [--chats 200] [--workers 1,2,4]
                                    [--db-url sqlite|sqlite:///dir|postgresql|postgresql://…]
    .venv/bin/python bench/scale.py --layer queue [--messages 5000] [--chats 100]

`--layer queue` measures the inbox queue alone (bench/scale_queue.py says what and how);
the rest of this text is the default `--layer pipeline`: the whole product.

For each store and worker count: a fresh database, `--messages` text messages
(bench/pipeline.py's mix) enqueued up front over `--chats` chats, then that many worker
PROCESSES (each a real `Worker` with the real handlers, CALENDAR_BACKEND=none, in its
own interpreter, with its own connection) start together and drain the backlog. Printed
per run:

- msg/s: all messages over the wall time from "go" to the last message DONE;
- per worker: that figure divided by the worker count;
- p50 / p99: one message's time inside its worker, claim to DONE (a backlog's queueing
  time is left out: it only says how long the backlog was);
- lost: rows not DONE, or never handled; twice: rows with other than one reply, or
  handled more than once; order: a chat's rows handled out of id order, or one claimed
  before the previous one of its chat was marked DONE. All three must be 0.

Stores (`--db-url`, repeatable; default both `sqlite` and `postgresql`):
`sqlite` a temporary file (`sqlite:///dir`: in that folder); `postgresql` a server the
bench starts itself in a temporary folder (bench/pgserver.py: fsync on,
synchronous_commit off, the durability of SQLite's WAL + synchronous=NORMAL);
`postgresql://user@host/db` an existing server where that user may CREATE DATABASE
(the bench makes, migrates and drops `organizer_scale_*` databases there).
Figures on a shared machine are noisy: say the load beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale_queue  # noqa: E402  (first: it puts the standard `queue` back for psycopg)
from scale_queue import fill_pg, fill_sqlite, order_violations  # noqa: E402

# One worker process: set up, warm up, say "ready", wait for "go", drain, print figures.
# Per handled row: [id, chat, handle start, handle start, DONE about to be written, end,
# True] on time.monotonic() (one clock for all processes on Linux), the shape
# scale_queue.order_violations reads.
CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[4])
from organizer.config import load_settings
from organizer.db import queue
from organizer.db.store import open_store
from organizer.handlers import build_plugins
from organizer.model import utcnow
from organizer.parsing import parse
from organizer.worker import Worker
url, spool_db, name = sys.argv[1:4]
env = {"DB_PATH": spool_db, "CALENDAR_BACKEND": "none", "ORGANIZER_ENV_FILE": ""}
if url.startswith("postgresql"):
    env["DB_URL"] = url  # DB_PATH only places the spool folder
else:
    env["DB_PATH"] = url[len("sqlite://"):]
settings = load_settings(env)
conn = open_store(settings)
worker = Worker(settings, conn, build_plugins(settings, conn), worker_id=name)
parse("lunch with Anna tomorrow at 1pm", utcnow(), "UTC")  # load the parser's tables
marks = {}
def marking(fn):
    def wrapped(c, row_id, *a, **k):
        marks.setdefault(row_id, time.monotonic())
        return fn(c, row_id, *a, **k)
    return wrapped
queue.complete_in = marking(queue.complete_in)  # the handler's own last transaction
queue.complete = marking(queue.complete)  # or the worker's complete after it
rows, plain = [], worker.handle
def handle(row, now):
    t = time.monotonic()
    plain(row, now)
    rows.append([row.id, row.chat_id, t, t, marks.pop(row.id, t), time.monotonic(), True])
worker.handle = handle
print("ready", flush=True)
sys.stdin.readline()
cpu = time.process_time()
# Stop when the queue is empty, or nothing was handled for STALL_S (rows failing and
# waiting out their back-off: the checks then count them lost).
times, idle, last = [], 0, time.monotonic()
while idle < 3 and time.monotonic() - last < float(sys.argv[5]):
    t = time.perf_counter()
    if worker.step(utcnow()):
        times.append(time.perf_counter() - t); idle = 0; last = time.monotonic()
        continue
    left = conn.execute(
        "SELECT COUNT(*) FROM inbox_queue WHERE status IN ('NEW', 'CLAIMED')").fetchone()[0]
    idle = idle + 1 if left == 0 else 0
    time.sleep(0.001)
print(json.dumps({"times": times, "rows": rows, "cpu": time.process_time() - cpu}), flush=True)
"""

STALL_S = 10.0  # a worker gives up after this long without handling a message

HEADER = scale_queue.HEADER + f" {'cpu ms/msg: workers':>19} {'server':>6}"


def line(name: str, n: int, r: dict[str, float]) -> str:
    server = f"{r['server_cpu']:>6.2f}" if r["server_cpu"] >= 0 else f"{'-':>6}"
    return scale_queue.line(name, n, r) + f" {r['cpu']:>19.2f} {server}"


def first_error(folder: Path) -> str:
    """The first exception line of the workers' log (emptied for the next run)."""
    log = folder / "workers.log"
    text = log.read_text(errors="replace") if log.exists() else ""
    log.write_text("")
    for line in text.splitlines():
        if re.match(r"^[\w.]+(Error|Exception|Warning)\b", line):
            return line[:300]
    return "none logged"


def _open(url: str) -> Any:
    """A sqlite3-shaped connection to either store (for the checks)."""
    if url.startswith("postgresql"):
        from organizer.db.pg_compat import CompatConnection
        from organizer.db.pg_connect import open_pg

        return CompatConnection(open_pg(url))
    from organizer.db.connect import open_db

    return open_db(Path(url[len("sqlite://"):]))


def check(url: str) -> tuple[int, int]:
    """(rows not DONE, rows whose reply count is not exactly one)."""
    conn = _open(url)
    try:
        lost = conn.execute("SELECT COUNT(*) FROM inbox_queue WHERE status != 'DONE'").fetchone()
        twice = conn.execute(
            "SELECT COUNT(*) FROM inbox_queue q WHERE (SELECT COUNT(*) FROM outbox o"
            " WHERE o.inbox_id = q.id AND o.kind = 'send') != 1"
        ).fetchone()
        return int(lost[0]), int(twice[0])
    finally:
        conn.close()


def _spawn(url: str, spool_db: Path, workers: int) -> list[subprocess.Popen[str]]:
    # Their logs go to one file beside the spool.
    log = (spool_db.parent / "workers.log").open("a")
    return [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, url, str(spool_db), f"w{i}", str(ROOT / "src"),
             str(STALL_S)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, cwd=ROOT,
        )
        for i in range(workers)
    ]  # fmt: skip


def server_cpu(url: str) -> float | None:
    """CPU seconds the PostgreSQL server behind `url` has used so far, when it runs on this
    machine: the postmaster and its processes, with the backends that have exited (reaped
    children count in the postmaster's cutime/cstime). None for SQLite or a remote server."""
    if not url.startswith("postgresql"):
        return None
    conn = _open(url)
    try:  # read while this backend lives: its parent is the postmaster
        pid = int(conn.execute("SELECT pg_backend_pid()").fetchone()[0])
        postmaster = int(_stat(pid)[1])
        ticks = sum(int(x) for x in _stat(postmaster)[11:15])
        for child in Path("/proc").iterdir():
            if child.name.isdigit() and child.name != str(pid):
                f = _stat(int(child.name))
                if f and int(f[1]) == postmaster:
                    ticks += int(f[11]) + int(f[12])
    except (OSError, ValueError, IndexError):
        return None
    finally:
        conn.close()
    return ticks / os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    """/proc/PID/stat from the field after the command name (state, ppid, …); [] if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return text.rsplit(")", 1)[1].split()


def measure(url: str, spool_db: Path, workers: int, messages: int) -> dict[str, float]:
    """Run `workers` worker processes on a filled store (`url`: sqlite:///… or postgresql://…)."""
    server_before = server_cpu(url)
    procs = _spawn(url, spool_db, workers)
    try:
        for p in procs:
            assert p.stdout is not None
            if p.stdout.readline().strip() != "ready":
                raise RuntimeError(f"a worker process did not start (exit {p.wait()})")
        start = time.monotonic()
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        results = [json.loads(p.communicate(timeout=900)[0]) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    rows = [r for res in results for r in res["rows"]]
    times = sorted(t * 1000 for res in results for t in res["times"]) or [0.0]
    wall = max([r[5] for r in rows], default=start) - start
    rate = len(rows) / max(1e-9, wall)
    ids = [r[0] for r in rows]
    lost, twice = check(url)
    server_after = server_cpu(url)
    server = None if server_before is None or server_after is None else server_after - server_before
    return {
        "cpu": 1000 * sum(res["cpu"] for res in results) / max(1, len(rows)),
        "server_cpu": -1.0 if server is None else 1000 * server / max(1, len(rows)),
        "handled": len(rows), "rate": rate, "per_worker": rate / workers,
        "p50": statistics.median(times), "p99": times[min(len(times) - 1, int(len(times) * .99))],
        "lost": max(lost, messages - len(set(ids))), "twice": twice + len(ids) - len(set(ids)),
        "order": order_violations(rows),
    }  # fmt: skip


@contextmanager
def sqlite_dbs(folder: str | None, messages: int, chats: int) -> Iterator[Callable[[int], str]]:
    """Yields make(n) -> the URL of a fresh, filled SQLite file."""
    with tempfile.TemporaryDirectory(dir=folder) as tmp:

        def make(n: int) -> str:
            db = Path(tmp) / f"scale-{n}.db"
            fill_sqlite(db, messages, chats)
            return f"sqlite://{db}"

        yield make


@contextmanager
def pg_dbs(admin: str | None, messages: int, chats: int) -> Iterator[Callable[[int], str]]:
    """Yields make(n) -> the URL of a fresh, migrated, filled PostgreSQL database: on a
    server started here (`admin` None) or on the server `admin` names (dropped after)."""
    from pgserver import create_database, pg_server

    from organizer.db.pg_connect import open_pg
    from organizer.db.pg_migrate import migrate

    tag = uuid.uuid4().hex[:8]
    made: list[str] = []
    with ExitStack() as stack:
        if admin is None:
            admin = stack.enter_context(pg_server())
        else:
            stack.callback(_drop_all, admin, made)
        template = create_database(admin, f"organizer_scale_{tag}")
        made.append(template.rsplit("/", 1)[1])
        conn = open_pg(template)
        migrate(conn)
        conn.close()

        def make(n: int) -> str:
            url = create_database(admin, f"organizer_scale_{tag}_{n}", made[0])
            made.append(url.rsplit("/", 1)[1])
            fill_pg(url, messages, chats)
            return url

        yield make


def _drop_all(admin: str, names: list[str]) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as c:
        for name in reversed(names):
            c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _stores(urls: list[str]) -> list[tuple[str, str | None]] | str:
    """(store name, where) per --db-url, or the one-line complaint about a bad one."""
    out: list[tuple[str, str | None]] = []
    for url in urls:
        if url == "sqlite" or url.startswith("sqlite:///"):
            out.append(("SQLite", url[len("sqlite://"):] or None))
        elif url in ("postgresql", "postgres"):
            out.append(("PostgreSQL", None))
        elif url.startswith(("postgresql://", "postgres://")):
            out.append(("PostgreSQL", "postgresql://" + url.split("://", 1)[1]))
        else:
            return f"--db-url {url!r}: use sqlite, sqlite:///dir, postgresql or postgresql://…"
    return out


def pipeline_layer(args: argparse.Namespace, counts: list[int], load: str) -> int:
    stores = _stores(args.db_url or ["sqlite", "postgresql"])
    if isinstance(stores, str):
        print(stores)
        return 2
    print(f"scale bench: {args.messages} text messages over {args.chats} chats, "
          f"CALENDAR_BACKEND=none, {os.cpu_count()} CPUs, load average {load}")
    print(HEADER, flush=True)
    bad = 0
    with tempfile.TemporaryDirectory() as spool_dir:
        spool_db = Path(spool_dir) / "spool.db"  # DB_PATH only places the spool folder
        for name, where in stores:
            dbs = sqlite_dbs if name == "SQLite" else pg_dbs
            try:
                with dbs(where, args.messages, args.chats) as make:
                    for n in counts:
                        r = measure(make(n), spool_db, n, args.messages)
                        print(line(name, n, r), flush=True)
                        if r["lost"] or r["twice"] or r["order"]:
                            bad += 1
                            print(f"  first worker error: {first_error(spool_db.parent)}")
            except Exception as e:  # one store failing still lets the other report
                print(f"{name}: could not run: {type(e).__name__}: {e}")
                bad += 1
    return 1 if bad else 0


def queue_layer(args: argparse.Namespace, counts: list[int], load: str) -> int:
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
                    help="pipeline: the real Worker; queue: the queue alone")
    ap.add_argument("--messages", type=int, default=None,
                    help="default 2000 (pipeline), 5000 (queue)")
    ap.add_argument("--chats", type=int, default=None, help="default 200 (pipeline), 100 (queue)")
    ap.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    ap.add_argument("--db-url", action="append", default=None,
                    help="sqlite | sqlite:///dir | postgresql | postgresql://… (repeatable; "
                    "default: sqlite and postgresql)")
    args = ap.parse_args()
    counts = [int(x) for x in args.workers.split(",") if x.strip()]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    if args.layer == "queue":
        return queue_layer(args, counts, load)
    args.messages = args.messages or 2000
    args.chats = args.chats or 200
    return pipeline_layer(args, counts, load)


if __name__ == "__main__":
    raise SystemExit(main())
