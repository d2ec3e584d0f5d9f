"""Request and response bodies of the todo API, separate from the ORM model."""

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StrictBool,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.todos.models import TITLE_MAX

# No NUL anywhere, and one character that is not whitespace as Python's strip() sees
# it (\x1c-\x1f too, which some regex engines do not count as \s): a title of spaces
# is schema-valid otherwise, yet empty once trimmed (found by fuzzing).
TITLE_PATTERN = r"^[^\x00]*[^\s\x00\x1c-\x1f][^\x00]*$"


def _as_sent_at_most_max(value: object) -> object:
    """Hold the title as sent to the schema's maxLength, before it is trimmed.

    Trimming first let 200 characters and a space through: a request the schema
    says is invalid, accepted (found by fuzzing). The forms trim before they send.
    """
    if isinstance(value, str) and len(value) > TITLE_MAX:
        raise PydanticCustomError(
            "string_too_long",
            "String should have at most {max_length} characters",
            {"max_length": TITLE_MAX},
        )
    return value


# Trimmed first, then checked: "   " is empty and is rejected. PostgreSQL text cannot
# hold NUL, so the pattern refuses it here (a 422) instead of at the INSERT (a 500:
# found by fuzzing). Lone surrogates never get this far: pydantic refuses them.
Title = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=1,
        max_length=TITLE_MAX,
        pattern=TITLE_PATTERN,
    ),
    BeforeValidator(_as_sent_at_most_max),
]


class TodoCreate(BaseModel):
    """Body of POST /api/todos/."""

    # Unknown fields are a client mistake worth reporting (e.g. "complete" for "completed").
    model_config = ConfigDict(extra="forbid", strict=True)

    title: Title
    completed: StrictBool = False


def _update_schema(schema: dict[str, Any]) -> None:
    """Say in the schema what the validators enforce: one property at least, never null."""
    schema["minProperties"] = 1
    for prop in schema["properties"].values():
        options = [option for option in prop.pop("anyOf", []) if option != {"type": "null"}]
        prop.update(options[0] if options else {})
        prop.pop("default", None)


class TodoUpdate(BaseModel):
    """Body of PUT /api/todos/{id}: the fields to change (at least one, neither null)."""

    # `X | None` only marks a field as left out; an explicit null is refused below, and
    # the schema says so, so clients and the fuzzer agree with the validators.
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=_update_schema)

    title: Title | None = None
    completed: StrictBool | None = None

    @field_validator("title", "completed", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        """Refuse an explicit null: leave the field out to keep it unchanged."""
        if value is None:
            raise ValueError("may not be null; leave the field out to keep it")
        return value

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
