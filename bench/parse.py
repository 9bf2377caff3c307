"""Benchmark of `organizer parse`: quality and speed, printed as plain figures.

    .venv/bin/python bench/parse.py [--quick] [--failures N]

1. The organizer corpus (tests/data/parse_corpus_ru/en.jsonl): full-match rate (all 7
   fields) per language, by the judge of src/organizer/parsing/judge.py; then one line each
   for the blind held-out sets (parse_holdout.jsonl, parse_holdout2.jsonl) and the
   generalisation set (parse_corpus_extra.jsonl). Speed is measured over all of them.
2. The Duckling development sets (shared/nlu/duckling_*_time.jsonl, `organizer: true`
   subset): the start of the time expression compared to the minute, for our grammar
   (`organizer.parsing.api.when`), dateparser and timesense, side by side in this run.
   Negative phrases count as right when nothing is found.
3. Speed: `organizer parse --batch` throughput through the real console script, the
   worst single-utterance latency in-process, and `import organizer.parsing` time in a
   fresh interpreter.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
NLU = ROOT.parent / "shared" / "nlu"
BIN = Path(sys.executable).parent


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def corpus_rows() -> list[dict[str, Any]]:
    """The main corpus (parse_corpus_ru/en.jsonl)."""
    rows: list[dict[str, Any]] = []
    for lang in ("ru", "en"):
        rows.extend(load_jsonl(DATA / f"parse_corpus_{lang}.jsonl"))
    return rows


# Sets scored beside the corpus, one line each: the blind held-out set and the
# generalisation set written after the corpus reached 100%.
EXTRA_SETS = (("held-out (parse_holdout.jsonl)", "parse_holdout.jsonl"),
              ("held-out 2 (parse_holdout2.jsonl)", "parse_holdout2.jsonl"),
              ("held-out 3 (parse_holdout3.jsonl)", "parse_holdout3.jsonl"),
              ("held-out 4 (parse_holdout4.jsonl)", "parse_holdout4.jsonl"),
              ("held-out 5 (parse_holdout5.jsonl)", "parse_holdout5.jsonl"),
              ("extra (parse_corpus_extra.jsonl)", "parse_corpus_extra.jsonl"))


def all_rows() -> list[dict[str, Any]]:
    rows = corpus_rows()
    for _, name in EXTRA_SETS:
        if (DATA / name).is_file():
            rows.extend(load_jsonl(DATA / name))
    return rows


# ------------------------------------------------------------------ 1. organizer corpus


def bench_corpus(show: int) -> None:
    from organizer.parsing import parse
    from organizer.parsing.judge import score

    rows = corpus_rows()
    report = score(rows, lambda text, now, tz: parse(text, datetime.fromisoformat(now), tz))
    print("== organizer corpus (all 7 fields right) ==")
    for lang, (ok, n) in sorted(report.by_language.items(), reverse=True):
        print(f"  {lang}: {ok}/{n} = {ok / n:.1%}")
    print(f"  total: {report.passed}/{report.total} = {report.rate:.1%}")
    if show and report.failures:
        print(report.table(limit=show))
    for label, name in EXTRA_SETS:
        path = DATA / name
        if not path.is_file():
            continue
        other = score(load_jsonl(path),
                      lambda text, now, tz: parse(text, datetime.fromisoformat(now), tz))
        print(f"  {label}: {other.passed}/{other.total} = {other.rate:.1%}")
        if show and other.failures:
            print(other.table(limit=show))


# ------------------------------------------------------------------ 2. Duckling sets


def _ours() -> Callable[[str, datetime, str], datetime | None]:
    from organizer.parsing.api import when

    return when


def _dateparser() -> Callable[[str, datetime, str], datetime | None] | None:
    try:
        import dateparser
        from dateparser.search import search_dates
    except ImportError:
        return None

    def run(text: str, now: datetime, tz: str) -> datetime | None:
        settings = {
            "RELATIVE_BASE": now.replace(tzinfo=None),
            "PREFER_DATES_FROM": "future",
            "TIMEZONE": tz,
            "TO_TIMEZONE": tz,
            "RETURN_AS_TIMEZONE_AWARE": True,
        }
        langs = ["ru", "en"]
        dt = dateparser.parse(text, languages=langs, settings=settings)
        if dt is None:
            found = search_dates(text, languages=langs, settings=settings)
            dt = found[0][1] if found else None
        return dt

    return run


def _timesense() -> Callable[[str, datetime, str], datetime | None] | None:
    try:
        from timesense import TimeSenseParser
    except ImportError:
        return None
    parser = TimeSenseParser()

    def run(text: str, now: datetime, tz: str) -> datetime | None:
        r = parser.parse(text, now=now, tz=tz)
        if r is None:
            return None
        for attr in ("datetime_at", "start_at", "deadline"):
            dt = getattr(r, attr, None)
            if isinstance(dt, datetime):
                return dt
        return None

    return run


def _same_minute(expected: str | None, got: datetime | None, zone: Any) -> bool:
    if expected is None:
        return got is None
    if got is None:
        return False
    if got.tzinfo is None:
        got = got.replace(tzinfo=zone)
    e = datetime.fromisoformat(expected)
    return int(e.timestamp() // 60) == int(got.timestamp() // 60)


def bench_duckling(quick: bool) -> None:
    from zoneinfo import ZoneInfo

    engines: dict[str, Callable[[str, datetime, str], datetime | None] | None] = {
        "organizer": _ours(),
        "dateparser": _dateparser(),
        "timesense": _timesense(),
    }
    print("== Duckling dev sets, organizer subset, start to the minute ==")
    if not NLU.is_dir():
        print(f"  skipped: {NLU} is absent")
        return
    header = f"  {'lang':<5}{'n':>5}" + "".join(f"{name:>13}" for name in engines)
    print(header)
    spent = dict.fromkeys(engines, 0.0)
    calls = 0
    for lang in ("ru", "en"):
        path = NLU / f"duckling_{lang}_time.jsonl"
        rows = [r for r in load_jsonl(path) if r.get("organizer")]
        if quick:
            rows = rows[::4]
        cells = []
        for name, fn in engines.items():
            if fn is None:
                cells.append(f"{'n/a':>13}")
                continue
            ok = 0
            for r in rows:
                now = datetime.fromisoformat(r["now"])
                t0 = time.perf_counter()
                try:
                    got = fn(r["text"], now, r["tz"])
                except Exception:
                    got = None
                spent[name] += time.perf_counter() - t0
                ok += _same_minute(r["expected_start"], got, ZoneInfo(r["tz"]))
            cells.append(f"{ok:>5}/{len(rows):<3}{ok / len(rows):>4.0%}")
        calls += len(rows)
        print(f"  {lang:<5}{len(rows):>5}" + "".join(cells))
    print(f"  {'ms/phrase':<10}" + "".join(
        f"{spent[name] / calls * 1000:>13.2f}" if engines[name] else f"{'':>13}"
        for name in engines))
    missing = [name for name, fn in engines.items() if fn is None]
    if missing:
        print(f"  not installed: {', '.join(missing)}")


def bench_corpus_starts() -> None:
    """The same engines on the organizer corpus's start field (rows that have one)."""
    from zoneinfo import ZoneInfo

    from organizer.parsing import parse

    def ours(text: str, now: datetime, tz: str) -> datetime | None:
        return parse(text, now, tz).start

    engines = {"organizer": ours, "dateparser": _dateparser(), "timesense": _timesense()}
    rows = [r for r in corpus_rows() if r["expected"]["start"] is not None]
    print("== organizer corpus, start field only (rows with a start), to the minute ==")
    cells = []
    for name, fn in engines.items():
        if fn is None:
            cells.append(f"{name} n/a")
            continue
        ok = 0
        for r in rows:
            try:
                got = fn(r["text"], datetime.fromisoformat(r["now"]), r["tz"])
            except Exception:
                got = None
            ok += _same_minute(r["expected"]["start"], got, ZoneInfo(r["tz"]))
        cells.append(f"{name} {ok}/{len(rows)} = {ok / len(rows):.0%}")
    print("  " + "; ".join(cells))


# ------------------------------------------------------------------ 3. speed


def bench_speed(seconds: float) -> None:
    from organizer.parsing import parse

    rows = all_rows()
    lines = [json.dumps({"text": r["text"], "now": r["now"], "tz": r["tz"]},
                        ensure_ascii=False) for r in rows]
    print("== speed (shared 2-core machine: figures are noisy) ==")
    # in-process: worst single utterance over a few passes (after one warm-up pass)
    nows = [(r["text"], datetime.fromisoformat(r["now"]), r["tz"]) for r in rows]
    for text, now, tz in nows:
        parse(text, now, tz)
    import gc

    gc.collect()
    gc.freeze()  # as `organizer parse --batch` does after start-up
    # per utterance: wall time and CPU time (thread_time leaves out the time this process
    # waits for a core, which on a busy shared machine is most of the noise)
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    t_all = time.perf_counter()
    for _ in range(5):
        for text, now, tz in nows:
            t0, c0 = time.perf_counter(), time.thread_time()
            parse(text, now, tz)
            w, c = time.perf_counter() - t0, time.thread_time() - c0
            wall[text] = max(wall.get(text, 0.0), w)
            cpu[text] = max(cpu.get(text, 0.0), c)
    total = time.perf_counter() - t_all
    walls = sorted(wall.values())
    worst_cpu = max(cpu.items(), key=lambda kv: kv[1])
    print(f"  in-process: {5 * len(nows) / total:,.0f} utterances/s; wall p99 "
          f"{walls[int(len(walls) * 0.99)] * 1000:.2f} ms, wall worst {walls[-1] * 1000:.2f} ms; "
          f"worst utterance CPU time {worst_cpu[1] * 1000:.2f} ms ({worst_cpu[0]!r})")
    # the real CLI, --batch
    reps = max(1, int(seconds * 2500 / max(1, len(lines))))
    payload = ("\n".join(lines) + "\n") * reps
    n = len(lines) * reps
    env = dict(os.environ, ORGANIZER_ENV_FILE=os.devnull)
    t0 = time.perf_counter()
    subprocess.run([str(BIN / "organizer"), "parse", "--batch"], input="",
                   capture_output=True, text=True, env=env, check=True)
    startup = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = subprocess.run([str(BIN / "organizer"), "parse", "--batch"], input=payload,
                         capture_output=True, text=True, env=env, check=True).stdout
    elapsed = time.perf_counter() - t0
    assert out.count("\n") == n, "batch lost lines"
    print(f"  organizer parse --batch: {n} utterances in {elapsed:.2f} s = "
          f"{n / elapsed:,.0f} utterances/s with process start ({startup:.2f} s), "
          f"{n / max(1e-9, elapsed - startup):,.0f} utterances/s without")
    # import time in a fresh interpreter
    code = ("import time; t=time.perf_counter(); import organizer.parsing; "
            "print(time.perf_counter()-t)")
    best = min(float(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                    text=True, check=True).stdout) for _ in range(5))
    code2 = ("import time; t=time.perf_counter(); from organizer.canon import load_canon; "
             "load_canon(); print(time.perf_counter()-t)")
    canon = min(float(subprocess.run([sys.executable, "-c", code2], capture_output=True,
                                     text=True, check=True).stdout) for _ in range(3))
    print(f"  import organizer.parsing: {best * 1000:.0f} ms (best of 5, fresh interpreter); "
          f"first load of the canon (yaml): {canon * 1000:.0f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a quarter of the Duckling rows")
    ap.add_argument("--failures", type=int, default=0, help="print this many corpus failures")
    ap.add_argument("--seconds", type=float, default=2.0, help="rough length of the CLI run")
    args = ap.parse_args()
    bench_corpus(args.failures)
    bench_duckling(args.quick)
    bench_corpus_starts()
    bench_speed(args.seconds)


if __name__ == "__main__":
    main()
