"""`organizer doctor`'s calendar check: is the configured calendar reachable?"""

from __future__ import annotations

from organizer.checks import Check
from organizer.config import Settings


def check_calendar(settings: Settings) -> Check:
    """OK with what answered, FAIL with the error and the setting to look at."""
    from organizer.calendars import make_calendar
    from organizer.calendars.base import CalendarError

    backend = settings.calendar_backend
    if backend == "none":
        return Check("calendar", "OK", "CALENDAR_BACKEND=none: meetings are kept locally")
    hint = {
        "google": "check GOOGLE_SA_FILE, GOOGLE_CALENDAR_ID (shared with the service account) "
        "and GOOGLE_CALENDAR_API_ENDPOINT",
        "caldav": "check CALDAV_URL (the calendar collection), CALDAV_USERNAME and CALDAV_PASSWORD",
    }.get(backend, "")
    try:
        cal = make_calendar(settings)
        assert cal is not None
        detail = cal.check()
    except CalendarError as e:
        return Check("calendar", "FAIL", f"{backend}: {e}; {hint}")
    except Exception as e:  # a library error must not hide the other checks
        return Check("calendar", "FAIL", f"{backend}: {type(e).__name__}: {e}; {hint}")
    return Check("calendar", "OK", detail)
