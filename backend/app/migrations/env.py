"""Alembic environment: migrations run on the connection the service hands over.

`fastapi-app` runs them at start-up (app.core.db.run_migrations). The `alembic`
command line (backend/alembic.ini) also works and connects with the same settings.
"""

from alembic import context
from sqlalchemy import Connection

from app.core.config import get_settings
from app.core.db import Base, create_db_engine
from app.todos import models  # noqa: F401  (registers the tables on Base.metadata)

config = context.config


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()


given = config.attributes.get("connection")
if given is not None:
    _run(given)
else:
    engine = create_db_engine(get_settings())
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()
