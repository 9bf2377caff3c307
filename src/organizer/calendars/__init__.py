"""Calendar backends: idempotent remote effects keyed by a deterministic iCalUID."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from organizer.calendars.base import Calendar
    from organizer.config import Settings


def make_calendar(settings: Settings) -> Calendar | None:
    """The backend CALENDAR_BACKEND names (None for `none`). Heavy imports happen here."""
    backend = settings.calendar_backend
    if backend == "google":
        from organizer.calendars.google import GoogleCalendar

        return GoogleCalendar(
            settings.google_calendar_id,
            settings.google_sa_file,
            api_endpoint=settings.google_calendar_api_endpoint,
        )
    if backend == "caldav":
        from organizer.calendars.caldav import CalDavCalendar

        return CalDavCalendar(
            settings.caldav_url,
            username=settings.caldav_username,
            password=settings.caldav_password,
        )
    return None
