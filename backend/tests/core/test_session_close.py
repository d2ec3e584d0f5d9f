"""A session whose database went away after answering must not spoil the response."""

import psycopg2
import pytest
import sqlalchemy
from sqlalchemy.orm import Session

from app.core.db import close_quietly


class DeadConnectionSession(Session):
    """A session whose close fails as it does when PostgreSQL stopped after the query."""

    def close(self) -> None:
        raise sqlalchemy.exc.OperationalError(
            "ROLLBACK", {}, psycopg2.OperationalError("server closed the connection unexpectedly")
        )


class BrokenSession(Session):
    """A session whose close fails for a reason that is not the database going away."""

    def close(self) -> None:
        raise sqlalchemy.exc.ProgrammingError("ROLLBACK", {}, psycopg2.ProgrammingError("bug"))


def test_a_dead_connection_at_close_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    close_quietly(DeadConnectionSession())

    assert "database went away" in caplog.text


def test_any_other_error_at_close_still_raises() -> None:
    with pytest.raises(sqlalchemy.exc.ProgrammingError):
        close_quietly(BrokenSession())
