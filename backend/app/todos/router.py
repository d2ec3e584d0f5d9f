"""HTTP routes of the todo API: thin, the service does the work.

Plain ``def`` handlers on purpose: SQLAlchemy here is synchronous, and FastAPI runs
``def`` handlers in its thread pool, so no blocking call lands on the event loop.
"""

import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BeforeValidator
from sqlalchemy.orm.exc import StaleDataError

from app.core.db import SessionDep
from app.core.errors import BAD_BODY, NOT_FOUND, UNAVAILABLE
from app.todos import cursor as cursors
from app.todos import service
from app.todos.models import Todo
from app.todos.schemas import TodoCreate, TodoPublic, TodoStats, TodoUpdate

router = APIRouter(prefix="/api/todos", tags=["todos"], responses=UNAVAILABLE)

_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)")


def _decimal(value: object) -> object:
    """Refuse what the schema's `integer` is not, though Python's int() reads it.

    pydantic reads "01", "+1", " 1", "1_0" and "1.0" as integers; the OpenAPI
    document says `type: integer`, so a client (and the fuzzer's negative cases)
    rightly expects them refused: PUT /api/todos/01 updated todo 1. The same gap
    as the title's maxLength (schemas.py), which the fuzzer did find.
    """
    if isinstance(value, str) and _DECIMAL.fullmatch(value) is None:
        raise ValueError("must be an integer in plain decimal digits")
    return value


# The column is a PostgreSQL integer: a larger id could never exist, and passing it
# to the database would fail there (a 500) instead of here (a 422 naming the field).
TodoId = Annotated[
    int, Path(ge=1, le=2**31 - 1, description="The todo's id"), BeforeValidator(_decimal)
]


def _found(todo: Todo | None, todo_id: int) -> Todo:
    if todo is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"todo {todo_id} not found")
    return todo


DEFAULT_LIMIT = 100
MAX_LIMIT = 500

Limit = Annotated[
    int,
    Query(ge=1, le=MAX_LIMIT, description=f"Todos per page, 1 to {MAX_LIMIT}"),
    BeforeValidator(_decimal),
]
Cursor = Annotated[
    str | None,
    Query(
        max_length=200,
        description='Opaque: the `cursor` of the previous answer\'s `Link: <...>; rel="next"`',
    ),
]

_LIST_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "One page, oldest first. `Link: </api/todos/?limit=..&cursor=..>; "
        'rel="next"` is set when more todos follow, and absent on the last page.',
        "headers": {
            "Link": {"description": "The next page (RFC 8288)", "schema": {"type": "string"}}
        },
    },
    422: {
        "description": "`limit` outside 1..500, or a `cursor` that is malformed, altered or "
        "from another sort; `detail[].loc` names the parameter."
    },
}


def _position(cursor: str | None) -> cursors.Position | None:
    if cursor is None:
        return None
    try:
        return cursors.decode(cursor)
    except cursors.CursorError as error:
        # The same shape as FastAPI's own 422s, so clients read one format.
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("query", "cursor"),
                    "msg": str(error),
                    "input": cursor,
                }
            ]
        ) from error


@router.get("/", response_model=list[TodoPublic], responses=_LIST_RESPONSES)
def list_todos(
    session: SessionDep, response: Response, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> list[Todo]:
    """List one page of todos, oldest first; `Link` rel="next" points at the next page."""
    # One row more than asked says whether a next page exists, without a count.
    todos = list(service.list_todos(session=session, limit=limit + 1, after=_position(cursor)))
    if len(todos) > limit:
        todos = todos[:limit]
        last = todos[-1]
        token = cursors.encode(cursors.Position(created_at=last.created_at, id=last.id))
        query = urlencode({"limit": limit, "cursor": token})
        response.headers["Link"] = f'<{router.prefix}/?{query}>; rel="next"'
    return todos


@router.get("/stats", response_model=TodoStats)
def todo_stats(session: SessionDep) -> TodoStats:
    """Count all, open and done todos (one aggregate query)."""
    return service.todo_stats(session=session)


@router.api_route("/stats", methods=["POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
def todo_stats_read_only() -> None:
    """The counts are read-only: 405, not the 422 of `/{todo_id}` with a non-numeric id."""
    raise HTTPException(status.HTTP_405_METHOD_NOT_ALLOWED, "Method Not Allowed")


@router.post(
    "/", response_model=TodoPublic, status_code=status.HTTP_201_CREATED, responses=BAD_BODY
)
def create_todo(data: TodoCreate, session: SessionDep, response: Response) -> Todo:
    """Create a todo; the Location header names the new resource."""
    todo = service.create_todo(session=session, data=data)
    response.headers["Location"] = f"{router.prefix}/{todo.id}"
    return todo


@router.get("/{todo_id}", response_model=TodoPublic, responses=NOT_FOUND)
def get_todo(todo_id: TodoId, session: SessionDep) -> Todo:
    """Return one todo, or 404."""
    return _found(service.get_todo(session=session, todo_id=todo_id), todo_id)


@router.put("/{todo_id}", response_model=TodoPublic, responses={**NOT_FOUND, **BAD_BODY})
def update_todo(todo_id: TodoId, data: TodoUpdate, session: SessionDep) -> Todo:
    """Change a todo's title and/or completed flag, or 404."""
    todo = _found(service.get_todo(session=session, todo_id=todo_id), todo_id)
    try:
        return service.update_todo(session=session, todo=todo, data=data)
    except StaleDataError:
        # Deleted by another request between the read and the UPDATE: a 500 until
        # the soak's concurrent toggles and deletes found it.
        session.rollback()
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"todo {todo_id} not found") from None


@router.delete("/{todo_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
def delete_todo(todo_id: TodoId, session: SessionDep) -> None:
    """Delete a todo, or 404."""
    todo = _found(service.get_todo(session=session, todo_id=todo_id), todo_id)
    service.delete_todo(session=session, todo=todo)
