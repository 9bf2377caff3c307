"""The API's request and response shapes: what the OpenAPI schema publishes.

Imported by the route modules only (inside create_app), so pydantic stays off the
CLI's import path.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

# Ids are limited to the integers a JSON double holds exactly (Telegram's chat ids are
# far inside), so a client sending 9.2e18 as a float cannot slip past the bound.
INT64_MIN, INT64_MAX = -(2**53 - 1), 2**53 - 1
KEY_PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"


class ServiceOut(BaseModel):
    service: str
    service_id: str
    status: str | None
    beat_age_s: float | None
    stopped: bool
    instance_id: str | None = None
    db_path: str | None = None


class HealthOut(BaseModel):
    """Anonymous callers get `status` (and when failing, `problems` without paths or
    ids); the rest needs the bearer token."""

    status: Literal["ok", "fail"]
    version: str | None = None
    db_path: str | None = None
    schema_version: int | None = None
    schema_latest: int | None = None
    instance_id: str | None = None
    queue: dict[str, int] | None = None
    oldest_new_age_s: float | None = None
    worker_beat_age_s: float | None = None
    services: list[ServiceOut] | None = None
    disk_free_bytes: int | None = None
    disk_total_bytes: int | None = None
    problems: list[str] | None = None


class ItemOut(BaseModel):
    id: int
    chat_id: int
    type: str
    status: str
    title: str | None
    start_at: str | None
    end_at: str | None
    all_day: bool
    rrule: str | None
    tz: str
    cal_state: str
    inbox_id: int | None
    created_at: str


def _no_bool(value: Any) -> Any:
    # JSON Schema's integer excludes true/false; pydantic's lax int would take them.
    if isinstance(value, bool):
        raise ValueError("expected an integer, not a boolean")
    return value


Id = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX), BeforeValidator(_no_bool)]


def _no_surrogate(value: Any) -> Any:
    # JSON may spell a lone surrogate ("\\ud800"); it is not text SQLite can store.
    if isinstance(value, str) and any("\ud800" <= c <= "\udfff" for c in value):
        raise ValueError("the text holds a lone surrogate (not valid Unicode)")
    return value


Text = Annotated[str, BeforeValidator(_no_surrogate)]


class InboxIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text = Field(min_length=1, max_length=4096, description="the message text")
    chat_id: Id = Field(description="chat it comes from (a Telegram chat id)")
    user_id: Id | None = None
    lang: Text | None = Field(default=None, max_length=16, description="e.g. ru or en")
    idempotency_key: str | None = Field(
        default=None,
        pattern=KEY_PATTERN,
        description="the same key twice enqueues once (also the Idempotency-Key header)",
    )


class InboxOut(BaseModel):
    inbox_id: int
    message_key: str
    created: bool


class ErrorOut(BaseModel):
    detail: str


# The answers every token route may give besides its own.
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "missing or wrong bearer token"},
    404: {"model": ErrorOut, "description": "API_TOKEN is empty: route off"},
}
