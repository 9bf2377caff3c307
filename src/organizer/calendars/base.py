"""The contract every calendar backend keeps (google, caldav, none)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class EventSpec:
    """What the organizer wants in the calendar for one item."""

    uid: str  # deterministic iCalUID (organizer.ical.event_uid)
    title: str
    start: datetime  # aware
    end: datetime | None  # aware; exclusive end (all-day: midnight after the last day)
    all_day: bool
    tz: str  # IANA zone the wall time came from
    rrule: str | None = None  # RFC 5545 body, e.g. FREQ=WEEKLY;BYDAY=MO
    description: str | None = None


class CalendarError(Exception):
    """A remote failure. `retryable` decides between backoff and FAILED."""

    def __init__(self, message: str, *, retryable: bool, retry_after_s: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after_s = retry_after_s


class Calendar(Protocol):
    name: str

    def find(self, uid: str) -> str | None:
        """The event id of the event with this iCalUID, or None."""

    def upsert(self, spec: EventSpec, event_id: str | None) -> str:
        """Create or update idempotently (look up by uid before creating); returns event id."""

    def delete(self, uid: str, event_id: str | None) -> None:
        """Remove the event; an event already gone is success."""

    def check(self) -> str:
        """Reachability for `organizer doctor`: a short description, or raise CalendarError."""
