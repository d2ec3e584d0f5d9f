"""trace_sampling = "tail": the otel-gateway tier, the sidecars' overlay, one home per setting."""

import re

import pytest

from ecsotel.local.sampling import GATEWAY_CONFIG, gateway_default
from tests.infra.terraform_model import Infra, block, load_infra

TAIL_ONLY = [
    ("aws_service_discovery_service", "gateway", "count"),
    ("aws_cloudwatch_metric_alarm", "gateway_running", "count"),
    ("aws_cloudwatch_metric_alarm", "gateway_memory", "count"),
    ("aws_iam_role", "gateway", "count"),
]


@pytest.fixture(scope="module")
def infra() -> Infra:
    """The parsed root module."""
    return load_infra()


def test_sampling_defaults_to_the_head_and_accepts_only_the_two(infra: Infra) -> None:
    variable = infra.variables["trace_sampling"]
    assert variable["default"] == "head"
    assert '["head", "tail"]' in block(variable["validation"])["condition"]
    assert infra.locals["tail"] == '${var.trace_sampling == "tail"}'


@pytest.mark.parametrize(("kind", "name", "argument"), TAIL_ONLY)
def test_the_gateway_exists_only_with_tail_sampling(
    infra: Infra, kind: str, name: str, argument: str
) -> None:
    assert infra.resource(kind, name)[argument] == "${local.tail ? 1 : 0}"


def test_the_gateway_service_is_created_with_tail_only_and_found_through_cloud_map(
    infra: Infra,
) -> None:
    service = infra.modules["gateway_service"]
    assert service["create"] == "${local.tail}"
    assert "aws_service_discovery_service.gateway[0].arn" in service["service_registries"]
    discovery = infra.resource("aws_service_discovery_service", "gateway")
    assert discovery["name"] == "${local.gateway_name}"
    records = block(block(discovery["dns_config"])["dns_records"])
    assert records["type"] == "A"  # one per task: the exporter hashes over all of them


def test_the_sidecars_resolve_the_gateway_by_its_cloud_map_name(infra: Infra) -> None:
    resolver = infra.locals["gateway_resolver"]
    # The loadbalancing exporter's dns port decodes only from a string.
    assert "port = tostring(local.gateway_port)" in resolver
    assert "${local.gateway_name}.${aws_service_discovery_private_dns_namespace.this.name}" in (
        resolver
    )
    sidecar_environment = infra.locals["collector_container"]["environment"]
    assert "OTELCOL_GATEWAY_RESOLVER" in sidecar_environment
    assert "local.tail ?" in sidecar_environment


def test_with_tail_sampling_adot_reads_the_base_and_the_overlay_from_flags(infra: Infra) -> None:
    """ADOT ignores every --config flag once AOT_CONFIG_CONTENT is set."""
    sidecar = infra.locals["collector_container"]
    assert sidecar["command"] == (
        '${local.tail ? ["--config=env:OTELCOL_CONFIG", "--config=env:OTELCOL_OVERLAY"] : null}'
    )
    assert sidecar["secrets"] == (
        '${local.tail ? local.layered_config_secrets["sidecar"] : local.whole_config_secrets}'
    )
    overlays = infra.resource("aws_ssm_parameter", "collector_overlay")
    assert 'sidecar = "config.tail.yaml", gateway = "config.gateway.yaml"' in (overlays["for_each"])


def test_the_gateway_is_hardened_like_the_sidecars_and_listens_for_them(infra: Infra) -> None:
    gateway = infra.resolve(infra.locals["gateway_container"])
    assert gateway["readonlyRootFilesystem"] is True
    assert gateway["linuxParameters"] == {"capabilities": {"drop": ["ALL"]}}
    assert gateway["healthCheck"]["command"] == ["CMD", "/healthcheck"]
    assert gateway["portMappings"] == [
        {"name": "otlp-grpc", "containerPort": 4317, "protocol": "tcp"}
    ]
    environment = {item["name"]: item["value"] for item in gateway["environment"]}
    assert environment["OTELCOL_OTLP_GRPC_ENDPOINT"] == "0.0.0.0:4317"
    rules = infra.locals["gateway_security_group_rules"]
    assert "port = local.gateway_port" in rules
    assert "if local.tail" in rules


def test_every_policy_setting_is_a_variable_whose_default_is_the_configs(infra: Infra) -> None:
    """The gateway config's defaults (used locally) and Terraform's must not drift apart."""
    given = {
        item["name"]: item["value"]
        for item in infra.resolve(infra.locals["gateway_policy_environment"])
    }
    read = set(re.findall(r"\$\{env:(OTELCOL_TAIL_\w+)", _gateway_config_text()))
    assert set(given) == read
    variables = infra.variables
    slow = variables["tail_sampling_slow_ms"]["default"]
    wait = variables["tail_sampling_decision_wait_seconds"]["default"]
    expected = {
        "OTELCOL_TAIL_DECISION_WAIT": f"{wait}s",
        "OTELCOL_TAIL_SLOW_FASTAPI_APP_MS": str(slow["fastapi-app"]),
        "OTELCOL_TAIL_SLOW_NEXTJS_APP_MS": str(slow["nextjs-app"]),
        "OTELCOL_TAIL_SHARE_PERCENT": str(variables["tail_sampling_share_percent"]["default"]),
        "OTELCOL_TAIL_SHARE_SPANS_PER_SECOND": str(
            variables["tail_sampling_share_spans_per_second"]["default"]
        ),
    }
    assert {name: gateway_default(name) for name in read} == expected


def test_apps_record_every_trace_with_tail_sampling(infra: Infra) -> None:
    environment = infra.locals["otel_environment"]
    assert (
        '{name = "OTEL_TRACES_SAMPLER", value = local.tail ? "parentbased_always_on" : "xray"}'
        in environment
    )


def test_the_fault_switch_is_off_unless_set_and_bounded(infra: Infra) -> None:
    variable = infra.variables["fault_rate"]
    assert variable["default"] == 0
    assert (
        "var.fault_rate >= 0 && var.fault_rate <= 1" in block(variable["validation"])["condition"]
    )
    backend = infra.modules["fastapi_service"]["container_definitions"]["fastapi-app"]
    assert '{name = "FAULT_RATE", value = tostring(var.fault_rate)}' in backend["environment"]


def _gateway_config_text() -> str:
    return GATEWAY_CONFIG.read_text(encoding="utf-8")
