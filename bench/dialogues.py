"""Benchmark of whole conversations: the dialogue corpus through `organizer chat`.

    .venv/bin/python bench/dialogues.py [FILE...]          # default: tests/data/dialogues_*.jsonl
    .venv/bin/python bench/dialogues.py FILE --only ID     # replay one, with its transcript
    .venv/bin/python bench/dialogues.py --postgresql       # the same on a throw-away PostgreSQL

Per file: the overall rate of dialogues right, the rate per category and per language, and
each failing id with the judge's one-line reason (expected vs got). The format of the files
and the judging rules: docs/TESTING.md ("Dialogue corpus"); the runner and the judge:
tests/dialogue_runner.py, tests/dialogue_judge.py.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


sys.path.insert(0, str(ROOT / "tests"))

import dialogue_runner as dr  # noqa: E402


def report(path: Path, outcomes: list[dr.Outcome], seconds: float) -> None:
    print(f"== {path.name}: {dr.overall(outcomes).show()} right  [{seconds:.1f} s]")
    for key in ("category", "lang"):
        print(f"  by {key}:")
        for name, rate in dr.rates(outcomes, key).items():
            print(f"    {name:<18} {rate.show()}")
    failing = [o for o in outcomes if not o.verdict.ok]
    if failing:
        print(f"  failing ({len(failing)}):")
        for o in failing:
            print(f"    {o.dialogue.id}: {o.verdict.reason}")


def replay(paths: list[Path], wanted: str, admin_url: str | None = None) -> int:
    for path in paths:
        for d in dr.load(path):
            if d.id != wanted:
                continue
            with dr.Runner(admin_url=admin_url) as runner:
                o = runner.run(d)
            print(o.transcript)
            print("items:")
            for g in o.items:
                print(f"  {g.show()}")
            print(f"{'RIGHT' if o.verdict.ok else 'WRONG'}: {o.verdict.reason}")
            return 0 if o.verdict.ok else 1
    print(f"no dialogue with id {wanted!r} in {', '.join(str(p) for p in paths)}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("files", nargs="*", type=Path, help="dialogue files (JSONL)")
    ap.add_argument("--only", metavar="ID", help="replay one dialogue and show its transcript")
    ap.add_argument("--postgresql", action="store_true",
                    help="run on a throw-away PostgreSQL server (bench/pgserver.py), one "
                         "database per dialogue")  # fmt: skip
    args = ap.parse_args(argv)
    if args.postgresql:
        from pgserver import NoServer, pg_server

        try:
            with pg_server() as admin_url:
                return _main(args, admin_url)
        except NoServer as e:
            print(f"no PostgreSQL server: {e}", file=sys.stderr)
            return 2
    return _main(args, None)


def _main(args: argparse.Namespace, admin_url: str | None) -> int:
    logging.disable(logging.WARNING)  # the chat's own warnings would drown the table
    paths = args.files or dr.corpus_files()
    missing = [p for p in paths if not p.is_file()]
    if missing:
        print(f"no such file: {missing[0]} (give JSONL dialogue files)", file=sys.stderr)
        return 2
    try:
        if args.only:
            return replay(paths, args.only, admin_url)
        for path in paths:
            dialogues = dr.load(path)
            started = time.monotonic()
            report(path, dr.run_all(dialogues, admin_url), time.monotonic() - started)
    except ValueError as e:
        print(f"bad dialogue file: {e}", file=sys.stderr)
        return 2
    finally:
        logging.disable(logging.NOTSET)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
