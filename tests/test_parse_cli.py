"""`organizer parse` and `organizer parse --batch` through the real console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent / "organizer"
NOW = "2026-11-23T10:00:00+03:00"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CANON_PATH", "ORGANIZER_TZ")}
    env["ORGANIZER_ENV_FILE"] = os.devnull
    env.update(extra)
    return env


def organizer(*args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), *args], input=stdin, capture_output=True, text=True,
                          timeout=60, env=_env(**env))


def test_parse_prints_one_json_object() -> None:
    r = organizer("parse", "--now", NOW, "--tz", "Europe/Moscow", "завтра в 15 встреча с Петей")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0]) == {
        "intent": "meeting", "title": "Встреча с Петей",
        "start": "2026-11-24T15:00:00+03:00", "end": "2026-11-24T16:00:00+03:00",
        "all_day": False, "rrule": None, "needs": [],
    }


def test_parse_defaults_to_organizer_tz() -> None:
    r = organizer("parse", "--now", "2026-11-23T10:00:00+00:00", "завтра купить хлеб",
                  ORGANIZER_TZ="Asia/Tokyo")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["start"] == "2026-11-24T00:00:00+09:00"


def test_parse_without_now_uses_the_clock() -> None:
    r = organizer("parse", "--tz", "UTC", "через 20 минут позвонить")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["start"].endswith("+00:00")


def test_parse_bad_zone_and_bad_now_are_one_line_errors() -> None:
    r = organizer("parse", "--tz", "Mars/Olympus", "завтра")
    assert r.returncode == 1
    assert r.stderr.startswith("error: ") and "Traceback" not in r.stderr
    r = organizer("parse", "--now", "yesterday-ish", "завтра")
    assert r.returncode == 1
    assert "error: " in r.stderr and "hint: " in r.stderr


def test_batch_maps_lines_in_order_and_survives_bad_lines() -> None:
    lines = [
        {"text": "завтра в 15 встреча с Петей", "now": NOW, "tz": "Europe/Moscow"},
        "this is not json",
        {"text": "buy milk tomorrow", "now": "2026-11-23T10:00:00-05:00",
         "tz": "America/New_York"},
        {"now": NOW},
        {"text": "x", "tz": "Bad/Zone"},
        {"text": "x", "now": "not a time"},
        [1, 2],
        {"text": "🙂" * 3000, "now": NOW, "tz": "UTC"},
        {"text": "что у меня завтра", "now": NOW},
    ]
    stdin = "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)
                      for x in lines) + "\n"
    r = organizer("parse", "--batch", stdin=stdin, ORGANIZER_TZ="Europe/Moscow")
    assert r.returncode == 0, r.stderr
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(out) == len(lines)
    assert out[0]["start"] == "2026-11-24T15:00:00+03:00"
    assert "error" in out[1]
    assert out[2]["start"] == "2026-11-24T00:00:00-05:00"
    assert "error" in out[3] and "error" in out[4] and "error" in out[5] and "error" in out[6]
    assert out[7]["intent"] == "unknown"
    assert out[8]["intent"] == "agenda" and out[8]["start"] == "2026-11-24T00:00:00+03:00"


def test_batch_streams_line_by_line() -> None:
    proc = subprocess.Popen([str(BIN), "parse", "--batch"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=_env())
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps({"text": "купить хлеб", "now": NOW}) + "\n")
        proc.stdin.flush()
        first = proc.stdout.readline()  # answered before stdin is closed
        assert json.loads(first)["title"] == "Купить хлеб"
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_canon_path_override_is_used(tmp_path: Path) -> None:
    bad = tmp_path / "canon.yml"
    bad.write_text("version: 2\nintents:\n  meeting: {needs: [tiem], ru: [встреча]}\n",
                   encoding="utf-8")
    r = organizer("parse", "--now", NOW, "встреча", CANON_PATH=str(bad))
    assert r.returncode == 1
    assert f"{bad}:3: intents.meeting.needs" in r.stderr


def test_batch_survives_bad_bytes_and_lone_surrogates() -> None:
    stdin = (b'{"text": "\\u0432\\u0441\\u0442\\u0440\\u0435\\u0447\\u0430 \\ud800 x", '
             b'"now": "2026-11-23T10:00:00+03:00"}\n'
             b"\xff\xfe not utf-8\n"
             b'{"text": "ok"}\n')
    r = subprocess.run([str(BIN), "parse", "--batch"], input=stdin, capture_output=True,
                       timeout=60, env=_env())
    assert r.returncode == 0, r.stderr
    out = [json.loads(line) for line in r.stdout.decode("utf-8").splitlines()]
    assert len(out) == 3
    assert out[0]["intent"] == "meeting" and "\ud800" in out[0]["title"]
    assert "error" in out[1]
    assert out[2]["intent"] == "unknown"


def test_batch_answers_every_line_even_deeply_nested_or_invalid_ones() -> None:
    lines = [
        json.dumps({"text": "купить хлеб", "now": NOW}),
        "[" * 100_000 + "]" * 100_000,
        '{"text": "b", "now": "2026-01-01T10:00:00+99:00"}',
        '{"text": "c", "tz": "Europe/Moscow\\u0000"}',
        json.dumps({"text": "ok"}),
    ]
    r = subprocess.run([str(BIN), "parse", "--batch"], input="\n".join(lines) + "\n",
                       capture_output=True, text=True, timeout=60, env=_env())
    assert r.returncode == 0, r.stderr
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(out) == 5
    assert out[0]["title"] == "Купить хлеб" and out[4]["intent"] == "unknown"
    assert all(set(o) == {"error"} for o in out[1:4]), out
