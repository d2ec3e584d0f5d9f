"""`up --pipeline`: which collectors run, how they are wired, and how verify tells them apart."""

import pytest

from ecsotel.local import collector
from ecsotel.local.apps import telemetry_env
from ecsotel.local.moto import LocalAws
from ecsotel.local.ports import Ports
from ecsotel.local.process import ServiceError
from ecsotel.local.stack import QUEUE_DIR, Stack, check_ports_free, sidecar_specs


def _stack(pipeline: collector.Pipeline) -> Stack:
    ports = Ports.free()
    return Stack(
        ports=ports,
        aws=LocalAws(port=ports.aws),
        database=None,  # type: ignore[arg-type]  # not started here
        log=lambda _service, _line: None,
        pipeline=pipeline,
    )


def test_xray_exporter_runs_one_collector_on_config_yaml() -> None:
    (spec,) = sidecar_specs(_stack("xray-exporter"))
    assert spec.argv[1:] == ["--config", str(collector.CONFIG)]


def test_otlp_runs_the_stand_in_first_then_the_sidecar_pointed_at_it() -> None:
    stack = _stack("otlp")
    standin, sidecar = sidecar_specs(stack)
    assert standin.name == "standin"
    assert standin.argv[1:] == [
        "--config",
        str(collector.CONFIG),
        "--config",
        str(collector.STANDIN_CONFIG),
    ]
    assert standin.env["AWS_ENDPOINT_URL"] == stack.aws.endpoint
    assert sidecar.argv[1:] == ["--config", str(collector.OTLP_CONFIG)]
    standin_url = f"http://127.0.0.1:{stack.ports.standin_otlp_http}"
    for variable in ("XRAY", "MONITORING", "LOGS"):
        assert sidecar.env[f"OTELCOL_{variable}_ENDPOINT"] == standin_url
    assert sidecar.env["OTELCOL_QUEUE_DIR"] == str(QUEUE_DIR)
    # Both name the same group: the sidecar in its headers, the stand-in in moto.
    assert sidecar.env["OTELCOL_LOG_GROUP"] == standin.env["OTELCOL_LOG_GROUP"]
    # The sidecar talks to the stand-in only, never to moto directly.
    assert "AWS_ENDPOINT_URL" not in sidecar.env


@pytest.mark.parametrize(("pipeline", "exporter"), [("xray-exporter", "none"), ("otlp", "otlp")])
def test_apps_send_logs_over_otlp_only_on_the_otlp_pipeline(
    pipeline: collector.Pipeline, exporter: str
) -> None:
    assert (
        telemetry_env("fastapi-app", Ports().otlp_endpoint, pipeline)["OTEL_LOGS_EXPORTER"]
        == exporter
    )


def test_stand_in_ports_are_checked_only_on_the_otlp_pipeline(taken_port: int) -> None:
    ports = Ports(**{**Ports.free().__dict__, "standin_health": taken_port})
    check_ports_free(ports, "xray-exporter")
    with pytest.raises(ServiceError, match=f"port {taken_port} is taken, and standin needs it"):
        check_ports_free(ports, "otlp")


def test_verify_sees_the_otlp_pipeline_when_the_stand_in_answers(taken_port: int) -> None:
    ports = Ports(**{**Ports.free().__dict__, "standin_health": taken_port})
    assert collector.running_pipeline(ports.standin) == "otlp"
    assert collector.running_pipeline(Ports.free().standin) == "xray-exporter"
