"""Data access and rules for todos; routers call these and never touch the session."""

import logging
from collections.abc import Sequence

from opentelemetry import metrics
from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from app.todos.cursor import Position
from app.todos.models import Todo
from app.todos.schemas import TodoCreate, TodoStats, TodoUpdate

logger = logging.getLogger(__name__)

# The API only: the bootstrap (app.telemetry) decides where these go, or nowhere.
_meter = metrics.get_meter("app.todos")
todos_created = _meter.create_counter(
    "app.todos.created", unit="{todo}", description="Todos created"
)
todos_completed = _meter.create_counter(
    "app.todos.completed", unit="{todo}", description="Todos marked completed"
)
todos_deleted = _meter.create_counter(
    "app.todos.deleted", unit="{todo}", description="Todos deleted"
)


def list_todos(*, session: Session, limit: int, after: Position | None = None) -> Sequence[Todo]:
    """Return up to ``limit`` todos after ``after``, oldest first (ties broken by id).

    Keyset, never an offset: the row comparison walks the (created_at, id) index
    from the position on, so page 100 costs what page 1 costs, and rows inserted
    or deleted between pages neither repeat nor skip the others.
    """
    query = select(Todo).order_by(Todo.created_at, Todo.id).limit(limit)
    if after is not None:
        query = query.where(tuple_(Todo.created_at, Todo.id) > (after.created_at, after.id))
    return session.scalars(query).all()


def todo_stats(*, session: Session) -> TodoStats:
    """Count all, open and done todos in one aggregate query (no rows fetched)."""
    total, done = session.execute(select(func.count(), func.count().filter(Todo.completed))).one()
    return TodoStats(total=total, open=total - done, done=done)


def get_todo(*, session: Session, todo_id: int) -> Todo | None:
    """Return the todo with this id, or None."""
    return session.get(Todo, todo_id)


def create_todo(*, session: Session, data: TodoCreate) -> Todo:
    """Store a new todo and return it with its id and timestamps."""
    todo = Todo(title=data.title, completed=data.completed)
    session.add(todo)
    session.commit()
    todos_created.add(1)
    if todo.completed:
        todos_completed.add(1)
    # The id, never the title: titles are user text.
    logger.info("todo created", extra={"todo_id": todo.id})
    return todo


def update_todo(*, session: Session, todo: Todo, data: TodoUpdate) -> Todo:
    """Apply the given fields to a todo and return it."""
    newly_completed = data.completed is True and not todo.completed
    if data.title is not None:
        todo.title = data.title
    if data.completed is not None:
        todo.completed = data.completed
    session.commit()
    if newly_completed:
        todos_completed.add(1)
        logger.info("todo completed", extra={"todo_id": todo.id})
    return todo


def delete_todo(*, session: Session, todo: Todo) -> None:
    """Delete a todo."""
    todo_id = todo.id
    session.delete(todo)
    session.commit()
    todos_deleted.add(1)
    logger.info("todo deleted", extra={"todo_id": todo_id})
