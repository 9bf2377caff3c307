"""What the grammar finds: a typed span of tokens with its meaning."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Clock:
    """A clock time as said: hour 0..23 (or 1..12 with a mark), minute, and the mark that
    fixes the half of the day: None (bare), 'am', 'day', 'pm', 'night' or 'fixed' (noon,
    midnight, a zero-padded or 24-hour reading)."""

    h: int
    m: int
    mark: str | None = None
    # a zone named after the clock: an IANA name ("16:00 CET", «в 10 по Москве») or a
    # fixed offset in minutes east of UTC ("GMT+3")
    tzo: int | str | None = None

    def with_mark(self, mark: str | None) -> Clock:
        return Clock(self.h, self.m, mark, self.tzo)


def resolve_hour(c: Clock, pod: str | None = None) -> tuple[int, int]:
    """The 24-hour clock for `c` by CONVENTIONS rule 2; `pod` is a part of day said
    elsewhere in the text ("вечером", "tonight") used when the time itself has no mark."""
    h, m = c.h, c.m
    mark = c.mark or pod
    if h == 24:
        return 0, m
    if mark == "fixed" or h >= 13 or h == 0:
        return h, m
    if mark == "am":
        return (0 if h == 12 else h), m
    if mark == "day":
        return (h + 12 if h <= 7 else h), m
    if mark == "pm":
        return (h if h == 12 else h + 12), m
    if mark == "night":
        if h == 12:
            return 0, m
        return (h + 12 if h >= 9 else h), m
    # bare hour: 1-7 -> afternoon/evening, 8-11 morning, 12 noon
    return (h + 12 if 1 <= h <= 7 else h), m


@dataclass
class Mention:
    kind: str
    i: int
    j: int
    data: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.data.get(key)
