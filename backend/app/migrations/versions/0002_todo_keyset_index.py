"""Index the list's sort key, so that every page of the keyset walk is an index range.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the (created_at, id) index the list pages walk."""
    op.create_index("ix_todo_created_at_id", "todo", ["created_at", "id"])


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_todo_created_at_id", table_name="todo")
