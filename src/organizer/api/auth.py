"""The bearer-token dependency of the token routes (/items, /inbox).

organizer.apiguard refuses anonymous requests before the body is read; this
dependency is what the OpenAPI schema shows, and answers 404 while API_TOKEN is empty.
"""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from organizer.apiguard import bearer_ok
from organizer.config import Settings


def token_dependency(settings: Settings) -> Callable[..., None]:
    bearer = HTTPBearer(auto_error=False, description="API_TOKEN")

    def require_token(
        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> None:
        if not settings.api_token:
            raise HTTPException(404, "API_TOKEN is not set, so this route is off")
        if creds is None or not bearer_ok(
            f"Bearer {creds.credentials}".encode(), settings.api_token
        ):
            raise HTTPException(
                401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"}
            )

    return require_token
