"""Progress of long operator work: rich's bar on a terminal, plain lines otherwise.

Backup of a large database, model preparation and migrate report `(done, total)` through
a plain callback; the command that runs them opens a display here. On a terminal (the
display's stream is a TTY) that is rich's progress bar; in a pipe, a log file or the
journal it is a few plain lines: a start line, one per tenth of the work (at most one
a second, so quick work is just its first and last line), and an end line with the
time taken, so a log stays short and readable.

Written to stderr, so a command's result on stdout stays the one line scripts read.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

OnProgress = Callable[[int, int], None]  # (done, total) in the work's own unit
MIN_LINE_INTERVAL_S = 1.0


def no_progress(_done: int, _total: int) -> None:
    """The default callback: library calls without a display report to nobody."""


class Lines:
    """Plain lines: start, each tenth of the total (at most one a second), and done."""

    def __init__(
        self, label: str, unit: str, stream: IO[str], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.label, self.unit, self.stream, self.clock = label, unit, stream, clock
        self.done = 0
        self.total = 0
        self._tenth = 0  # the last tenth a line was printed for
        self._started: float | None = None
        self._last = 0.0  # when the last line was printed

    def _say(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def update(self, done: int, total: int) -> None:
        now = self.clock()
        if self._started is None:  # only work that really began is shown
            self._started = self._last = now
            self._say(f"{self.label}: {total:,} {self.unit} to go")
        self.done, self.total = done, total
        if total <= 0 or done >= total:
            return  # the end line says it
        tenth = done * 10 // total
        if tenth > self._tenth and now - self._last >= MIN_LINE_INTERVAL_S:
            self._tenth, self._last = tenth, now
            self._say(f"{self.label}: {done:,}/{total:,} {self.unit} ({tenth * 10}%)")

    def close(self, failed: bool) -> None:
        if self._started is None:
            return
        took = self.clock() - self._started
        if failed:  # the error itself follows from the command
            self._say(f"{self.label}: stopped at {self.done:,}/{self.total:,} {self.unit}")
        else:
            self._say(f"{self.label}: done, {self.done:,} {self.unit} in {took:.1f}s")


class Bar:
    """rich's progress bar (imported only here: plain lines never pay for it)."""

    def __init__(self, label: str, unit: str, stream: IO[str]) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.unit = unit
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn(unit), TimeElapsedColumn(),
            console=Console(file=stream), transient=False,
        )  # fmt: skip
        self.label = label
        self.task: Any = None

    def update(self, done: int, total: int) -> None:
        if self.task is None:  # drawn only once work really began
            self.progress.start()
            self.task = self.progress.add_task(self.label, total=total or None)
        self.progress.update(self.task, completed=done, total=total or None)

    def close(self, failed: bool) -> None:
        if self.task is not None:
            self.progress.stop()


@contextmanager
def display(
    label: str,
    unit: str = "",
    *,
    stream: IO[str] | None = None,
    tty: bool | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[OnProgress]:
    """A callback `(done, total)` that shows progress until the block ends.

    `tty=None` asks the stream; tests pass it (and `clock`) to force either form.
    """
    out = stream if stream is not None else sys.stderr
    if tty is None:
        tty = bool(getattr(out, "isatty", lambda: False)())
    shown: Lines | Bar = Bar(label, unit, out) if tty else Lines(label, unit, out, clock)
    try:
        yield shown.update
    except BaseException:
        shown.close(failed=True)
        raise
    shown.close(failed=False)
