"""Who may call the API.

Airflow does not guard plugin routes, so the app checks credentials itself:
- mounted in the Airflow API server: the Bearer token Airflow's ``POST /auth/token`` issues (or the
  web UI's session cookie), resolved by Airflow's auth manager;
- run alone (uvicorn): the token in ``TRIBUTARY_API_TOKEN``.
Either way, a request without valid credentials gets 401.
"""

from __future__ import annotations

import hmac
import os
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

bearer = HTTPBearer(auto_error=False, description="Airflow JWT from POST /auth/token, or TRIBUTARY_API_TOKEN")

UNAUTHORIZED = HTTPException(
    status_code=status.HTTP_401_UNAUTHORIZED,
    detail="authentication required: send 'Authorization: Bearer <token>'",
    headers={"WWW-Authenticate": "Bearer"},
)


async def _airflow_user(request: Request, token: str | None) -> str | None:
    # Internal Airflow module (pin-sensitive): covered by tests/foundation/test_api_auth.py.
    from airflow.api_fastapi.auth.managers.base_auth_manager import COOKIE_NAME_JWT_TOKEN  # noqa: PLC0415
    from airflow.api_fastapi.core_api.security import resolve_user_from_token  # noqa: PLC0415

    candidate = token or request.cookies.get(COOKIE_NAME_JWT_TOKEN)
    if not candidate:
        return None
    try:
        user = await resolve_user_from_token(candidate)
    except HTTPException:
        return None
    return user.get_name()


async def require_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """The caller's name; 401 unless the request carries valid credentials."""
    token = credentials.credentials if credentials and credentials.scheme.lower() == "bearer" else None
    configured = os.environ.get("TRIBUTARY_API_TOKEN")
    if token and configured and hmac.compare_digest(token.encode(), configured.encode()):
        return "api-token"
    if request.app.state.airflow_auth:
        user = await _airflow_user(request, token)
        if user:
            return user
    raise UNAUTHORIZED


Caller = Annotated[str, Depends(require_caller)]
