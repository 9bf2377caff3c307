"""CALENDAR_BACKEND=none: meetings stay in the organizer's own database.

There is no remote side, so nothing is ever retried: the sync job marks such items
LOCAL (see organizer.sync). This class exists so code that wants "a calendar" can
hold one that does nothing and says so.
"""

from __future__ import annotations

from organizer.calendars.base import SKIP, EventSpec, Outcome


class NoCalendar:
    name = "none"

    def find(self, uid: str) -> str | None:
        return None

    def upsert(self, spec: EventSpec, event_id: str | None) -> Outcome:
        return Outcome(None, SKIP)

    def delete(self, uid: str, event_id: str | None) -> Outcome:
        return Outcome(None, SKIP)

    def check(self) -> str:
        return "none: meetings are kept locally"
