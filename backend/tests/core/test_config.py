"""Settings: the database and sampler variables must make sense, or start-up fails naming them."""

import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy.pool import QueuePool

from app.core.config import SamplerArg, Settings, parse_sampler_arg
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


# OTEL_TRACES_SAMPLER_ARG for the xray sampler: ADOT's form, and start-up errors naming it.


def test_empty_arg_means_the_sidecar_every_five_minutes() -> None:
    assert parse_sampler_arg("") == SamplerArg("http://127.0.0.1:2000", 300.0)


def test_adot_form_is_read() -> None:
    arg = parse_sampler_arg(" endpoint=http://127.0.0.1:2000/ , polling_interval=1.5 ")

    assert arg == SamplerArg(endpoint="http://127.0.0.1:2000", polling_interval=1.5)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("polling_interval=soon", "polling_interval must be seconds > 0"),
        ("polling_interval=0", "polling_interval must be seconds > 0"),
        ("polling_interval=-5", "polling_interval must be seconds > 0"),
        ("polling_interval=nan", "polling_interval must be seconds > 0"),
        ("endpoint=127.0.0.1:2000", "endpoint must be an http(s) URL"),
        ("endpoint=file:///etc/passwd", "endpoint must be an http(s) URL"),
        ("endpoint", "expected key=value"),
        ("endpoint=", "expected key=value"),
        ("interval=300", "unknown key 'interval'"),
        ("polling_interval=1,polling_interval=2", "polling_interval given twice"),
    ],
)
def test_bad_arg_names_the_variable(text: str, complaint: str) -> None:
    with pytest.raises(ValueError, match="OTEL_TRACES_SAMPLER_ARG") as raised:
        parse_sampler_arg(text)

    assert complaint in str(raised.value)


def settings_with(**values: str) -> Settings:
    """Settings with a database and the given sampler variables."""
    return Settings(database_url=SecretStr("postgresql://127.0.0.1/todos"), **values)  # type: ignore[arg-type]


def test_xray_with_a_bad_arg_stops_start_up_naming_the_variable() -> None:
    with pytest.raises(ValidationError, match="OTEL_TRACES_SAMPLER_ARG: polling_interval"):
        settings_with(otel_traces_sampler="xray", otel_traces_sampler_arg="polling_interval=soon")


def test_other_samplers_leave_the_arg_to_the_sdk() -> None:
    found = settings_with(otel_traces_sampler="traceidratio", otel_traces_sampler_arg="0.1")

    assert found.xray_sampler_arg is None


def test_xray_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "xray")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "endpoint=http://127.0.0.1:2999")

    assert settings_with().xray_sampler_arg == SamplerArg("http://127.0.0.1:2999", 300.0)
