"""The worker's side of `organizer asr`: send a voice note, get a Transcript.

Retries belong to the worker's queue (its attempts budget and backoff), so this
client sorts failures into two kinds and otherwise gets out of the way:

- `AsrRetryable(message, retry_after_s)`: the service is busy (429, honouring
  Retry-After), loading or broken (5xx), slow (timeout), down (connection error), or
  got our upload too slowly (408).
  Trying again later may work. Only a refused connection is retried once here, quickly,
  since a restarting service is back within a moment.
- `AsrFailed(message)`: the service understood the request and said no (4xx: bad audio,
  too long, unknown language). Trying again will not help.

Several ASR services (ASR_SERVICE_URL=url1,url2,…, issue 19): requests are spread over
them in turn; one that refuses, fails (5xx) or is busy (429) is skipped for a cool-off
(its Retry-After, at least COOL_OFF_S) and the same note goes to the next one at once. A
timeout is not retried elsewhere within the call: the slow service may still be working
on the note, and the queue's back-off decides. All skipped → the last AsrRetryable.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx

from organizer.config import Settings

CONNECT_TIMEOUT_S = 5.0
CONNECT_RETRY_PAUSE_S = 0.5
DEFAULT_RETRY_AFTER_S = 5.0
COOL_OFF_S = 30.0


class AsrError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AsrRetryable(AsrError):
    """Worth another attempt after `retry_after_s` (elsewhere at once when `elsewhere`)."""

    def __init__(
        self, message: str, retry_after_s: float = DEFAULT_RETRY_AFTER_S, *, elsewhere: bool = True
    ) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
        self.elsewhere = elsewhere


class AsrFailed(AsrError):
    """The audio or the request is bad; another attempt will fail the same way."""


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str | None
    duration_s: float
    processing_s: float
    truncated: bool = False
    segments: tuple[dict[str, Any], ...] = field(default=(), repr=False)


class Replicas:
    """Which ASR service gets the next note: in turn, skipping those cooling off."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._turn = 0
        self._down_until: dict[str, float] = {}

    def order(self, urls: tuple[str, ...], now: float) -> list[str]:
        """Every URL once: the healthy ones from this turn on, then the resting ones,
        soonest back first (all resting still means trying, rather than failing)."""
        with self._lock:
            start = self._turn % len(urls)
            self._turn += 1
            turn = list(urls[start:] + urls[:start])
            healthy = [u for u in turn if self._down_until.get(u, 0.0) <= now]
            resting = sorted((u for u in turn if u not in healthy), key=self._down_until.__getitem__)
            return healthy + resting

    def rest(self, url: str, seconds: float, now: float) -> None:
        with self._lock:
            self._down_until[url] = now + seconds

    def ok(self, url: str) -> None:
        with self._lock:
            self._down_until.pop(url, None)

    def resting(self, now: float) -> list[str]:
        with self._lock:
            return [u for u, until in self._down_until.items() if until > now]


REPLICAS = Replicas()


def _retry_after(response: httpx.Response, default: float) -> float:
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:  # HTTP-date form
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return default


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
        if isinstance(body, dict) and body.get("detail"):
            detail = body["detail"]
            return detail if isinstance(detail, str) else str(detail)
    except ValueError:
        pass
    return (response.text or response.reason_phrase).strip()[:300]


def timeout_for(settings: Settings) -> httpx.Timeout:
    return httpx.Timeout(
        connect=CONNECT_TIMEOUT_S,
        read=settings.asr_http_read_timeout,
        write=30.0,
        pool=CONNECT_TIMEOUT_S,
    )


def transcribe(
    settings: Settings,
    audio_path: Path,
    language: str | None = None,
    *,
    client: httpx.Client | None = None,
) -> Transcript:
    """POST `audio_path` to an ASR service's /asr; `language` None means ASR_LANGUAGE."""
    try:
        data = Path(audio_path).read_bytes()
    except OSError as e:
        raise AsrFailed(f"cannot read {audio_path}: {e.strerror}") from None
    params = {"language": language} if language else {}
    files = {"file": (Path(audio_path).name, data, "audio/ogg")}
    urls = settings.asr_service_urls
    own = client is None
    http = client or httpx.Client(timeout=timeout_for(settings))
    try:
        return _spread(http, urls, params, files)
    finally:
        if own:
            http.close()


def _spread(
    http: httpx.Client, urls: tuple[str, ...], params: dict[str, str], files: dict[str, Any]
) -> Transcript:
    last: AsrRetryable | None = None
    for base in REPLICAS.order(urls, time.monotonic()):
        url = base + "/asr"
        try:
            transcript = _interpret(_post(http, url, params, files, quick_retry=len(urls) == 1), url)
        except AsrRetryable as e:
            REPLICAS.rest(base, max(COOL_OFF_S, e.retry_after_s), time.monotonic())
            last = e
            if not e.elsewhere:
                raise
            continue
        REPLICAS.ok(base)
        return transcript
    assert last is not None
    raise last


def _post(http: httpx.Client, url: str, params: dict[str, str], files: dict[str, Any],
          *, quick_retry: bool = True) -> httpx.Response:
    for attempt in (1, 2):
        try:
            return http.post(url, params=params, files=files)
        except httpx.ConnectError as e:
            if attempt == 1 and quick_retry:
                time.sleep(CONNECT_RETRY_PAUSE_S)
                continue
            raise AsrRetryable(f"ASR service at {url} is not reachable: {e}") from None
        except httpx.TimeoutException as e:
            raise AsrRetryable(
                f"ASR service at {url} timed out ({type(e).__name__}); "
                "ASR_HTTP_READ_TIMEOUT may be too short for this note",
                elsewhere=False,
            ) from None
        except httpx.HTTPError as e:
            raise AsrRetryable(f"ASR request to {url} failed: {type(e).__name__}: {e}") from None
    raise AssertionError("unreachable")


def _interpret(response: httpx.Response, url: str) -> Transcript:
    status = response.status_code
    if status == 429:
        raise AsrRetryable(f"ASR service busy: {_detail(response)}",
                           _retry_after(response, DEFAULT_RETRY_AFTER_S))
    if status == 408:  # our upload was too slow (HTTP_READ_TIMEOUT_SEC): not the audio's fault
        raise AsrRetryable(f"ASR service timed out reading the upload: {_detail(response)}")
    if status >= 500:
        raise AsrRetryable(f"ASR service error {status}: {_detail(response)}",
                           _retry_after(response, DEFAULT_RETRY_AFTER_S))
    if status >= 400:
        raise AsrFailed(f"ASR refused the audio ({status}): {_detail(response)}")
    try:
        body = response.json()
        return Transcript(
            text=str(body["text"]),
            language=body.get("language"),
            duration_s=float(body.get("duration_s") or 0.0),
            processing_s=float(body.get("processing_s") or 0.0),
            truncated=bool(body.get("truncated", False)),
            segments=tuple(body.get("segments") or ()),
        )
    except (ValueError, KeyError, TypeError) as e:
        raise AsrRetryable(f"ASR service at {url} sent an unexpected answer: {e}") from None
