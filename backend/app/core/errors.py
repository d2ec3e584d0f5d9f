"""Error responses: a database outage is a 503 in JSON, never a stack trace."""

import json
import logging
import re
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.secrets import SecretFormatError

logger = logging.getLogger(__name__)

# What "the database is unavailable" looks like from here: it refuses or drops
# connections, the pool is exhausted, or its credentials cannot be fetched.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
    BotoCoreError,
    ClientError,
    SecretFormatError,
)


class ErrorDetail(BaseModel):
    """An error answer: one human-readable sentence."""

    detail: str


# The documented error answers, so clients (and the fuzzer) know every status they may get.
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {
        "model": ErrorDetail,
        "description": "The database is unreachable; retry after the given seconds",
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}},
    }
}
BAD_BODY: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorDetail, "description": "The body could not be parsed"},
    413: {"model": ErrorDetail, "description": "The body is larger than 64 KiB"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorDetail, "description": "No todo has this id"},
}


def is_database_unavailable(error: Exception) -> bool:
    """True when the error means the database cannot be reached right now."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, DATABASE_UNAVAILABLE)


async def _database_unavailable(request: Request, error: Exception) -> JSONResponse:
    # The class name only: messages of connection errors can carry host names.
    logger.warning("database unavailable: %s", type(error).__name__)
    return JSONResponse(
        {"detail": "database unavailable, try again shortly"},
        status_code=503,
        headers={"Retry-After": "5"},
    )


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    if is_database_unavailable(error):
        return await _database_unavailable(request, error)
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse({"detail": "internal server error"}, status_code=500)


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods the OpenAPI document lists for `path` (what a 405's Allow must name)."""
    for template, operations in app.openapi()["paths"].items():
        if re.fullmatch(re.sub(r"\{[^/}]+\}", "[^/]+", template), path):
            return sorted(method.upper() for method in operations)
    return []


class AsciiJSONResponse(JSONResponse):
    """JSON escaped to ASCII: a validation error echoes the input, which may hold a lone
    surrogate that UTF-8 cannot encode (a 500, found by fuzzing)."""

    def render(self, content: Any) -> bytes:
        """The content as compact ASCII JSON."""
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


async def _invalid_request(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    return AsciiJSONResponse({"detail": jsonable_encoder(error.errors())}, 422)


async def _http_error(request: Request, error: Exception) -> Response:
    # Starlette's 405 names only the first route matching the path (FastAPI makes one
    # route per method), so Allow lacked the others (found by fuzzing).
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 405:
        allow = ", ".join(allowed_methods(request.app, request.url.path))
        return JSONResponse({"detail": error.detail}, 405, headers={"Allow": allow})
    return await http_exception_handler(request, error)


def register_error_handlers(app: FastAPI) -> None:
    """Map database outages to 503 and any other unexpected error to a bare JSON 500."""
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    for error_type in DATABASE_UNAVAILABLE:
        app.add_exception_handler(error_type, _database_unavailable)
    app.add_exception_handler(DBAPIError, _unexpected)
    app.add_exception_handler(Exception, _unexpected)
