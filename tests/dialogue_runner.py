"""Drive the dialogue corpus (tests/data/dialogues_*.jsonl) through `organizer chat`.

Each dialogue runs on a fresh SQLite file in its own temp folder with ORGANIZER_TZ set to
the dialogue's zone. Turns go to the real `organizer chat` code in-process —
`organizer.chat.run(settings, now=…, stdin=…, stdout=…)`, the function the console command
calls — because a subprocess per dialogue (≈1 s of imports) is too slow for hundreds.
A turn with a later `now` ends that chat session and starts a new one at that moment on
the same database, so reminders due by then fire (the chat ticks the scheduler at start).
A bare digit presses that numbered button of the previous reply, as in the chat itself.
Then the items are read from the database and judged by tests/dialogue_judge.py.

Used by tests/test_dialogues.py and bench/dialogues.py.
"""

from __future__ import annotations

import io
import itertools
import json
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dialogue_judge import STATUSES, TYPES, Got, Verdict, judge
from organizer import chat
from organizer.config import load_settings
from organizer.db.connect import open_db
from organizer.db.migrate import migrate
from organizer.model import from_db

DATA = Path(__file__).resolve().parent / "data"
CHAT_ID = 1
CATEGORIES = (
    "oneshot", "multi", "past_tense", "done_followup", "it_referent", "relative_shift",
    "dont_know", "typos", "lists", "reschedule_answer", "zones", "long_paste", "clarify",
    "invalid_date", "dst", "cancel",
)  # fmt: skip


@dataclass(frozen=True)
class Dialogue:
    id: str
    category: str
    lang: str
    tz: str
    turns: list[dict[str, Any]]
    expect: dict[str, Any]


@dataclass
class Outcome:
    dialogue: Dialogue
    verdict: Verdict
    items: list[Got] = field(default_factory=list)
    transcript: str = ""


def corpus_files() -> list[Path]:
    return sorted(DATA.glob("dialogues_*.jsonl"))


def load(path: Path) -> list[Dialogue]:
    """The dialogues of one file; a malformed line raises ValueError naming file:line."""
    out = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                out.append(_dialogue(json.loads(line)))
            except (ValueError, KeyError, TypeError) as e:
                raise ValueError(f"{path}:{n}: {e}") from None
    return out


def _dialogue(d: dict[str, Any]) -> Dialogue:
    ZoneInfo(d["tz"])  # raises for an unknown zone
    turns = d["turns"]
    if not turns or "now" not in turns[0]:
        raise ValueError("the first turn needs `now`")
    if d["category"] not in CATEGORIES:
        raise ValueError(f"unknown category {d['category']!r}")
    for want in d["expect"].get("items", []):
        if want.get("type") not in TYPES or want.get("status", "open") not in STATUSES:
            raise ValueError(f"bad expected item {want}")
    return Dialogue(d["id"], d["category"], d["lang"], d["tz"], turns, d["expect"])


def sessions(turns: Sequence[dict[str, Any]]) -> list[tuple[datetime, list[str]]]:
    """Group turns into chat sessions: a turn with a later `now` starts a new one."""
    out: list[tuple[datetime, list[str]]] = []
    for turn in turns:
        now = datetime.fromisoformat(turn["now"]) if turn.get("now") else None
        if now is not None and now.tzinfo is None:
            raise ValueError(f"`now` without an offset: {turn['now']}")
        if not out or (now is not None and now > out[-1][0]):
            if now is None:
                raise ValueError("the first turn needs `now`")
            out.append((now, []))
        elif now is not None and now < out[-1][0]:
            raise ValueError(f"`now` goes back in time: {turn['now']}")
        out[-1][1].append(str(turn["say"]))
    return out


