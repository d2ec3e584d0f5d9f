"""The database: migrations match the models, outages give 503, recovery is automatic."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from devkit.postgres import Cluster
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, text

from app.core.config import Settings
from app.core.db import Base, create_db_engine, run_migrations
from app.main import create_app


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)

    assert differences == []


@pytest.fixture
def own_cluster() -> Iterator[Cluster]:
    """A second cluster that a test may stop and start again."""
    cluster = Cluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


def test_database_outage_returns_503_and_recovers(own_cluster: Cluster) -> None:
    url = own_cluster.url()
    engine = create_db_engine(Settings(database_url=SecretStr(url)))
    run_migrations(engine)
    client = TestClient(create_app(engine=engine, telemetry=None), raise_server_exceptions=False)
    assert client.post("/api/todos/", json={"title": "survives"}).status_code == 201

    own_cluster.stop()
    down = client.get("/api/todos/")
    write = client.post("/api/todos/", json={"title": "refused"})
    ready = client.get("/readyz")

    assert down.status_code == 503
    assert down.json() == {"detail": "database unavailable, try again shortly"}
    assert "Traceback" not in down.text
    assert write.status_code == 503
    assert ready.status_code == 503
    assert client.get("/healthz").status_code == 200

    own_cluster.start()
    # The pooled connections died with the server; pre-ping replaces them.
    back = client.get("/api/todos/")

    assert back.status_code == 200
    assert [todo["title"] for todo in back.json()] == ["survives"]
    assert client.get("/readyz").status_code == 200
    engine.dispose()


def test_closed_port_returns_503(own_cluster: Cluster) -> None:
    own_cluster.stop()
    url = own_cluster.url()
    engine = create_db_engine(Settings(database_url=SecretStr(url)))
    client = TestClient(create_app(engine=engine, telemetry=None), raise_server_exceptions=False)

    assert client.get("/api/todos/1").status_code == 503


def test_migrations_started_together_take_turns(settings: Settings, pg: Cluster) -> None:
    pg.psql("CREATE DATABASE migrate_together")
    url = pg.url("migrate_together")
    engines = [create_db_engine(Settings(database_url=SecretStr(url))) for _ in range(3)]

    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(run_migrations, engines))

    with engines[0].connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert version == "0001"
    for engine in engines:
        engine.dispose()
