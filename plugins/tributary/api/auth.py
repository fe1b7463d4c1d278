"""Who may call the API, and who may change data through it.

Airflow does not guard plugin routes, so the app checks credentials itself:
- mounted in the Airflow API server: the Bearer token Airflow's ``POST /auth/token`` issues (or the
  web UI's session cookie), resolved by Airflow's auth manager;
- run alone (uvicorn, ``make api``): the token in ``TRIBUTARY_API_TOKEN``.
Either way, a request without valid credentials gets 401.

Reads are open to every authenticated caller (`Caller`). Writes (`Writer`) need, inside Airflow,
a user the auth manager lets trigger DAG runs (SimpleAuthManager: User, Op, Admin; not Viewer);
others get 403 with the reason. Run alone, the configured token may write.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tributary import settings

bearer = HTTPBearer(auto_error=False, description="Airflow JWT from POST /auth/token, or TRIBUTARY_API_TOKEN")

#: The caller's name when it authenticated with ``TRIBUTARY_API_TOKEN``.
TOKEN_CALLER = "api-token"

UNAUTHORIZED = HTTPException(
    status_code=status.HTTP_401_UNAUTHORIZED,
    detail="authentication required: send 'Authorization: Bearer <token>'",
    headers={"WWW-Authenticate": "Bearer"},
)

READ_ONLY = ("your role may read but not change data: writes need a role that may trigger DAGs "
             "(User, Op or Admin)")


@dataclass(frozen=True)
class Identity:
    """An authenticated caller."""

    name: str
    #: Airflow's user object when mounted in Airflow; None for the configured token.
    user: Any = None
    #: The Airflow JWT the caller presented (bearer or session cookie): forwarded to Airflow's own
    #: API, so Airflow applies the caller's permissions there too. None for the configured token.
    airflow_token: str | None = None


async def _airflow_identity(request: Request, token: str | None) -> Identity | None:
    # Internal Airflow modules (pin-sensitive): covered by tests/foundation/test_api.py.
    from airflow.api_fastapi.auth.managers.base_auth_manager import COOKIE_NAME_JWT_TOKEN  # noqa: PLC0415
    from airflow.api_fastapi.core_api.security import resolve_user_from_token  # noqa: PLC0415

    candidate = token or request.cookies.get(COOKIE_NAME_JWT_TOKEN)
    if not candidate:
        return None
    try:
        user = await resolve_user_from_token(candidate)
    except HTTPException:
        return None
    return Identity(user.get_name(), user=user, airflow_token=candidate)


async def require_identity(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Identity:
    """The authenticated caller; 401 unless the request carries valid credentials."""
    token = credentials.credentials if credentials and credentials.scheme.lower() == "bearer" else None
    configured = settings.api_token()
    if token and configured and hmac.compare_digest(token.encode(), configured.encode()):
        return Identity(TOKEN_CALLER)
    if request.app.state.airflow_auth:
        identity = await _airflow_identity(request, token)
        if identity:
            return identity
    raise UNAUTHORIZED


async def require_caller(identity: Annotated[Identity, Depends(require_identity)]) -> str:
    """The caller's name (any authenticated caller)."""
    return identity.name


def may_write(user: Any) -> bool:
    """Whether Airflow's auth manager lets ``user`` trigger DAG runs: the bar for changing data."""
    # Internal Airflow modules (pin-sensitive): covered by tests/foundation/test_api.py.
    from airflow.api_fastapi.app import get_auth_manager  # noqa: PLC0415
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity  # noqa: PLC0415

    return get_auth_manager().is_authorized_dag(method="POST", access_entity=DagAccessEntity.RUN, user=user)


async def require_writer(identity: Annotated[Identity, Depends(require_identity)]) -> Identity:
    """The caller, if it may change data; 403 with the reason otherwise."""
    if identity.user is not None and not may_write(identity.user):
        raise HTTPException(status.HTTP_403_FORBIDDEN, READ_ONLY)
    return identity


#: Any authenticated caller's name (reads).
Caller = Annotated[str, Depends(require_caller)]
#: Any authenticated caller, with the credentials to forward to Airflow.
Who = Annotated[Identity, Depends(require_identity)]
#: A caller that may change data (writes): use on every route that changes the warehouse or lake.
Writer = Annotated[Identity, Depends(require_writer)]
