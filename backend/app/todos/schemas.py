"""Request and response bodies of the todo API, separate from the ORM model."""

from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, StrictBool, StringConstraints, model_validator

from app.todos.models import TITLE_MAX

# Trimmed first, then checked: "   " is empty and is rejected.
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX)]


class TodoCreate(BaseModel):
    """Body of POST /api/todos/."""

    # Unknown fields are a client mistake worth reporting (e.g. "complete" for "completed").
    model_config = ConfigDict(extra="forbid", strict=True)

    title: Title
    completed: StrictBool = False


class TodoUpdate(BaseModel):
    """Body of PUT /api/todos/{id}: the fields to change."""

    model_config = ConfigDict(extra="forbid", strict=True)

    title: Title | None = None
    completed: StrictBool | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        """Reject a body that changes nothing."""
        if self.title is None and self.completed is None:
            raise ValueError("give 'title' and/or 'completed'")
        return self


class TodoPublic(BaseModel):
    """A todo as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    completed: bool
    created_at: datetime
    updated_at: datetime


class TodoStats(BaseModel):
    """Counts for the page's header, from one aggregate query."""

    total: int
    open: int
    done: int
