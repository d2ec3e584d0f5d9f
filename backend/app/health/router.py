"""Health routes: excluded from traces and metrics so probes do not drown real traffic."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from opentelemetry.instrumentation.utils import suppress_instrumentation

from app.core.db import check_database
from app.core.errors import is_database_unavailable

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process answers; never touches the database."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=None,
    responses={503: {"description": "The database does not answer"}},
)
def readyz(request: Request) -> dict[str, str] | JSONResponse:
    """Readiness: the database answers a trivial query, else 503."""
    try:
        # Probes come every few seconds: their SELECT 1 would be orphan root spans.
        with suppress_instrumentation():
            check_database(request.app.state.engine)
    except Exception as error:
        if not is_database_unavailable(error):
            raise
        return JSONResponse({"status": "unavailable", "detail": "database unavailable"}, 503)
    return {"status": "ok"}
