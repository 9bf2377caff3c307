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
"""

from __future__ import annotations

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


class AsrError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AsrRetryable(AsrError):
    """Worth another attempt after `retry_after_s`."""

    def __init__(self, message: str, retry_after_s: float = DEFAULT_RETRY_AFTER_S) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


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
    """POST `audio_path` to ASR_SERVICE_URL/asr; `language` None means ASR_LANGUAGE."""
    try:
        data = Path(audio_path).read_bytes()
    except OSError as e:
        raise AsrFailed(f"cannot read {audio_path}: {e.strerror}") from None
    url = settings.asr_service_url.rstrip("/") + "/asr"
    params = {"language": language} if language else {}
    files = {"file": (Path(audio_path).name, data, "audio/ogg")}
    own = client is None
    http = client or httpx.Client(timeout=timeout_for(settings))
    try:
        response = _post(http, url, params, files)
    finally:
        if own:
            http.close()
    return _interpret(response, url)


def _post(http: httpx.Client, url: str, params: dict[str, str], files: dict[str, Any]
          ) -> httpx.Response:
    for attempt in (1, 2):
        try:
            return http.post(url, params=params, files=files)
        except httpx.ConnectError as e:
            if attempt == 1:
                time.sleep(CONNECT_RETRY_PAUSE_S)
                continue
            raise AsrRetryable(f"ASR service at {url} is not reachable: {e}") from None
        except httpx.TimeoutException as e:
            raise AsrRetryable(
                f"ASR service at {url} timed out ({type(e).__name__}); "
                "ASR_HTTP_READ_TIMEOUT may be too short for this note"
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
