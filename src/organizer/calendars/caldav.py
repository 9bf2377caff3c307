"""CalDAV (Nextcloud, Radicale, iCloud, Fastmail …) through the `caldav` library's client.

Idempotency by the event UID, twice over:
- each event lives at a deterministic resource name, `<collection>/<uid>.ics`, and is
  created with `If-None-Match: *`, so a create re-sent after a lost answer or a crash
  gets 412 from the server instead of making a second resource;
- before creating, the uid is looked up — first that resource, then a
  `calendar-query` REPORT on UID — so an event stored under another name (put there
  by an older version or by hand) is reused instead of duplicated (RFC 4791 also
  forbids two resources with one UID in a collection).

The event id kept in the database is the resource URL.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urljoin
from xml.etree import ElementTree

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
from organizer.calendars.google import retry_after_s
from organizer.ical import vevent
from organizer.model import utcnow

_UID_QUERY = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  <C:filter>
    <C:comp-filter name="VCALENDAR">
      <C:comp-filter name="VEVENT">
        <C:prop-filter name="UID">
          <C:text-match collation="i;octet">{uid}</C:text-match>
        </C:prop-filter>
      </C:comp-filter>
    </C:comp-filter>
  </C:filter>
</C:calendar-query>
"""
_NS = {"D": "DAV:", "C": "urn:ietf:params:xml:ns:caldav"}
_ICS = "text/calendar; charset=utf-8"
# timeout, WebDAV 423 Locked (another client holds a lock: it goes away), rate limited
_TRANSIENT = (408, 423, 429)


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _has_uid(ics: str, uid: str) -> bool:
    unfolded = re.sub(r"\r?\n[ \t]", "", ics)
    return any(
        line.split(":", 1)[-1].strip() == uid
        for line in unfolded.splitlines()
        if line.upper().startswith("UID")
    )


class CalDavCalendar:
    name = "caldav"

    def __init__(
        self, url: str, *, username: str = "", password: str = "", timeout_s: float = 20.0
    ) -> None:
        from caldav import DAVClient

        self.url = url.rstrip("/") + "/"
        self.client = DAVClient(
            url=self.url,
            username=username or None,
            password=password or None,
            timeout=timeout_s,  # type: ignore[arg-type]
            rate_limit_handle=False,
            enable_rfc6764=False,
            require_tls=False,
        )

    def href_for(self, uid: str) -> str:
        return self.url + quote(uid, safe="@-._") + ".ics"

    # -- transport -------------------------------------------------------------

    def _req(
        self, url: str, method: str, body: str = "", headers: dict[str, str] | None = None
    ) -> Any:
        """One request; transport failures and retryable statuses become CalendarError."""
        from caldav.lib import error
        from caldav.lib.http_sync import requests as http

        what = f"{method} {url}"
        try:
            resp = self.client.request(url, method, body, headers or {})
        except error.RateLimitError as e:
            raise CalendarError(
                f"{what}: rate limited", retryable=True, retry_after_s=e.retry_after_seconds
            ) from None
        except error.AuthorizationError as e:
            raise CalendarError(
                f"{what}: not authorized ({e}); check CALDAV_USERNAME/CALDAV_PASSWORD",
                retryable=False,
            ) from None
        except (OSError, http.exceptions.RequestException) as e:
            raise CalendarError(f"{what}: {type(e).__name__}: {e}", retryable=True) from None
        except (error.DAVError, SyntaxError) as e:  # e.g. an unparsable (garbage) multistatus
            raise CalendarError(f"{what}: {type(e).__name__}: {e}", retryable=True) from None
        status = int(resp.status)
        if status in _TRANSIENT or status >= 500:
            raise CalendarError(
                f"{what}: HTTP {status}",
                retryable=True,
                retry_after_s=retry_after_s(resp.headers.get("Retry-After")),
            )
        return resp

    @staticmethod
    def _body(resp: Any) -> str:
        raw = getattr(resp, "_raw", None)
        if isinstance(raw, bytes):
            return raw.decode("utf-8", "replace")
        if raw is None:  # parsed XML: caldav keeps only the tree
            try:
                return str(resp.raw or "")
            except (ValueError, TypeError):
                return ""
        return str(raw)

    def _fail(self, resp: Any, what: str) -> CalendarError:
        """An answer we cannot use: a 2xx of the wrong kind is garbage (retry), a 4xx is not."""
        status = int(resp.status)
        if status < 300:
            return CalendarError(f"{what}: unexpected HTTP {status} (garbage)", retryable=True)
        return CalendarError(f"{what}: HTTP {status}", retryable=False)

    # -- operations ------------------------------------------------------------

    def find(self, uid: str) -> str | None:
        href = self.href_for(uid)
        resp = self._req(href, "GET")
        if resp.status == 200 and _has_uid(self._body(resp), uid):
            return href
        if resp.status not in (200, 404, 410):
            raise self._fail(resp, "look-up")
        resp = self._req(
            self.url,
            "REPORT",
            _UID_QUERY.format(uid=_xml_escape(uid)),
            {"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
        )
        if resp.status != 207:
            raise self._fail(resp, "look-up REPORT")
        try:
            root = ElementTree.fromstring(self._body(resp))
        except ElementTree.ParseError as e:
            raise CalendarError(f"look-up: garbage multistatus: {e}", retryable=True) from None
        for r in root.findall("D:response", _NS):
            href_el = r.find("D:href", _NS)
            data = r.find(".//C:calendar-data", _NS)
            if href_el is None or not href_el.text:
                continue
            if data is not None and data.text and not _has_uid(data.text, uid):
                continue  # text-match is a substring match
            return urljoin(self.url, href_el.text)
        return None

    def _put(self, url: str, spec: EventSpec, *, create: bool) -> Any:
        headers = {"Content-Type": _ICS}
        if create:
            headers["If-None-Match"] = "*"
        return self._req(url, "PUT", vevent(spec, utcnow()), headers)

    def upsert(self, spec: EventSpec, event_id: str | None) -> Outcome:
        if event_id:
            resp = self._put(event_id, spec, create=False)
            if resp.status in (200, 201, 204):
                return Outcome(event_id, UPDATED)
            raise self._fail(resp, "update")
        found = self.find(spec.uid)
        if found:
            resp = self._put(found, spec, create=False)
            if resp.status in (200, 201, 204):
                return Outcome(found, REUSED)
            raise self._fail(resp, "update")
        href = self.href_for(spec.uid)
        resp = self._put(href, spec, create=True)
        if resp.status in (200, 201, 204):
            return Outcome(href, CREATED)
        if resp.status == 412:  # created meanwhile (a re-sent request): reuse it
            resp = self._put(href, spec, create=False)
            if resp.status in (200, 201, 204):
                return Outcome(href, REUSED)
        raise self._fail(resp, "create")

    def delete(self, uid: str, event_id: str | None) -> Outcome:
        target = event_id or self.find(uid)
        if not target:
            return Outcome(None, SKIP)
        resp = self._req(target, "DELETE")
        if resp.status in (200, 202, 204):
            return Outcome(None, DELETED)
        if resp.status in (404, 410):
            return Outcome(None, SKIP)
        raise self._fail(resp, "delete")

    def check(self) -> str:
        resp = self._req(
            self.url,
            "PROPFIND",
            '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/>'
            "</D:prop></D:propfind>",
            {"Depth": "0", "Content-Type": "application/xml; charset=utf-8"},
        )
        if resp.status != 207:
            raise CalendarError(
                f"CalDAV collection {self.url} answered HTTP {resp.status} (CALDAV_URL)",
                retryable=resp.status >= 500,
            )
        return f"caldav collection {self.url} reachable"
