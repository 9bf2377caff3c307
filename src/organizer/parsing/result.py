"""ParseResult: what `parse` says of one message (the JSON of `organizer parse`).

Its own module so that the stages run after the grammar (shift, split) can build
results without importing the parser that calls them (no import circle).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ParseResult:
    intent: str
    title: str | None
    start: datetime | None
    end: datetime | None
    all_day: bool
    rrule: str | None
    needs: tuple[str, ...]
    # followup: a relative move ("на час позже"), docs/PARSING.md "Relative shifts"
    shift_minutes: int | None = None
    shift_days: int | None = None
    # lists lane (docs/PARSING.md "Lists and search"): additive, in to_dict only when set
    list: str | None = None  # 'tasks' | 'notes' on an agenda record asking for a list
    search: str | None = None  # the query, on an unknown record asking to find something
    # the IANA zone named in the message ("at 3pm CET"), the clock having been read there;
    # in the JSON only when one was named (parsing/zones.py)
    zone: str | None = None
    # Several items in one message (parsing/split.py): each item, the first one also in
    # the fields above; `text` is what an item was read from (its part of the message).
    items: tuple[ParseResult, ...] = ()
    text: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "intent": self.intent,
            "title": self.title,
            "start": _iso(self.start),
            "end": _iso(self.end),
            "all_day": self.all_day,
            "rrule": self.rrule,
            "needs": list(self.needs),
        }
        for key in ("shift_minutes", "shift_days"):  # additive: only when said
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        out.update({k: v for k, v in (("list", self.list), ("search", self.search)) if v})
        if self.zone is not None:
            out["zone"] = self.zone
        if self.items:
            out["items"] = [{**i.to_dict(), "text": i.text} for i in self.items]
        return out


def _iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.isoformat(timespec="seconds")
