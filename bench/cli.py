"""Operator command start-up, beside the floor set by its libraries (prints numbers).

    .venv/bin/python bench/cli.py [--runs 21] [--compare SRC]

Whole processes, as an operator runs them, on an empty migrated database, timed in
turns (each round runs every command once, so background load hits all alike):

- `python -c "import typer, rich"`: what any Typer + rich CLI pays before its own code;
- `organizer --version`: the CLI's own start-up;
- `organizer diag queue` (target: ≤ 150 ms wall), and `--json`;
- with `--compare SRC` (another checkout's src/, e.g. from `git archive`), its `diag queue`
  too, through PYTHONPATH: before and after in the same run, under the same load.

Prints the median and the spread (p10–p90) of each in milliseconds.
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

BIN = Path(sys.executable).parent
ORGANIZER = str(BIN / "organizer")


def once(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    took = (time.perf_counter() - t0) * 1000
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {p.stderr.decode()[-300:]}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--compare", type=Path, help="another src/ folder to time beside")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "empty.db"
        env = {**os.environ, "DB_PATH": str(db), "ORGANIZER_ENV_FILE": ""}
        subprocess.run([ORGANIZER, "migrate", "--create"], env=env, check=True,
                       capture_output=True)  # fmt: skip
        cases = {
            'python -c "import typer, rich"': [sys.executable, "-c", "import typer, rich"],
            "organizer --version": [ORGANIZER, "--version"],
            "organizer diag queue": [ORGANIZER, "diag", "queue"],
            "organizer diag queue --json": [ORGANIZER, "diag", "queue", "--json"],
        }
        envs = {name: env for name in cases}
        if args.compare:
            name = f"diag queue ({args.compare.parent.name}/{args.compare.name})"
            cases[name] = [ORGANIZER, "diag", "queue"]
            envs[name] = {**env, "PYTHONPATH": str(args.compare.absolute())}
        for name, cmd in cases.items():  # warm the page cache and bytecode once
            once(cmd, envs[name])
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, cmd in cases.items():
                times[name].append(once(cmd, envs[name]))
    load = os.getloadavg()[0]
    print(f"{args.runs} runs each, in turns; load average {load:.2f}; "
          f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}")  # fmt: skip
    print(f"{'command':<34} {'median':>7} {'p10':>6} {'p90':>6}  (ms, wall)")
    for name, ts in times.items():
        q = statistics.quantiles(ts, n=10)
        print(f"{name:<34} {statistics.median(ts):>7.1f} {q[0]:>6.1f} {q[-1]:>6.1f}")
    floor = statistics.median(times['python -c "import typer, rich"'])
    queue = statistics.median(times["organizer diag queue"])
    print(f"diag queue over the typer+rich floor: {queue - floor:+.1f} ms; "
          f"target ≤ 150 ms: {'met' if queue <= 150 else 'NOT met'}")


if __name__ == "__main__":
    main()
