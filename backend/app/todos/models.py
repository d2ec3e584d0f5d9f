"""The ORM model of a todo."""

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Identity, Index, String, false, func
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base

TITLE_MAX = 200


class Todo(Base):
    """A todo item; its schema is owned by the Alembic migrations."""

    __tablename__ = "todo"
    __table_args__ = (
        CheckConstraint("length(btrim(title)) between 1 and 200", name="title_length"),
        # The list's sort key: each keyset page is a range scan of it (migration 0002).
        Index("ix_todo_created_at_id", "created_at", "id"),
    )
    # Fetch server-made values (id, timestamps) with RETURNING on INSERT and UPDATE
    # instead of a SELECT afterwards: one round trip per write.
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    completed: Mapped[bool] = mapped_column(server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
