"""`organizer chat` as a person (or a script) uses it: a subprocess with piped stdin."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import ORGANIZER, make_env
from organizer.db.connect import open_db

NOW = "2026-11-23T10:00:00+03:00"


def chat(db_path: Path, lines: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    env = make_env(db_path, ORGANIZER_TZ="Europe/Moscow")
    return subprocess.run(
        [ORGANIZER, "chat", "--now", NOW, *args],
        input="".join(line + "\n" for line in lines),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_first_run_creates_the_db_and_a_clarify_round_works(tmp_path: Path):
    db = tmp_path / "fresh" / "organizer.db"
    r = chat(
        db,
        [
            "встреча с Петей",
            "завтра в 15",
            "1",  # [1] Перенести
            "на пятницу",
            "купить молоко",
            "1",  # [1] Готово
            "что у меня в пятницу",
            "/quit",
            "это уже не читается",
        ],
    )
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.splitlines()[0] == f"Created a new database at {db}"
    assert "Когда «Встреча с Петей»?" in out
    assert "[1] Сегодня 12:00" in out
    assert "Добавил встречу: Встреча с Петей — завтра, 24 ноября, 15:00–16:00" in out
    assert "[1] Перенести  [2] Отменить" in out
    assert "На когда перенести?" in out
    assert "Перенёс: Встреча с Петей — пятница, 27 ноября, 15:00–16:00" in out
    assert "✎ Отметил выполненным: Купить молоко" in out
    assert "• 15:00–16:00 Встреча с Петей" in out
    assert "не читается" not in out.split("> /quit")[-1]
    conn = open_db(db)
    try:
        rows = conn.execute("SELECT source, status FROM inbox_queue").fetchall()
        assert {tuple(r) for r in rows} == {("chat", "DONE")} and len(rows) == 7
        assert conn.execute("SELECT COUNT(*) FROM outbox WHERE status != 'SENT'").fetchone()[0] == 0
        items = conn.execute("SELECT title, status FROM items ORDER BY id").fetchall()
        assert [tuple(i) for i in items] == [("Встреча с Петей", "OPEN"), ("Купить молоко", "DONE")]
    finally:
        conn.close()


def test_second_run_sees_the_first_and_english(tmp_path: Path, db_path: Path):
    r = chat(db_path, ["meeting with Anna tomorrow at 3pm"], "--lang", "en")
    assert r.returncode == 0, r.stderr
    assert "Created" not in r.stdout
    assert "Added a meeting: Meeting with Anna — tomorrow, 24 November, 15:00–16:00" in r.stdout
    r = chat(db_path, ["what do I have tomorrow", "/help"], "--lang", "en")
    assert r.returncode == 0, r.stderr
    assert "Tomorrow, 24 November:\n• 15:00–16:00 Meeting with Anna" in r.stdout
    assert "Commands: /today" in r.stdout


def test_empty_input_and_odd_lines(db_path: Path):
    r = chat(db_path, [])
    assert r.returncode == 0 and "organizer chat" in r.stdout
    r = chat(db_path, ["", "😀", "9", "/nonsense"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("Не понял") == 2  # the emoji and "9" (no button 9 shown)
    assert "/nonsense" in r.stdout


def test_bad_now_is_one_line_error(db_path: Path):
    env = make_env(db_path)
    r = subprocess.run(
        [ORGANIZER, "chat", "--now", "tomorrow"], env=env, capture_output=True, text=True,
        input="", timeout=30,
    )  # fmt: skip
    assert r.returncode != 0
    assert "ISO-8601" in r.stderr and "Traceback" not in r.stderr


AHEAD = "2027-06-01T10:00:00+03:00"  # a pretend time months ahead of the real clock
NOWHERE = "http://127.0.0.1:9/calendars/me/"  # nothing listens: a sync attempt fails fast


def chat_with_calendar(db_path: Path, lines: list[str]) -> subprocess.CompletedProcess[str]:
    env = make_env(db_path, ORGANIZER_TZ="Europe/Moscow", CALENDAR_BACKEND="caldav",
                   CALDAV_URL=NOWHERE, CALDAV_USERNAME="u", CALDAV_PASSWORD="p")  # fmt: skip
    return subprocess.run(
        [ORGANIZER, "chat", "--now", AHEAD, "--lang", "en"],
        input="".join(line + "\n" for line in lines),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _meeting(db_path: Path) -> dict[str, object]:
    conn = open_db(db_path)
    try:
        row = conn.execute("SELECT * FROM items WHERE type = 'meeting'").fetchone()
        return dict(row)
    finally:
        conn.close()


def test_chat_leaves_the_calendar_to_a_running_worker_on_the_real_clock(db_path: Path, conn):
    """Before: the chat synced beside the worker, and stamped the request with --now, so
    the worker would not take it before the real clock reached the pretend time."""
    from fixtures.ops import add_beat
    from organizer.db import calsync
    from organizer.model import from_db, utcnow

    add_beat(conn, "worker", age_s=1)
    r = chat_with_calendar(db_path, ["meeting with Anna tomorrow at 3pm"])
    assert r.returncode == 0, r.stderr
    assert "the worker running on this database" in r.stdout and "this chat does not" in r.stdout
    item = _meeting(db_path)
    # Not tried by the chat (the worker's job), and due for the worker now.
    assert (item["cal_state"], item["attempts"], item["last_error"]) == ("PENDING", 0, None)
    stamp = from_db(str(item["next_attempt_at"]))
    assert stamp is not None and abs((stamp - utcnow()).total_seconds()) < 60
    assert [c.id for c in calsync.due(conn, utcnow(), 10)] == [item["id"]]


def test_chat_without_a_worker_is_the_syncer(db_path: Path):
    r = chat_with_calendar(db_path, ["meeting with Anna tomorrow at 3pm"])
    assert r.returncode == 0, r.stderr
    assert "no worker runs on this database, so this chat syncs" in r.stdout
    item = _meeting(db_path)
    # The chat tried (nothing listens at CALDAV_URL): a retry, timed by the real clock.
    from organizer.model import from_db, utcnow

    assert item["cal_state"] == "PENDING" and int(str(item["attempts"])) >= 1, item
    assert item["last_error"]
    retry = from_db(str(item["next_attempt_at"]))
    assert retry is not None and (retry - utcnow()).total_seconds() < 3600


def test_chat_on_a_migrated_postgresql(pg_url: str, tmp_path: Path):
    """DB_URL=postgresql://…: the same conversation through the same pipeline, on the
    operator's server (never created from here). Before: refused as not ported."""
    env = make_env(tmp_path / "o.db", pg_url, ORGANIZER_TZ="Europe/Moscow")
    r = subprocess.run(
        [ORGANIZER, "chat", "--now", NOW],
        input="встреча с Петей\nзавтра в 15\nкупить молоко\n1\n/quit\n",
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr and "Created a new database" not in r.stdout
    assert "Добавил встречу: Встреча с Петей — завтра, 24 ноября, 15:00–16:00" in r.stdout
    assert "✎ Отметил выполненным: Купить молоко" in r.stdout
    from organizer.db.pg_compat import CompatConnection
    from organizer.db.pg_connect import open_pg

    conn = CompatConnection(open_pg(pg_url))
    try:
        rows = conn.execute("SELECT source, status FROM inbox_queue").fetchall()
        assert {tuple(r) for r in rows} == {("chat", "DONE")} and len(rows) == 4
        assert conn.execute("SELECT COUNT(*) FROM outbox WHERE status != 'SENT'").fetchone()[0] == 0
    finally:
        conn.close()


def test_chat_on_an_unmigrated_postgresql_says_so_in_one_line(pg_empty_url: str, tmp_path: Path):
    env = make_env(tmp_path / "o.db", pg_empty_url)
    r = subprocess.run([ORGANIZER, "chat"], input="/quit\n", env=env, capture_output=True,
                       text=True, timeout=60)  # fmt: skip
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "no organizer schema" in r.stderr and "organizer migrate" in r.stderr
