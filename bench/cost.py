"""What one text message costs the worker: SQL statements, transactions, parser runs.

    .venv/bin/python bench/cost.py [--messages 800] [--chats 50] [--show]

The same mix of texts as bench/pipeline.py, drained by one Worker (real handlers,
CALENDAR_BACKEND=none) from a backlog on a temporary SQLite file. Counted over the
drain (the worker's own connection, by sqlite3's trace callback; the parser by
wrapping `organizer.parsing.api.analyse`, the parser's real work), divided by the messages handled:

- statements: every statement the worker's connection ran (BEGIN/COMMIT included);
- transactions: BEGINs;
- parser runs, and how many of them re-parsed a (text, now, zone) already parsed for
  the same message (a cache would have answered them).

`--show` prints the statements of one message of each text, to see where they go.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline import TEXTS  # noqa: E402  (bench/pipeline.py: the same mix)

from organizer.config import load_settings  # noqa: E402
from organizer.db import queue  # noqa: E402
from organizer.db.connect import open_db  # noqa: E402
from organizer.db.migrate import migrate  # noqa: E402
from organizer.handlers import build_plugins  # noqa: E402
from organizer.model import utcnow  # noqa: E402
from organizer.worker import Worker  # noqa: E402


class Counter:
    def __init__(self) -> None:
        self.statements: list[str] = []
        self.parses: list[tuple[Any, ...]] = []

    def trace(self, sql: str) -> None:
        self.statements.append(" ".join(sql.split()))

    def wrap_parser(self) -> None:
        """Count the parser's real work: `analyse` runs (a result the parser kept from
        earlier in the turn costs nothing and is not counted)."""
        import organizer.parsing.api as api

        real = api.analyse

        def counted(text: str, now: Any, zone: Any, *args: Any, **kw: Any) -> Any:
            self.parses.append((text, now, str(zone)))
            return real(text, now, zone, *args, **kw)

        api.analyse = counted  # type: ignore[assignment]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=800)
    ap.add_argument("--chats", type=int, default=50)
    ap.add_argument("--show", action="store_true", help="print one message's statements")
    args = ap.parse_args()
    counter = Counter()
    counter.wrap_parser()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "cost.db"
        conn = open_db(db, create=True)
        migrate(conn)
        settings = load_settings(
            {"DB_PATH": str(db), "CALENDAR_BACKEND": "none", "ORGANIZER_ENV_FILE": ""}
        )
        worker = Worker(settings, conn, build_plugins(settings, conn), worker_id="cost",
                        prefetch=True)  # as `organizer worker` runs
        texts = itertools.cycle(TEXTS)
        for i in range(args.messages):
            queue.enqueue(conn, message_key=f"cost:{i}", chat_id=100 + i % args.chats,
                          kind="text", payload={"text": next(texts), "message_id": 1,
                                                "lang": None}, now=utcnow())  # fmt: skip
        for _ in range(len(TEXTS)):  # warm-up: timers' first runs, caches
            worker.step(utcnow())
        counter.statements.clear()
        counter.parses.clear()
        conn.set_trace_callback(counter.trace)
        per_message: list[list[str]] = []
        handled = 0
        while handled < args.messages * 2:
            mark = len(counter.statements)
            if not worker.step(utcnow()):
                break
            handled += 1
            per_message.append(counter.statements[mark:])
        conn.set_trace_callback(None)
        failed = conn.execute("SELECT COUNT(*) FROM inbox_queue WHERE status = 'FAILED'")
        n_failed = failed.fetchone()[0]
        conn.close()
    report(counter, handled, n_failed)
    if args.show:
        show(per_message)
    return 0


def report(counter: Counter, handled: int, failed: int) -> None:
    stmts = counter.statements
    begins = sum(1 for s in stmts if s.upper().startswith("BEGIN"))
    control = sum(
        1 for s in stmts
        if s.split(" ", 1)[0].upper() in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
    )
    seen = collections.Counter(counter.parses)
    repeated = sum(n - 1 for n in seen.values())
    print(f"text messages handled: {handled} (failed rows: {failed})")
    print(f"SQL statements per message: {len(stmts) / handled:.2f} "
          f"({(len(stmts) - control) / handled:.2f} without BEGIN/COMMIT/SAVEPOINT)")
    print(f"transactions per message:   {begins / handled:.2f}")
    print(f"parser runs per message:    {len(counter.parses) / handled:.2f} "
          f"(of which repeats of the same (text, now, tz): {repeated / handled:.2f})")


def show(per_message: list[list[str]]) -> None:
    for i, stmts in enumerate(per_message[-len(TEXTS):]):
        print(f"\n--- message {i} ({len(stmts)} statements)")
        for s in stmts:
            print("   ", s[:150])


if __name__ == "__main__":
    raise SystemExit(main())
