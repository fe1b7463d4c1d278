"""The FastAPI app: mounted into the Airflow API server by the plugin, or run alone:

    uvicorn --factory tributary.api.app:create_app --port 8090   (TRIBUTARY_API_TOKEN must be set)

Each domain contributes ``tributary/<domain>/api.py`` with a ``router`` (an `APIRouter`), which
is included under ``/api/v1`` with authentication required.
"""

from __future__ import annotations

import importlib
import importlib.util

from fastapi import Depends, FastAPI

from tributary.api.auth import require_caller

#: Domains that may serve HTTP routes (their module is optional).
API_DOMAINS = ["platform", "uploads", "reports", "polio", "app_events", "migration", "mindtrails",
               "traffic", "socrata"]


def domain_routers():
    for domain in API_DOMAINS:
        name = f"tributary.{domain}.api"
        if importlib.util.find_spec(f"tributary.{domain}") and importlib.util.find_spec(name):
            yield domain, importlib.import_module(name).router


def create_app(*, airflow_auth: bool = False) -> FastAPI:
    app = FastAPI(
        title="Tributary API",
        version="1",
        description="Datapoints, master data and marts of the Tributary warehouse. "
        "Every route under /api/v1 needs `Authorization: Bearer <token>`.",
    )
    app.state.airflow_auth = airflow_auth

    @app.get("/health", tags=["platform"])
    def health() -> dict[str, str]:
        """Liveness (no authentication, no database access)."""
        return {"status": "ok"}

    for _domain, router in domain_routers():
        app.include_router(router, prefix="/api/v1", dependencies=[Depends(require_caller)])
    return app
