"""Settings: one way to the database must be complete, or start-up fails naming it."""

import pytest
from pydantic import ValidationError
from sqlalchemy.pool import QueuePool

from app.core.config import Settings
from app.core.db import create_db_engine

DB_VARIABLES = (
    "DATABASE_URL",
    "DB_HOST",
    "DB_PORT",
    "DB_NAME",
    "DB_SECRET_ARN",
    "AWS_REGION",
    "DB_POOL_SIZE",
    "DB_MAX_OVERFLOW",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start each test without the database variables of the surrounding shell."""
    for name in DB_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_database_url_alone_is_enough(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@127.0.0.1:5432/todos")

    settings = Settings()

    assert settings.host == "127.0.0.1"
    assert settings.port == 8000
    assert settings.otel_service_name == "fastapi-app"
    assert settings.otel_propagators == "tracecontext,baggage,xray"
    assert "u:p" not in repr(settings)


def test_secret_variables_missing_one_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_HOST", "db.example")
    monkeypatch.setenv("DB_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:x")
    monkeypatch.setenv("AWS_REGION", "us-east-1")

    with pytest.raises(ValidationError, match="DB_NAME"):
        Settings()


def test_secret_without_region_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"DB_HOST": "h", "DB_NAME": "n", "DB_SECRET_ARN": "arn"}.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ValidationError, match="AWS_REGION"):
        Settings()


def test_nothing_set_is_refused() -> None:
    with pytest.raises(ValidationError, match="DATABASE_URL"):
        Settings()


def test_bad_port_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://127.0.0.1/todos")
    monkeypatch.setenv("PORT", "http")

    with pytest.raises(ValidationError, match="port"):
        Settings()


def test_pool_size_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://127.0.0.1/todos")
    monkeypatch.setenv("DB_POOL_SIZE", "4")
    monkeypatch.setenv("DB_MAX_OVERFLOW", "2")

    engine = create_db_engine(Settings())

    assert isinstance(engine.pool, QueuePool)
    assert (engine.pool.size(), engine.pool._max_overflow) == (4, 2)


def test_empty_pool_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://127.0.0.1/todos")
    monkeypatch.setenv("DB_POOL_SIZE", "0")

    with pytest.raises(ValidationError, match="db_pool_size"):
        Settings()
