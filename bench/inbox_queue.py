"""Queue and CLI start-up figures (not a test: prints numbers).

    .venv/bin/python bench/inbox_queue.py [--messages 4000]

- claim→complete cycles per second with 1 and with 4 worker processes on one file;
- wall time of `organizer --help` and `organizer diag queue` (median of several runs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from organizer.db.connect import open_db
from organizer.db.migrate import migrate

CYCLE = """
import sys, time
from organizer.db.connect import open_db
from organizer.db import queue
from organizer.model import utcnow
conn = open_db(sys.argv[1]); name = sys.argv[2]; done = 0; idle = 0
while idle < 20:
    row = queue.claim(conn, name, utcnow(), 60)
    if row is None:
        idle += 1; time.sleep(0.005); continue
    idle = 0
    queue.complete(conn, row.id, name, utcnow()); done += 1
print(done)
"""


def fill(path: Path, n: int) -> None:
    conn = open_db(path, create=True)
    migrate(conn)
    ts = "2000-01-01T00:00:00.000000Z"
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO inbox_queue (chat_id, message_key, kind, payload, next_attempt_at,"
        " created_at, updated_at) VALUES (?, ?, 'text', '{}', ?, ?, ?)",
        ((i, f"k{i}", ts, ts, ts) for i in range(n)),
    )
    conn.execute("COMMIT")
    conn.close()


def cycles(processes: int, n: int) -> float:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "q.db"
        fill(path, n)
        start = time.perf_counter()
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", CYCLE, str(path), f"w{i}"], stdout=subprocess.PIPE, text=True
            )
            for i in range(processes)
        ]
        total = sum(int(p.communicate()[0]) for p in procs)
        elapsed = time.perf_counter() - start
        assert total == n, (total, n)
        # each process idles ~0.1 s at the end before giving up; don't count it
        return n / max(1e-9, elapsed - 0.1)


def wall(cmd: list[str], env: dict[str, str], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=4000)
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, python {sys.version.split()[0]}")
    for p in (1, 4):
        rate = cycles(p, args.messages)
        print(f"claim->complete, {p} process(es), {args.messages} msgs: {rate:,.0f} cycles/s")
    organizer = str(Path(sys.executable).parent / "organizer")
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "o.db"
        fill(path, 1000)
        env = {**os.environ, "DB_PATH": str(path), "ORGANIZER_ENV_FILE": ""}
        print(f"organizer --help: {wall([organizer, '--help'], env):.0f} ms (median of 7)")
        print(
            f"organizer diag queue: {wall([organizer, 'diag', 'queue'], env):.0f} ms (median of 7)"
        )


if __name__ == "__main__":
    main()
