"""The local stack gives each app the same OTEL_* settings as its ECS task definition."""

import pytest

from ecsotel.local.apps import telemetry_env
from ecsotel.local.ports import Ports
from tests.infra.terraform_model import load_infra

SERVICES = {"fastapi_service": "fastapi-app", "nextjs_service": "nextjs-app"}
# Where the collector listens differs by place (a free port locally), and so does
# the sampler: on ECS the X-Ray sampling rules (infra/sampling.tf), whose API moto
# lacks, so locally the SDK's default keeps every trace. Nothing else may differ.
BY_PLACE = {"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG"}


def task_definition_otel_env(module: str) -> dict[str, str]:
    """The OTEL_* environment of an app's container in infra/ecs.tf."""
    infra = load_infra()
    definitions = infra.resolve(infra.modules[module]["container_definitions"])
    container = definitions[SERVICES[module]]
    return {
        item["name"]: item["value"]
        for item in container["environment"]
        if item["name"].startswith("OTEL_")
    }


@pytest.mark.parametrize("module", SERVICES)
def test_stack_and_task_definition_give_the_same_otel_settings(module: str) -> None:
    local = telemetry_env(SERVICES[module], Ports(otlp_http=14318).otlp_endpoint)
    on_ecs = task_definition_otel_env(module)

    assert {k: v for k, v in local.items() if k not in BY_PLACE} == {
        k: v for k, v in on_ecs.items() if k not in BY_PLACE
    }
    assert "OTEL_BSP_SCHEDULE_DELAY" in local
    assert on_ecs["OTEL_TRACES_SAMPLER"] == "xray"
    assert "OTEL_TRACES_SAMPLER" not in local
    assert local["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:14318"
