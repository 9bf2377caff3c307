"""POST /inbox: a text put into the inbox as if the chat sent it (token route)."""

import sqlite3
import uuid
from typing import Annotated, Any

from fastapi import Depends, Header
from fastapi.responses import JSONResponse

from organizer.api.auth import token_dependency
from organizer.api.models import AUTH_RESPONSES, KEY_PATTERN, ErrorOut, InboxIn, InboxOut
from organizer.config import Settings
from organizer.db import api_store
from organizer.errors import OrganizerError
from organizer.model import utcnow

RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    200: {"model": InboxOut, "description": "already submitted with this key"},
    400: {"model": ErrorOut, "description": "the body is not JSON (or not UTF-8)"},
    403: {"model": ErrorOut, "description": "chat_id is not in TELEGRAM_ALLOWED_USER_IDS"},
    413: {"model": ErrorOut, "description": "the body is over 64 KiB"},
    503: {"model": ErrorOut},
}


def add_routes(app: Any, settings: Settings) -> None:
    @app.post(
        "/inbox",
        response_model=InboxOut,
        status_code=201,
        dependencies=[Depends(token_dependency(settings))],
        responses=RESPONSES,
    )
    def submit(
        body: InboxIn,
        idempotency_key: Annotated[str | None, Header(pattern=KEY_PATTERN)] = None,
    ) -> Any:
        """Put a text into the inbox as if it came from the chat (source `api`)."""
        allowed = settings.allowed_user_ids
        for who in (body.chat_id, body.user_id):
            if who is not None and who not in allowed:
                return JSONResponse(
                    {"detail": f"{who} is not in TELEGRAM_ALLOWED_USER_IDS"}, status_code=403
                )
        message_key = f"api:{body.idempotency_key or idempotency_key or uuid.uuid4().hex}"
        try:
            row_id, created = api_store.submit_text(
                settings, message_key=message_key, chat_id=body.chat_id,
                user_id=body.user_id, text=body.text, lang=body.lang, now=utcnow(),
                max_attempts=settings.worker_max_attempts,
            )  # fmt: skip
        except (OrganizerError, sqlite3.Error) as e:
            return JSONResponse({"detail": f"database unavailable: {e}"}, status_code=503)
        out = InboxOut(inbox_id=row_id, message_key=message_key, created=created)
        return JSONResponse(out.model_dump(), status_code=201 if created else 200)
