"""HTTP routes of the todo API: thin, the service does the work.

Plain ``def`` handlers on purpose: SQLAlchemy here is synchronous, and FastAPI runs
``def`` handlers in its thread pool, so no blocking call lands on the event loop.
"""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response, status
from sqlalchemy.orm.exc import StaleDataError

from app.core.db import SessionDep
from app.core.errors import BAD_BODY, NOT_FOUND, UNAVAILABLE
from app.todos import service
from app.todos.models import Todo
from app.todos.schemas import TodoCreate, TodoPublic, TodoUpdate

router = APIRouter(prefix="/api/todos", tags=["todos"], responses=UNAVAILABLE)

# The column is a PostgreSQL integer: a larger id could never exist, and passing it
# to the database would fail there (a 500) instead of here (a 422 naming the field).
TodoId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The todo's id")]


def _found(todo: Todo | None, todo_id: int) -> Todo:
    if todo is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"todo {todo_id} not found")
    return todo


@router.get("/", response_model=list[TodoPublic])
def list_todos(session: SessionDep) -> list[Todo]:
    """List every todo, oldest first."""
    return list(service.list_todos(session=session))


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
