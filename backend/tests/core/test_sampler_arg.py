"""OTEL_TRACES_SAMPLER_ARG for the xray sampler: ADOT's form, and start-up errors naming it."""

import pytest
from pydantic import SecretStr, ValidationError

from app.core.config import Settings
from app.core.sampling.arg import SamplerArg, parse_sampler_arg


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


def settings(**values: str) -> Settings:
    """Settings with a database and the given sampler variables."""
    return Settings(database_url=SecretStr("postgresql://127.0.0.1/todos"), **values)  # type: ignore[arg-type]


def test_xray_with_a_bad_arg_stops_start_up_naming_the_variable() -> None:
    with pytest.raises(ValidationError, match="OTEL_TRACES_SAMPLER_ARG: polling_interval"):
        settings(otel_traces_sampler="xray", otel_traces_sampler_arg="polling_interval=soon")


def test_other_samplers_leave_the_arg_to_the_sdk() -> None:
    found = settings(otel_traces_sampler="traceidratio", otel_traces_sampler_arg="0.1")

    assert found.xray_sampler_arg is None


def test_xray_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "xray")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "endpoint=http://127.0.0.1:2999")

    assert settings().xray_sampler_arg == SamplerArg("http://127.0.0.1:2999", 300.0)
