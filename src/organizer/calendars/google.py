"""Google Calendar v3 through google-api-python-client and a service account.

Idempotency: every insert carries the item's fixed iCalUID, and Google refuses a
second event with the same iCalUID in a calendar (409 "The requested identifier
already exists"). That matters because httplib2 silently re-sends a POST once when
the connection drops, even with `num_retries=0`: the re-sent insert gets 409, and a
409 means "already there — look it up and reuse it". Before creating, the uid is
looked up anyway (`events.list(iCalUID=…, showDeleted=True)`), so a crash between the
remote create and the local write costs one look-up, not a duplicate.

`insert` rather than `import`: import silently overwrites an existing event with the
same iCalUID and makes a "private copy" (no attendees semantics); insert gives us the
409 signal and an ordinary event.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import time
from pathlib import Path
from typing import Any

from organizer.calendars.base import (
    CREATED,
    DELETED,
    REUSED,
    SKIP,
    UPDATED,
    CalendarError,
    EventSpec,
    Outcome,
)
from organizer.ical import exdate_lines, local_span

SCOPES = ["https://www.googleapis.com/auth/calendar.events"]
DEFAULT_ENDPOINT = "https://www.googleapis.com/calendar/v3/"
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"})


class GoogleHttpError(CalendarError):
    """An HTTP error answer from the Calendar API, classified."""

    def __init__(self, message: str, *, status: int, reason: str | None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.status = status
        self.reason = reason


def event_body(spec: EventSpec) -> dict[str, Any]:
    """The Calendar v3 event resource for `spec`."""
    start, end = local_span(spec)
    if spec.all_day:
        s: dict[str, str] = {"date": start.isoformat()}
        e: dict[str, str] = {"date": end.isoformat()}
        if spec.rrule:  # Calendar v3 requires a timeZone on start/end of a recurring event
            s["timeZone"] = e["timeZone"] = spec.tz
    else:
        s = {"dateTime": start.isoformat(), "timeZone": spec.tz}
        e = {"dateTime": end.isoformat(), "timeZone": spec.tz}
    body: dict[str, Any] = {
        "iCalUID": spec.uid,
        "summary": spec.title,
        "start": s,
        "end": e,
        "status": "confirmed",
    }
    if spec.rrule:
        body["recurrence"] = [f"RRULE:{spec.rrule.removeprefix('RRULE:')}", *exdate_lines(spec)]
    if spec.description:
        body["description"] = spec.description
    return body


def retry_after_s(value: str | None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _reason(content: bytes | str | None) -> tuple[str | None, str]:
    """(first error reason, message) from a Google JSON error body, tolerant of garbage."""
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    try:
        err = json.loads(content or "")["error"]
        errors = err.get("errors") or [{}]
        return errors[0].get("reason"), str(err.get("message") or "")
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):
        return None, (content or "")[:200]


class GoogleCalendar:
    name = "google"

    def __init__(
        self,
        calendar_id: str,
        sa_file: Path,
        *,
        api_endpoint: str = "",
        timeout_s: float = 20.0,
    ) -> None:
        import google_auth_httplib2
        import httplib2
        from google.oauth2 import service_account
        from googleapiclient.discovery import build

        self.calendar_id = calendar_id
        try:
            creds = service_account.Credentials.from_service_account_file(
                str(sa_file), scopes=SCOPES
            )
        except FileNotFoundError:
            raise CalendarError(
                f"service-account file {sa_file} does not exist (GOOGLE_SA_FILE)",
                retryable=True,
            ) from None
        except (OSError, ValueError, KeyError) as e:
            raise CalendarError(
                f"cannot use service-account file {sa_file}: {e}", retryable=True
            ) from None
        self.http = google_auth_httplib2.AuthorizedHttp(
            creds, http=httplib2.Http(timeout=timeout_s)
        )
        self.endpoint = api_endpoint or DEFAULT_ENDPOINT
        self.service = build(
            "calendar",
            "v3",
            http=self.http,
            static_discovery=True,
            cache_discovery=False,
            client_options={"api_endpoint": self.endpoint},
        )

    # -- transport -------------------------------------------------------------

    def _run(self, request: Any, what: str) -> Any:
        """Execute one request (no library retries); every failure becomes CalendarError."""
        import httplib2
        from google.auth import exceptions as gexc
        from googleapiclient.errors import HttpError

        try:
            return request.execute(num_retries=0)
        except HttpError as e:
            raise self._classify(e, what) from None
        except gexc.RefreshError as e:
            raise CalendarError(f"{what}: token refresh failed: {e}", retryable=True) from None
        except gexc.TransportError as e:
            raise CalendarError(f"{what}: token transport: {e}", retryable=True) from None
        except (OSError, http.client.HTTPException, httplib2.HttpLib2Error) as e:
            # RemoteDisconnected, ConnectionResetError, timeouts, refused: like a 5xx.
            raise CalendarError(f"{what}: {type(e).__name__}: {e}", retryable=True) from None
        except ValueError as e:  # a 2xx whose body is not JSON
            raise CalendarError(f"{what}: garbage response: {e}", retryable=True) from None

    def _classify(self, e: Any, what: str) -> GoogleHttpError:
        status = int(e.resp.status)
        reason, message = _reason(e.content)
        after = retry_after_s(e.resp.get("retry-after"))
        text = f"{what}: HTTP {status} {reason or ''} {message}".strip()
        retryable = (
            status in (408, 429)
            or status >= 500
            or (status == 403 and reason in RATE_REASONS)
        )
        return GoogleHttpError(
            text, status=status, reason=reason, retryable=retryable, retry_after_s=after
        )

    @staticmethod
    def _id(event: Any, what: str) -> str:
        if not isinstance(event, dict) or not isinstance(event.get("id"), str):
            raise CalendarError(f"{what}: garbage response (no event id)", retryable=True)
        return event["id"]

    # -- operations ------------------------------------------------------------

    def _lookup(self, uid: str, *, include_deleted: bool) -> dict[str, Any] | None:
        resp = self._run(
            self.service.events().list(
                calendarId=self.calendar_id,
                iCalUID=uid,
                showDeleted=include_deleted,
                maxResults=10,
            ),
            "look-up",
        )
        items = resp.get("items") if isinstance(resp, dict) else None
        if not isinstance(items, list):
            raise CalendarError("look-up: garbage response (no items)", retryable=True)
        events = [ev for ev in items if isinstance(ev, dict) and ev.get("iCalUID") == uid]
        live = [ev for ev in events if ev.get("status") != "cancelled"]
        chosen = (live or events or [None])[0]
        if chosen is not None:
            self._id(chosen, "look-up")
        return chosen

    def find(self, uid: str) -> str | None:
        ev = self._lookup(uid, include_deleted=False)
        return ev["id"] if ev else None

    def _update(self, event_id: str, body: dict[str, Any]) -> str:
        """Full replace of the event (a dropped RRULE really goes); the uid cannot change."""
        body = {k: v for k, v in body.items() if k != "iCalUID"}
        ev = self._run(
            self.service.events().update(
                calendarId=self.calendar_id, eventId=event_id, body=body
            ),
            "update",
        )
        return self._id(ev, "update")

    def upsert(self, spec: EventSpec, event_id: str | None) -> Outcome:
        body = event_body(spec)
        if event_id:
            try:
                return Outcome(self._update(event_id, body), UPDATED)
            except GoogleHttpError as e:
                if e.status not in (404, 410):
                    raise
        found = self._lookup(spec.uid, include_deleted=True)
        if found is not None:
            return Outcome(self._update(found["id"], body), REUSED)
        try:
            ev = self._run(
                self.service.events().insert(calendarId=self.calendar_id, body=body), "insert"
            )
            return Outcome(self._id(ev, "insert"), CREATED)
        except GoogleHttpError as e:
            if e.status != 409:
                raise
        # 409: the uid is already there (our own re-sent insert, or a crash earlier).
        found = self._lookup(spec.uid, include_deleted=True)
        if found is None:
            raise CalendarError("insert: 409 but the uid is not found", retryable=True)
        return Outcome(self._update(found["id"], body), REUSED)

    def delete(self, uid: str, event_id: str | None) -> Outcome:
        if not event_id:
            ev = self._lookup(uid, include_deleted=False)
            if ev is None:
                return Outcome(None, SKIP)
            event_id = ev["id"]
        try:
            self._run(
                self.service.events().delete(calendarId=self.calendar_id, eventId=event_id),
                "delete",
            )
        except GoogleHttpError as e:
            if e.status in (404, 410):  # already gone: what we wanted
                return Outcome(None, SKIP)
            raise
        return Outcome(None, DELETED)

    def check(self) -> str:
        resp = self._run(
            self.service.events().list(calendarId=self.calendar_id, maxResults=1), "check"
        )
        if not isinstance(resp, dict):
            raise CalendarError("check: garbage response", retryable=True)
        return f"google calendar {self.calendar_id} reachable at {self.endpoint}"
