"""`up --sampling tail`: which collectors run, how they are wired, and verify's keep tag."""

from pathlib import Path
from types import SimpleNamespace

import pytest

from ecsotel import xray
from ecsotel.local import collector, sampling
from ecsotel.local.moto import LocalAws
from ecsotel.local.ports import Ports
from ecsotel.local.process import ServiceError
from ecsotel.local.stack import QUEUE_DIR, Stack, app_specs, check_ports_free, sidecar_specs


def _stack(pipeline: collector.Pipeline, fault_rate: float = 0.0) -> Stack:
    ports = Ports.free()
    return Stack(
        ports=ports,
        aws=LocalAws(port=ports.aws),
        database=SimpleNamespace(database="todo"),  # type: ignore[arg-type]  # not started
        log=lambda _service, _line: None,
        pipeline=pipeline,
        sampling="tail",
        fault_rate=fault_rate,
    )


@pytest.mark.parametrize(
    ("pipeline", "base"), [("xray-exporter", collector.CONFIG), ("otlp", collector.OTLP_CONFIG)]
)
def test_tail_runs_two_gateways_then_a_sidecar_per_app_over_the_pipelines_base(
    pipeline: collector.Pipeline, base: Path
) -> None:
    stack = _stack(pipeline)
    specs = {spec.name: spec for spec in sidecar_specs(stack)}
    tail = ["gateway-1", "gateway-2", "api-sidecar", "web-sidecar"]

    assert list(specs) == (["standin"] if pipeline == "otlp" else []) + tail
    gateway_ports = [port.grpc for port in stack.ports.gateways.values()]
    for name in ("gateway-1", "gateway-2"):
        assert specs[name].argv[1:] == [
            "--config",
            str(base),
            "--config",
            str(sampling.GATEWAY_CONFIG),
        ]
        assert "OTELCOL_GATEWAY_RESOLVER" not in specs[name].env
    for name in ("api-sidecar", "web-sidecar"):
        assert specs[name].argv[1:] == [
            "--config",
            str(base),
            "--config",
            str(sampling.TAIL_CONFIG),
        ]
        resolver = specs[name].env["OTELCOL_GATEWAY_RESOLVER"]
        assert all(f'"127.0.0.1:{port}"' in resolver for port in gateway_ports)
    if pipeline == "otlp":
        # Each its own sending queue.
        assert specs["web-sidecar"].env["OTELCOL_QUEUE_DIR"] == str(QUEUE_DIR / "web-sidecar")


def test_each_app_exports_to_its_own_sidecar_and_the_backend_gets_the_fault_rate() -> None:
    stack = _stack("xray-exporter", fault_rate=0.05)
    backend, frontend = app_specs(stack)

    assert backend.env["OTEL_EXPORTER_OTLP_ENDPOINT"] == stack.ports.otlp_endpoint
    web = stack.ports.web_sidecar.http
    assert frontend.env["OTEL_EXPORTER_OTLP_ENDPOINT"] == f"http://127.0.0.1:{web}"
    assert backend.env["FAULT_RATE"] == "0.05"
    assert "OTEL_TRACES_SAMPLER" not in backend.env  # the apps record every trace


def test_gateway_ports_are_checked_only_with_tail_sampling(taken_port: int) -> None:
    ports = Ports(**{**Ports.free().__dict__, "gateway2_health": taken_port})
    check_ports_free(ports, "xray-exporter", "head")
    with pytest.raises(ServiceError, match=f"port {taken_port} is taken, and gateway-2 needs it"):
        check_ports_free(ports, "xray-exporter", "tail")


def test_verify_sees_tail_sampling_when_a_gateway_answers(taken_port: int) -> None:
    ports = Ports(**{**Ports.free().__dict__, "gateway1_health": taken_port})
    assert sampling.running_sampling(ports) == "tail"
    assert sampling.running_sampling(Ports.free()) == "head"


def test_a_marked_trace_id_carries_the_tag_after_its_epoch() -> None:
    tag = sampling.keep_tag()
    marked = xray.TraceId.new(tag)

    assert len(marked.hex) == 32
    assert marked.hex[8:16] == tag
    assert marked.xray.startswith(f"1-{marked.hex[:8]}-{tag}")
    assert xray.TraceId.new().hex[8:16] != tag


def test_the_keep_tag_refuses_a_policy_of_another_form(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = sampling.GATEWAY_CONFIG.read_text().replace(
        "Substring(trace_id.string, 8, 8)", 'trace_state["keep"]'
    )
    (tmp_path / "gateway.yaml").write_text(changed)
    monkeypatch.setattr(sampling, "GATEWAY_CONFIG", tmp_path / "gateway.yaml")

    with pytest.raises(ValueError, match="the marked policy changed form"):
        sampling.keep_tag()
    with pytest.raises(ValueError, match="no default for OTELCOL_NOTHING"):
        sampling.gateway_default("OTELCOL_NOTHING")


def test_the_head_share_is_the_sdks_own_ratio_sampler() -> None:
    assert sampling.head_sampler_env(sampling.share_percent() / 100) == {
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": "0.1",
    }
