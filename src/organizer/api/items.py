"""GET /items: items, newest first, filtered (token route; SQL in organizer.db.api_store)."""

import sqlite3
from typing import Annotated, Any, Literal

from fastapi import Depends, Query
from fastapi.responses import JSONResponse

from organizer.api.auth import token_dependency
from organizer.api.models import AUTH_RESPONSES, INT64_MAX, INT64_MIN, ErrorOut, ItemOut
from organizer.config import Settings
from organizer.db import api_store
from organizer.errors import OrganizerError


def add_routes(app: Any, settings: Settings) -> None:
    @app.get(
        "/items",
        response_model=list[ItemOut],
        dependencies=[Depends(token_dependency(settings))],
        responses={**AUTH_RESPONSES, 503: {"model": ErrorOut}},
    )
    def list_items(
        status: Annotated[Literal["DRAFT", "OPEN", "DONE", "CANCELLED"] | None, Query()] = None,
        type: Annotated[Literal["task", "meeting", "note"] | None, Query()] = None,
        chat_id: Annotated[int | None, Query(ge=INT64_MIN, le=INT64_MAX)] = None,
        cal_state: Annotated[
            Literal["NONE", "LOCAL", "PENDING", "SYNCED", "FAILED"] | None, Query()
        ] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> Any:
        """Items, newest first, filtered by status, type, chat and calendar state."""
        filters = {"status": status, "type": type, "chat_id": chat_id, "cal_state": cal_state}
        try:
            rows = api_store.list_items(settings, filters, limit)
        except (OrganizerError, sqlite3.Error) as e:
            return JSONResponse({"detail": f"database unavailable: {e}"}, status_code=503)
        return [ItemOut(**{**r, "all_day": bool(r["all_day"])}) for r in rows]
