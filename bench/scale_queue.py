"""`bench/scale.py --layer queue`: the inbox queue alone, SQLite against PostgreSQL.

What both stores have today is the queue (organizer.db.queue, organizer.db.pg_queue),
not the whole pipeline, so this measures that layer only: `rows` text rows enqueued up
front over `chats` chats, then N worker PROCESSES (each its own interpreter and
connection) loop claim → handle → complete until the queue is empty. "Handle" is the
same fixed small piece of work on both stores: one parse of the message text
(organizer.parsing.parse, no database). No handler writes, no replies, no outbox: the
figures say how the claim/complete path scales, not how the product does.

Checked after each run, all must be 0: lost (rows not DONE, or never handled), twice
(a row handled more than once, or a complete() that found the row no longer its own),
order (per chat, rows handled out of id order or two of a chat in hand at once).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


sys.path.insert(0, str(ROOT / "src"))

# bench/pipeline.py's mix; bench/ is on the path (scale.py's folder, or the test's import)
from pipeline import TEXTS  # noqa: E402

# One worker process: connect, warm the parser, say "ready", wait for "go", drain.
# Each handled row: [id, chat, before claim, claimed, before complete, completed, ok]
# on time.monotonic(), which on Linux is one clock for all processes.
CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[4])
from organizer.canon import load_canon
from organizer.model import utcnow
from organizer.parsing import parse
store, target, name = sys.argv[1:4]
if store == "sqlite":
    from organizer.db import queue as q
    from organizer.db.connect import open_db
    conn = open_db(target)
else:
    from organizer.db import pg_queue as q
    from organizer.db.pg_connect import open_pg
    conn = open_pg(target)
canon = load_canon()
parse("lunch with Anna tomorrow at 1pm", utcnow(), "UTC", canon)
print("ready", flush=True)
sys.stdin.readline()
done, deadline = [], time.monotonic() + 300
while time.monotonic() < deadline:
    t0 = time.monotonic()
    row = q.claim(conn, name, utcnow(), 60)
    if row is None:
        left = conn.execute(
            "SELECT COUNT(*) FROM inbox_queue WHERE status IN ('NEW', 'CLAIMED')").fetchone()[0]
        if left == 0:
            break
        time.sleep(0.001)
        continue
    t1 = time.monotonic()
    parse(json.loads(row.payload)["text"], utcnow(), "UTC", canon)  # the "handling"
    t2 = time.monotonic()
    ok = q.complete(conn, row.id, name, utcnow())
    done.append([row.id, row.chat_id, t0, t1, t2, time.monotonic(), ok])
print(json.dumps(done), flush=True)
"""


def _payload(i: int) -> dict[str, Any]:
    return {"text": TEXTS[i % len(TEXTS)], "message_id": i, "lang": None}


def fill_sqlite(db: Path, rows: int, chats: int) -> None:
    from organizer.db import queue
    from organizer.db.connect import open_db
    from organizer.db.migrate import migrate
    from organizer.model import utcnow

    conn = open_db(db, create=True)
    migrate(conn)
    now = utcnow()
    for i in range(rows):
        queue.enqueue(conn, message_key=f"scale:{i}", chat_id=1000 + i % chats, kind="text",
                      payload=_payload(i), now=now)  # fmt: skip
    conn.close()


def fill_pg(url: str, rows: int, chats: int) -> None:
    """`url`: an empty, migrated database."""
    from organizer.db import pg_queue
    from organizer.db.pg_connect import open_pg
    from organizer.model import utcnow

    conn = open_pg(url)
    now = utcnow()
    with conn.transaction():  # one commit; each enqueue is a savepoint of it
        for i in range(rows):
            pg_queue.enqueue(conn, message_key=f"scale:{i}", chat_id=1000 + i % chats,
                             kind="text", payload=_payload(i), now=now)  # fmt: skip
    conn.close()


def _not_done(store: str, target: str) -> int:
    sql = "SELECT COUNT(*) FROM inbox_queue WHERE status != 'DONE'"
    if store == "sqlite":
        from organizer.db.connect import open_db

        conn: Any = open_db(Path(target))
    else:
        from organizer.db.pg_connect import open_pg

        conn = open_pg(target)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


def order_violations(done: list[list[Any]]) -> int:
    """Per chat, by claim time: ids must rise and no row may be claimed before the previous
    one's complete() was called. (Claimed-after-return to complete-call is inside the
    row's true hold, so a correct queue never trips this on timing noise.)"""
    by_chat: dict[int, list[list[Any]]] = defaultdict(list)
    for r in done:
        by_chat[r[1]].append(r)
    bad = 0
    for rows in by_chat.values():
        rows.sort(key=lambda r: r[3])
        for prev, cur in pairwise(rows):
            if cur[0] < prev[0] or cur[3] < prev[4]:
                bad += 1
    return bad


def measure(store: str, target: str, workers: int, rows: int) -> dict[str, float]:
    """Run `workers` processes on a filled queue (`target`: SQLite path or PostgreSQL URL)."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, store, target, f"w{i}", str(ROOT / "src")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        for i in range(workers)
    ]  # fmt: skip
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    start = time.monotonic()
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    done = [r for p in procs for r in json.loads(p.communicate(timeout=600)[0])]
    ids = [r[0] for r in done]
    cycle = sorted((r[5] - r[2]) * 1000 for r in done) or [0.0]
    wall = max([r[5] for r in done], default=start) - start
    rate = len(done) / max(1e-9, wall)
    return {
        "handled": len(done), "rate": rate, "per_worker": rate / workers,
        "p50": statistics.median(cycle), "p99": cycle[min(len(cycle) - 1, int(len(cycle) * .99))],
        "lost": max(_not_done(store, target), rows - len(set(ids))),
        "twice": (len(ids) - len(set(ids))) + sum(1 for r in done if not r[6]),
        "order": order_violations(done),
    }  # fmt: skip


HEADER = (
    f"{'store':<11} {'workers':>7} {'msg/s':>7} {'per worker':>10} {'p50 ms':>7} "
    f"{'p99 ms':>7} {'lost':>5} {'twice':>5} {'order':>5}"
)


def line(name: str, n: int, r: dict[str, float]) -> str:
    return (
        f"{name:<11} {n:>7} {r['rate']:>7.0f} {r['per_worker']:>10.0f} {r['p50']:>7.2f} "
        f"{r['p99']:>7.2f} {r['lost']:>5} {r['twice']:>5} {r['order']:>5}"
    )


def run(counts: list[int], rows: int, chats: int, folder: Path) -> int:
    """Both stores, each worker count on a fresh queue; prints one line per run."""
    from pgserver import NoServer, create_database, pg_server

    from organizer.db.pg_connect import open_pg
    from organizer.db.pg_migrate import migrate

    print(HEADER)
    for n in counts:
        db = folder / f"queue-{n}.db"
        fill_sqlite(db, rows, chats)
        print(line("SQLite", n, measure("sqlite", str(db), n, rows)), flush=True)
    try:
        with pg_server() as admin:
            conn = open_pg(create_database(admin, "scale_template"))
            migrate(conn)
            conn.close()
            for n in counts:
                url = create_database(admin, f"scale_{n}", "scale_template")
                fill_pg(url, rows, chats)
                print(line("PostgreSQL", n, measure("postgresql", url, n, rows)), flush=True)
    except NoServer as e:
        print(f"PostgreSQL: could not start a server here: {e}")
        return 1
    return 0