class Runner:
    """Runs dialogues, each on its own copy of one migrated template database.

    With `admin_url` (a PostgreSQL server's maintenance database, bench/pgserver.py) each
    dialogue gets its own database copied from a migrated template on that server."""

    def __init__(self, workdir: Path | None = None, admin_url: str | None = None) -> None:
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="dialogues-")
        self.workdir = workdir or Path(self._tmp.name)  # type: ignore[union-attr]
        self.template = self.workdir / "template.db"
        self.admin_url = admin_url
        self.prefix = f"r{next(_RUNNERS)}_"  # one server may serve several runners
        if admin_url:
            _pg_template(admin_url, self.prefix + "template")
        else:
            conn = open_db(self.template, create=True)
            migrate(conn)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()
        self.count = 0

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def run(self, d: Dialogue) -> Outcome:
        self.count += 1
        folder = self.workdir / f"d{self.count}"
        folder.mkdir()
        db = folder / "organizer.db"
        url = None
        if self.admin_url:
            name = f"{self.prefix}d{self.count}"
            url = _pg_admin(self.admin_url,
                            f"CREATE DATABASE {name} TEMPLATE {self.prefix}template", name)
        else:
            shutil.copy(self.template, db)
        try:
            return self._run(d, db, url)
        except Exception as e:  # a crash is a wrong dialogue, said in one line
            return Outcome(d, Verdict(False, f"crashed: {type(e).__name__}: {e}"))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            if self.admin_url:
                _pg_admin(self.admin_url, f"DROP DATABASE {self.prefix}d{self.count} WITH (FORCE)")

    def _run(self, d: Dialogue, db: Path, url: str | None = None) -> Outcome:
        env = {"DB_PATH": str(db), "ORGANIZER_TZ": d.tz, "CALENDAR_BACKEND": "none",
               "ORGANIZER_ENV_FILE": ""}  # fmt: skip
        settings = load_settings({**env, "DB_URL": url} if url else env)
        transcript: list[str] = []
        last_reply = ""
        for now, lines in sessions(d.turns):
            out = io.StringIO()
            stdin = io.StringIO("".join(line + "\n" for line in lines))
            chat.run(settings, chat_id=CHAT_ID, now=now, stdin=stdin, stdout=out)
            text = out.getvalue()
            transcript.append(f"--- {now.isoformat()}\n{text}")
            last_reply = replies_to_last(text, lines[-1])
        got = read_items(db, ZoneInfo(d.tz), url)
        return Outcome(d, judge(d.expect, got, last_reply), got, "".join(transcript))


def replies_to_last(output: str, last_line: str) -> str:
    """What the chat printed after echoing the last line (`> line`)."""
    marker = f"> {last_line.rstrip()}\n"
    at = output.rfind(marker)
    return output[at + len(marker) :] if at >= 0 else ""


def _local(value: str | None, zone: ZoneInfo, all_day: bool) -> str | None:
    dt = from_db(value)
    if dt is None:
        return None
    local = dt.astimezone(zone)
    return local.date().isoformat() if all_day else local.strftime("%Y-%m-%dT%H:%M")


_RUNNERS = itertools.count(1)


def _pg_admin(admin_url: str, sql: str, name: str | None = None) -> str | None:
    """Run `sql` on the server's maintenance database; the URL of database `name`."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql)
    return admin_url.rsplit("/", 1)[0] + "/" + name if name else None


def _pg_template(admin_url: str, name: str) -> None:
    from organizer.db.pg_connect import open_pg
    from organizer.db.pg_migrate import migrate as pg_migrate

    url = _pg_admin(admin_url, f"CREATE DATABASE {name}", name)
    conn = open_pg(str(url))
    pg_migrate(conn)
    conn.close()


def read_items(db: Path, zone: ZoneInfo, url: str | None = None) -> list[Got]:
    if url:
        from organizer.db.pg_compat import CompatConnection
        from organizer.db.pg_connect import open_pg

        conn: Any = CompatConnection(open_pg(url))
    else:
        conn = sqlite3.connect(db)
        conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute(
            "SELECT type, title, status, start_at, end_at, all_day, rrule FROM items"
            " WHERE chat_id = ? ORDER BY id",
            (CHAT_ID,),
        ).fetchall()
    finally:
        conn.close()
    return [
        Got(
            type=r["type"].lower(),
            title=r["title"] or "",
            start=_local(r["start_at"], zone, bool(r["all_day"])),
            end=_local(r["end_at"], zone, bool(r["all_day"])) if not r["all_day"] else None,
            status=r["status"].lower(),
            rrule=r["rrule"],
        )
        for r in rows
    ]


def run_all(dialogues: Iterable[Dialogue], admin_url: str | None = None) -> list[Outcome]:
    with Runner(admin_url=admin_url) as runner:
        return [runner.run(d) for d in dialogues]


@dataclass(frozen=True)
class Rate:
    right: int
    total: int

    @property
    def value(self) -> float:
        return self.right / self.total if self.total else 1.0

    def show(self) -> str:
        return f"{self.value:6.1%} ({self.right}/{self.total})"


def rates(outcomes: Sequence[Outcome], key: str) -> dict[str, Rate]:
    """Right/total grouped by a dialogue attribute (`category`, `lang`)."""
    groups: dict[str, list[bool]] = {}
    for o in outcomes:
        groups.setdefault(getattr(o.dialogue, key), []).append(o.verdict.ok)
    return {k: Rate(sum(v), len(v)) for k, v in sorted(groups.items())}


def overall(outcomes: Sequence[Outcome]) -> Rate:
    return Rate(sum(o.verdict.ok for o in outcomes), len(outcomes))
