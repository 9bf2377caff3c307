"""Benchmark `organizer bot` (a real process) against the fake Bot API server.

    .venv/bin/python bench/bot.py [--updates 200] [--messages 300] [--rate 30]

1. Update arrival → inbox commit: updates are injected one at a time while the bot
   long-polls; "arrival" is when the fake server writes the getUpdates answer,
   "commit" is stamped by an AFTER INSERT trigger on inbox_queue (SQLite's clock,
   millisecond resolution). Target: p99 ≤ 20 ms.
2. Outbox delivery: `--messages` rows across `--messages / 3` chats are written at
   `--rate` per second; the fake server enforces 30 msg/s overall and 1/s per chat
   (answering 429 when broken). Reported: delivered msg/s, enqueue → send lag, 429s.
   Target: keeps up with 30 msg/s without a 429.

Short on purpose (≈ 20 s): the box is shared by several developers (2 cores), so
figures are noisy; run it when the machine is quiet for numbers to compare.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fakes.telegram import TOKEN, FakeTelegram  # noqa: E402
from organizer.db import outbox  # noqa: E402
from organizer.db.connect import open_db  # noqa: E402
from organizer.db.migrate import migrate  # noqa: E402
from organizer.model import utcnow  # noqa: E402

ORGANIZER = str(Path(sys.executable).parent / "organizer")
USER = 111


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def wait_for(pred, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.01)
    return False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--updates", type=int, default=200)
    ap.add_argument("--messages", type=int, default=300)
    ap.add_argument("--rate", type=float, default=30.0, help="offered outbox load, msg/s")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="benchbot"))
    db = tmp / "organizer.db"
    conn = open_db(db, create=True)
    migrate(conn)
    conn.execute("CREATE TABLE bench_commit (inbox_id INTEGER PRIMARY KEY, at TEXT NOT NULL)")
    conn.execute(
        "CREATE TRIGGER bench_commit_at AFTER INSERT ON inbox_queue BEGIN"
        " INSERT INTO bench_commit VALUES (NEW.id, strftime('%Y-%m-%d %H:%M:%f', 'now')); END"
    )
    fake = FakeTelegram(enforce_limits=True).start()
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    env.update(
        DB_PATH=str(db),
        ORGANIZER_ENV_FILE="",
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=fake.base_url,
        TELEGRAM_ALLOWED_USER_IDS=str(USER),
        TG_LONGPOLL_SEC="10",
        TG_HTTP_READ_TIMEOUT="20",
        SPOOL_DIR=str(tmp / "spool"),
        LOG_LEVEL="WARNING",
    )
    log = (tmp / "bot.log").open("wb")
    bot = subprocess.Popen([ORGANIZER, "bot"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        if not wait_for(lambda: fake.calls_of("getUpdates"), 30):
            print("bot did not start; see", tmp / "bot.log")
            return 1
        print(f"organizer bot benchmark (fake Bot API on 127.0.0.1, shared 2-core box, {datetime.now():%Y-%m-%d %H:%M})")

        # 1. update arrival -> inbox commit
        ids = []
        for i in range(args.updates):
            ids.append(fake.push(fake.message(USER, f"задача номер {i}")))
            time.sleep(0.02)
        ok = wait_for(
            lambda: conn.execute("SELECT COUNT(*) FROM inbox_queue").fetchone()[0] >= args.updates, 30
        )
        commits = {
            r[0]: datetime.fromisoformat(r[1] + "+00:00").timestamp()
            for r in conn.execute("SELECT inbox_id, at FROM bench_commit")
        }
        keyed = {
            int(r[1].rsplit(":", 1)[1]): r[0]
            for r in conn.execute("SELECT id, message_key FROM inbox_queue")
        }
        # update i carries message_id i+1 (the fake numbers user messages from 1)
        lat = []
        for n, uid in enumerate(ids):
            inbox_id = keyed.get(n + 1)
            if inbox_id is not None and uid in fake.returned_at:
                lat.append((commits[inbox_id] - fake.returned_at[uid]) * 1000)
        print(
            f"update -> inbox commit: n={len(lat)}{'' if ok else ' (INCOMPLETE)'} "
            f"p50={pct(lat, 50):.1f} ms p90={pct(lat, 90):.1f} ms p99={pct(lat, 99):.1f} ms "
            f"max={max(lat):.1f} ms (target p99 <= 20 ms; clock resolution 1 ms)"
        )

        # 2. outbox delivery at the offered rate across many chats
        chats = max(1, args.messages // 3)
        fake.calls.clear()
        made: dict[int, float] = {}
        t0 = time.monotonic()
        for i in range(args.messages):
            due = t0 + i / args.rate
            time.sleep(max(0.0, due - time.monotonic()))
            oid = outbox.enqueue(conn, chat_id=50_000 + i % chats, text=f"ответ {i}", now=utcnow())
            assert oid is not None
            made[oid] = time.monotonic()
        done = wait_for(
            lambda: conn.execute(
                "SELECT COUNT(*) FROM outbox WHERE status IN ('SENT', 'FAILED')"
            ).fetchone()[0]
            >= args.messages,
            60,
        )
        sends = [c for c in fake.calls_of("sendMessage")]
        ok_sends = [c for c in sends if c.status == 200]
        too_many = [c for c in sends if c.status == 429]
        by_text = {c.params["text"]: c.at for c in ok_sends}
        lags = []
        for oid, at in made.items():
            text = f"ответ {oid - min(made)}"
            if text in by_text:
                lags.append((by_text[text] - at) * 1000)
        span = max(c.at for c in ok_sends) - min(c.at for c in ok_sends)
        failed = conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'FAILED'").fetchone()[0]
        print(
            f"outbox delivery: {len(ok_sends)}/{args.messages} sent{'' if done else ' (INCOMPLETE)'} "
            f"to {chats} chats, offered {args.rate:.0f} msg/s, delivered "
            f"{(len(ok_sends) - 1) / span if span else 0:.1f} msg/s over {span:.1f} s; "
            f"429s: {len(too_many)}; failed: {failed}"
        )
        print(
            f"enqueue -> sendMessage lag: p50={pct(lags, 50):.0f} ms p99={pct(lags, 99):.0f} ms "
            f"max={max(lags):.0f} ms (limit violations seen by the server: {len(fake.violations)})"
        )
    finally:
        bot.terminate()
        bot.wait(timeout=15)
        fake.stop()
        conn.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
