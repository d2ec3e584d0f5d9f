"""The SQLAlchemy engine, sessions and the schema's migrations."""

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import psycopg2
import sqlalchemy
from alembic import command
from alembic.config import Config
from fastapi import Depends, Request
from sqlalchemy import URL, Engine, MetaData, event, make_url, text
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from app.core.config import Settings
from app.core.secrets import SecretCredentials

logger = logging.getLogger(__name__)

# Any fixed number; only this service takes this advisory lock.
MIGRATION_LOCK = 7_432_001
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

# Predictable constraint names, so that Alembic migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every ORM model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# SQLSTATEs of a rejected login: invalid_password, invalid_authorization_specification.
_AUTH_FAILED = {"28P01", "28000"}


def _is_auth_failure(error: psycopg2.OperationalError) -> bool:
    # libpq reports a failed login without a SQLSTATE on the exception, so the
    # message is the reliable signal; the code is checked too for completeness.
    return error.pgcode in _AUTH_FAILED or "authentication failed" in str(error)


def database_url(settings: Settings) -> URL:
    """Return the URL to connect to: DATABASE_URL, or DB_* without credentials."""
    if settings.database_url is not None:
        url = make_url(settings.database_url.get_secret_value())
        # Accept plain postgresql:// (what most tools print) and pin the driver.
        return url.set(drivername="postgresql+psycopg2")
    return URL.create(
        "postgresql+psycopg2",
        host=settings.db_host,
        port=settings.db_port,
        database=settings.db_name,
    )


def create_db_engine(settings: Settings, *, credentials: SecretCredentials | None = None) -> Engine:
    """Create the pooled engine; with a secret, credentials are filled in per connection."""
    if credentials is None and settings.db_secret_arn and settings.database_url is None:
        assert settings.aws_region is not None  # checked by Settings
        credentials = SecretCredentials(
            secret_id=settings.db_secret_arn, region=settings.aws_region
        )
    # Looked up on the module at call time, not imported by name: the SQLAlchemy
    # instrumentation replaces sqlalchemy.create_engine when telemetry starts, and an
    # early `from sqlalchemy import create_engine` would keep the untraced original.
    engine = sqlalchemy.create_engine(
        database_url(settings),
        # pre_ping replaces connections that died while pooled (database restart,
        # failover) so the service recovers without a restart.
        pool_pre_ping=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=5,
        connect_args={"connect_timeout": settings.db_connect_timeout},
    )
    if credentials is not None:
        _fill_in_credentials(engine, credentials)
    return engine


def _fill_in_credentials(engine: Engine, credentials: SecretCredentials) -> None:
    @event.listens_for(engine, "do_connect")
    def _connect(
        dialect: Dialect, _record: ConnectionPoolEntry, cargs: Any, cparams: dict[str, Any]
    ) -> Any:
        current = credentials.get()
        cparams.update(user=current.username, password=current.password)
        try:
            return dialect.connect(*cargs, **cparams)
        except psycopg2.OperationalError as error:
            if not _is_auth_failure(error):
                raise
            # The secret was probably rotated: read it once more and retry once.
            logger.warning("database rejected the cached credentials; re-reading the secret")
            fresh = credentials.refresh()
            cparams.update(user=fresh.username, password=fresh.password)
            return dialect.connect(*cargs, **cparams)


def check_database(engine: Engine) -> None:
    """Run a trivial query; raises when the database is unreachable."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def alembic_config() -> Config:
    """Return an Alembic configuration pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def run_migrations(engine: Engine) -> None:
    """Bring the schema to the newest revision (``alembic upgrade head``)."""
    config = alembic_config()
    with engine.begin() as connection:
        # Tasks starting together would race to create the same tables: a lock held
        # until this transaction ends lets one migrate while the others wait, then find
        # the schema current.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def get_session(request: Request) -> Iterator[Session]:
    """Yield a session bound to the application's engine, closed after the request."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    session = factory()
    try:
        yield session
    finally:
        close_quietly(session)


def close_quietly(session: Session) -> None:
    """Close a session whose database may have gone away since it answered.

    Closing rolls the connection back. When PostgreSQL stopped after the query, that
    rollback fails, and the error reached a response already being sent: the client
    got a cut-off answer (a 502 at the frontend; found by the PostgreSQL drill). The
    pool discards the dead connection either way, so the error is logged, not raised.
    """
    try:
        session.close()
    except sqlalchemy.exc.DBAPIError as error:
        if not (error.connection_invalidated or isinstance(error, sqlalchemy.exc.OperationalError)):
            raise
        logger.warning(
            "database went away before the session closed: %s", type(error.orig).__name__
        )


SessionDep = Annotated[Session, Depends(get_session)]
