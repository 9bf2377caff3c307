"""A small Google Calendar v3 server of our own, for the real google-api-python-client.

It speaks the routes organizer uses — the OAuth2 token endpoint a service account
posts its signed JWT to, and events insert / import / list (with iCalUID and
showDeleted) / get / update / patch / delete — and keeps Google's rules that matter
for exactly-once: an iCalUID is unique in a calendar (a second insert gets 409
"The requested identifier already exists"), a deleted event stays as `cancelled`
(a second delete gets 410), and list hides cancelled events unless showDeleted.

Switches for failure tests: `fail(route, …)` queues faults (an HTTP status with a
Google error reason and Retry-After, a garbage 200, a dropped connection before or
after the operation is applied, a slow answer); `down` answers 503 to everything;
`delay_after_apply` sleeps between applying a write and answering it, which widens
the window a crash test kills the worker in. Stdlib only: ThreadingHTTPServer.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import random
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

API_PREFIX = "/calendar/v3/"
GOOGLE_TOKEN_AUD = "https://oauth2.googleapis.com/token"
ROUTES = ("token", "insert", "import", "list", "get", "update", "patch", "delete", "calendar")


@dataclass
class Fault:
    route: str  # one of ROUTES or "*"
    status: int | None = None  # answer this HTTP status
    reason: str | None = None  # Google error reason (rateLimitExceeded, …)
    retry_after: str | None = None
    garbage: bool = False  # 200 with a body that is not JSON
    drop: bool = False  # close the connection without an answer, before applying
    drop_after_apply: bool = False  # apply the write, then close without an answer
    slow_s: float = 0.0  # sleep before answering
    times: int = 1


@dataclass
class Stats:
    requests: dict[str, int] = field(default_factory=dict)
    answered: dict[int, int] = field(default_factory=dict)
    created: int = 0  # events actually created (insert or import of a new uid)
    client_gone: int = 0  # answers the client was no longer there to read (killed)


def _error_body(status: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "error": {
            "errors": [{"domain": "global", "reason": reason, "message": message}],
            "code": status,
            "message": message,
        }
    }


def _series_without_zone(body: dict[str, Any]) -> bool:
    """Google refuses a recurring event whose start or end has no timeZone (all-day too)."""
    if not body.get("recurrence"):
        return False
    return any(
        not isinstance(body.get(k), dict) or not body[k].get("timeZone") for k in ("start", "end")
    )


def _b64url_json(part: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


class FakeGoogleCalendar:
    def __init__(self, *, public_key: Any = None, unique_ical_uid: bool = True) -> None:
        self.public_key = public_key  # cryptography RSA public key: JWTs are verified
        self.unique_ical_uid = unique_ical_uid
        self.lock = threading.Lock()
        self.events: dict[tuple[str, str], dict[str, Any]] = {}
        self.faults: list[Fault] = []
        self.tokens: set[str] = set()
        self.down = False
        self.delay_after_apply: tuple[float, float] = (0.0, 0.0)
        self.stats = Stats()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # -- life ------------------------------------------------------------------

    def start(self) -> FakeGoogleCalendar:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.fake = self
        self._server.daemon_threads = True
        port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def api_endpoint(self) -> str:
        return self.url + API_PREFIX

    @property
    def token_uri(self) -> str:
        return self.url + "/token"

    # -- switches and views ----------------------------------------------------

    def fail(self, route: str, **kw: Any) -> None:
        with self.lock:
            self.faults.append(Fault(route, **kw))

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def all_events(self, calendar_id: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [
                dict(ev)
                for (cal, _), ev in self.events.items()
                if calendar_id is None or cal == calendar_id
            ]

    def live_events(self, calendar_id: str | None = None) -> list[dict[str, Any]]:
        return [ev for ev in self.all_events(calendar_id) if ev.get("status") != "cancelled"]

    def by_uid(self, uid: str) -> list[dict[str, Any]]:
        return [ev for ev in self.all_events() if ev.get("iCalUID") == uid]

    def _take_fault(self, route: str) -> Fault | None:
        with self.lock:
            for f in self.faults:
                if f.route in (route, "*"):
                    f.times -= 1
                    if f.times <= 0:
                        self.faults.remove(f)
                    return f
        return None

    # -- the calendar ----------------------------------------------------------

    def _new_event(self, cal: str, body: dict[str, Any]) -> dict[str, Any]:
        event_id = f"ev{next(self._ids):06d}"
        now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        ev = {k: v for k, v in body.items() if k not in ("id", "kind", "etag")}
        ev.update(
            kind="calendar#event",
            id=event_id,
            etag=f'"{event_id}-1"',
            status=body.get("status") or "confirmed",
            iCalUID=body.get("iCalUID") or f"{event_id}@google.com",
            created=now,
            updated=now,
            htmlLink=f"{self.url}/event?eid={event_id}",
        )
        self.events[(cal, event_id)] = ev
        self.stats.created += 1
        return ev

    def _find_uid(self, cal: str, uid: str) -> dict[str, Any] | None:
        for (c, _), ev in self.events.items():
            if c == cal and ev.get("iCalUID") == uid:
                return ev
        return None

    def _insert(self, route: str, cal: str, body: Any) -> tuple[int, Any]:
        """insert / import of one event (the lock is held by `apply`)."""
        if not isinstance(body, dict) or "start" not in body or "end" not in body:
            return 400, _error_body(400, "required", "Missing start or end.")
        if _series_without_zone(body):
            return 400, _error_body(
                400, "required", "Missing time zone definition for start time."
            )
        uid = body.get("iCalUID")
        if route == "import" and not uid:
            return 400, _error_body(400, "required", "Missing iCalUID.")
        old = self._find_uid(cal, uid) if uid else None
        if old is not None and route == "import":
            old.update({k: v for k, v in body.items() if k not in ("id", "iCalUID")})
            old.setdefault("status", "confirmed")
            return 200, dict(old)
        if old is not None and self.unique_ical_uid:
            return 409, _error_body(
                409, "duplicate", "The requested identifier already exists."
            )
        return 200, dict(self._new_event(cal, body))

    def apply(
        self, route: str, cal: str, event_id: str | None, query: dict[str, str], body: Any
    ) -> tuple[int, Any]:
        """Do one API operation; returns (status, JSON body or None)."""
        with self.lock:
            if route == "calendar":
                return 200, {"kind": "calendar#calendar", "id": cal, "summary": cal}
            if route in ("insert", "import"):
                return self._insert(route, cal, body)
            if route == "list":
                show_deleted = query.get("showDeleted", "false") == "true"
                uid = query.get("iCalUID")
                items = [
                    dict(ev)
                    for (c, _), ev in self.events.items()
                    if c == cal
                    and (uid is None or ev.get("iCalUID") == uid)
                    and (show_deleted or ev.get("status") != "cancelled")
                ]
                return 200, {"kind": "calendar#events", "summary": cal, "items": items}
            ev = self.events.get((cal, event_id or ""))
            if ev is None:
                return 404, _error_body(404, "notFound", "Not Found")
            if route == "get":
                return 200, dict(ev)
            if route in ("update", "patch"):
                if not isinstance(body, dict):
                    return 400, _error_body(400, "parseError", "Parse Error")
                if route == "update" and _series_without_zone(body):
                    return 400, _error_body(
                        400, "required", "Missing time zone definition for start time."
                    )
                if route == "update":
                    keep = {k: ev[k] for k in ("kind", "id", "iCalUID", "created", "htmlLink")}
                    ev.clear()
                    ev.update(keep)
                    ev.update({k: v for k, v in body.items() if k not in keep})
                    ev.setdefault("status", "confirmed")
                else:
                    ev.update({k: v for k, v in body.items() if k not in ("id", "iCalUID")})
                ev["updated"] = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
                ev["etag"] = f'"{ev["id"]}-{time.monotonic_ns()}"'
                return 200, dict(ev)
            if route == "delete":
                if ev.get("status") == "cancelled":
                    return 410, _error_body(410, "deleted", "Resource has been deleted")
                ev["status"] = "cancelled"
                return 204, None
        return 404, _error_body(404, "notFound", "Not Found")

    def issue_token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        assertion = form.get("assertion", "")
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return 400, {"error": "unsupported_grant_type"}
        try:
            header_b64, claims_b64, sig_b64 = assertion.split(".")
            claims = _b64url_json(claims_b64)
            if self.public_key is not None:
                from cryptography.hazmat.primitives import hashes
                from cryptography.hazmat.primitives.asymmetric import padding

                sig = base64.urlsafe_b64decode(sig_b64 + "=" * (-len(sig_b64) % 4))
                self.public_key.verify(
                    sig,
                    f"{header_b64}.{claims_b64}".encode(),
                    padding.PKCS1v15(),
                    hashes.SHA256(),
                )
            # google-auth signs for Google's token audience whatever token_uri says.
            if claims.get("aud") not in (self.token_uri, GOOGLE_TOKEN_AUD) or not claims.get(
                "iss"
            ):
                raise ValueError("bad aud/iss")
        except Exception:
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        token = f"tok-{next(self._ids)}-{random.getrandbits(32):08x}"
        with self.lock:
            self.tokens.add(token)
        return 200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}


class _Server(ThreadingHTTPServer):
    fake: FakeGoogleCalendar

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client killed mid-request (the crash tests do that): count it, stay quiet."""
        with self.fake.lock:
            self.fake.stats.client_gone += 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_fake: FakeGoogleCalendar

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        fake = self.server_fake
        with fake.lock:
            fake.stats.answered[status] = fake.stats.answered.get(status, 0) + 1
        if payload is None:
            data = b""
        elif isinstance(payload, bytes):
            data = payload
        else:
            data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if data:
            self.wfile.write(data)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(2)

    def _route(self) -> tuple[str, str, str | None, dict[str, str]]:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if self.command == "POST" and parts.path == "/token":
            return "token", "", None, query
        if not parts.path.startswith(API_PREFIX):
            return "", "", None, query
        segs = [unquote(s) for s in parts.path[len(API_PREFIX) :].split("/")]
        if len(segs) == 2 and segs[0] == "calendars" and self.command == "GET":
            return "calendar", segs[1], None, query
        if len(segs) < 3 or segs[0] != "calendars" or segs[2] != "events":
            return "", "", None, query
        cal = segs[1]
        if len(segs) == 3:
            return ("insert" if self.command == "POST" else "list"), cal, None, query
        if len(segs) == 4 and segs[3] == "import" and self.command == "POST":
            return "import", cal, None, query
        if len(segs) == 4:
            route = {"GET": "get", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}.get(
                self.command, ""
            )
            return route, cal, segs[3], query
        return "", "", None, query

    def _handle(self) -> None:
        fake = self.server_fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        route, cal, event_id, query = self._route()
        with fake.lock:
            fake.stats.requests[route or "?"] = fake.stats.requests.get(route or "?", 0) + 1
        if not route:
            self._send(404, _error_body(404, "notFound", f"no route {self.command} {self.path}"))
            return
        fault = fake._take_fault(route)
        if fault and fault.slow_s:
            time.sleep(fault.slow_s)
        if fault and fault.drop:
            self._drop()
            return
        if fake.down and route != "token":
            self._send(503, _error_body(503, "backendError", "Backend Error"))
            return
        if fault and fault.status:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
            reason = fault.reason or ("backendError" if fault.status >= 500 else "error")
            self._send(fault.status, _error_body(fault.status, reason, reason), headers)
            return
        if fault and fault.garbage:
            self._send(200, b"<html><body>502 Bad Gateway (garbage)</body></html>")
            return
        if route == "token":
            form = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
            self._send(*fake.issue_token(form))
            return
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in fake.tokens:
            self._send(
                401,
                _error_body(401, "authError", "Invalid Credentials"),
                {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
            )
            return
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            self._send(400, _error_body(400, "parseError", "Parse Error"))
            return
        status, payload = fake.apply(route, cal, event_id, query, body)
        if route in ("insert", "import", "update", "patch", "delete"):
            lo, hi = fake.delay_after_apply
            if hi > 0:
                time.sleep(random.uniform(lo, hi))
        if fault and fault.drop_after_apply:
            self._drop()
            return
        self._send(status, payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle
