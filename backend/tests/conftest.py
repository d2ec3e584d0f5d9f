"""Shared fixtures: one PostgreSQL cluster, telemetry into memory, one app per session.

Telemetry is set up once per session (OpenTelemetry's global providers can be set
only once per process), and the engine's statements traced by it, as the service
does. Each test runs in an outer transaction that is rolled back.
"""

import threading
from collections.abc import Iterator

import pytest
from devkit.postgres import Cluster
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.db import create_db_engine, get_session, run_migrations
from app.main import create_app
from app.telemetry import Telemetry, setup_telemetry
from tests.service import OtlpReceiver

DATABASE = "todos_test"


@pytest.fixture(scope="session")
def pg() -> Iterator[Cluster]:
    """A throwaway PostgreSQL cluster for the whole session."""
    cluster = Cluster()
    try:
        cluster.start()
        cluster.psql(f"CREATE DATABASE {DATABASE}")
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture(scope="session")
def settings(pg: Cluster) -> Settings:
    """Settings for the test database, telemetry on."""
    url = pg.url(DATABASE)
    return Settings(database_url=SecretStr(url), otel_sdk_disabled=False)


@pytest.fixture(scope="session")
def spans() -> InMemorySpanExporter:
    """Every finished span (after ``telemetry.tracer_provider.force_flush()``)."""
    return InMemorySpanExporter()


@pytest.fixture(scope="session")
def metric_reader() -> InMemoryMetricReader:
    """Reads the metrics recorded so far."""
    return InMemoryMetricReader()


@pytest.fixture(scope="session")
def telemetry(
    settings: Settings, spans: InMemorySpanExporter, metric_reader: InMemoryMetricReader
) -> Telemetry:
    """The service's own bootstrap, exporting into memory."""
    installed = setup_telemetry(settings, span_exporter=spans, metric_reader=metric_reader)
    assert installed is not None
    return installed


@pytest.fixture(scope="session")
def engine(settings: Settings, telemetry: Telemetry) -> Iterator[Engine]:
    """The service's engine on the migrated test database."""
    created = create_db_engine(settings)
    telemetry.instrument_engine(created)
    with suppress_instrumentation():  # as at start-up: migrations are not request work
        run_migrations(created)
    yield created
    created.dispose()


@pytest.fixture(scope="session")
def app(engine: Engine, telemetry: Telemetry) -> FastAPI:
    """The application as the service builds it, with telemetry."""
    return create_app(engine=engine, telemetry=telemetry)


@pytest.fixture
def db_session(engine: Engine) -> Iterator[Session]:
    """A session inside an outer transaction that is rolled back after the test."""
    with engine.connect() as connection:
        outer = connection.begin()
        # Commits in the code under test only release savepoints of the outer transaction.
        session = Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            session.close()
            outer.rollback()


@pytest.fixture
def client(
    app: FastAPI, db_session: Session, spans: InMemorySpanExporter, telemetry: Telemetry
) -> Iterator[TestClient]:
    """An HTTP client whose requests use the test's rolled-back session."""

    def _session() -> Iterator[Session]:
        yield db_session

    app.dependency_overrides[get_session] = _session
    # Spans of earlier tests may still wait in the batch processor: flush, then forget them.
    telemetry.tracer_provider.force_flush()
    spans.clear()
    # No `with`: the lifespan's shutdown would stop the session-wide telemetry.
    yield TestClient(app, raise_server_exceptions=False)
    app.dependency_overrides.clear()


@pytest.fixture
def receiver() -> Iterator[OtlpReceiver]:
    """An OTLP/HTTP receiver on a free port, in a thread."""
    server = OtlpReceiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
