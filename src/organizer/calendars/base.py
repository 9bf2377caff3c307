"""The contract every calendar backend keeps (google, caldav, none).

A backend is a thin, idempotent adapter: every method may be called again after a
crash or a lost response and still leaves exactly one event per iCalUID. The sync
state machine (organizer.sync) decides *when* to call it; the backend decides only
*how* to talk to its server and how to classify a failure (`CalendarError.retryable`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

# What a call did, as logged by organizer.sync: `calendar item=42 state=SYNCED event=abc (created)`.
CREATED, REUSED, UPDATED, DELETED, SKIP = "created", "reused", "updated", "deleted", "skip"


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
    # cancelled occurrences of the series (aware; each one an occurrence's start): EXDATEs
    exdates: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """The result of one backend call: the event id now in the calendar, and the action."""

    event_id: str | None
    action: str  # CREATED | REUSED | UPDATED | DELETED | SKIP


class CalendarError(Exception):
    """A remote failure. `retryable` decides between backoff and FAILED."""

    def __init__(self, message: str, *, retryable: bool, retry_after_s: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after_s = retry_after_s


class Calendar(Protocol):
    name: str

    def find(self, uid: str) -> str | None:
        """The event id of the (not deleted) event with this iCalUID, or None."""

    def upsert(self, spec: EventSpec, event_id: str | None) -> Outcome:
        """Make the calendar hold exactly one event for `spec.uid`, matching `spec`.

        With a known `event_id` the event is updated in place; without one (or when it
        has vanished) the uid is looked up first and an existing event is reused, and
        only then created — with the uid fixed in the request, so a create that is
        re-sent after a lost response is refused by the server instead of duplicated.
        """

    def delete(self, uid: str, event_id: str | None) -> Outcome:
        """Remove the event; an event already gone is success (action SKIP)."""

    def check(self) -> str:
        """Reachability for `organizer doctor`: a short description, or raise CalendarError."""
