"""What each task definition gives its containers: memory that adds up, and one OTEL_* source."""

import json
import re
from typing import Any

import pytest

from ecsotel.local.apps import FRONTEND_HEAP_MIB
from tests.infra.arithmetic import number
from tests.infra.terraform_model import ROOT, Infra, load_infra

SERVICES = {"fastapi_service": "fastapi-app", "nextjs_service": "nextjs-app"}
APP_ENV = ROOT / "collector" / "app-env.json"


@pytest.fixture(scope="module")
def infra() -> Infra:
    """The parsed root module."""
    return load_infra()


def containers(infra: Infra, module: str) -> dict[str, dict[str, Any]]:
    """A service's container definitions by name (the collector's name resolved)."""
    definitions = infra.resolve(infra.modules[module]["container_definitions"])
    return {
        SERVICES[module] if key == SERVICES[module] else "collector": d
        for key, d in definitions.items()
    }


def environment(container: dict[str, Any]) -> dict[str, str]:
    """A container's environment as a dict."""
    return {item["name"]: item["value"] for item in container.get("environment", [])}


@pytest.mark.parametrize("module", SERVICES)
def test_container_memory_limits_add_up_to_the_task_size(infra: Infra, module: str) -> None:
    """Every container has a hard limit and a reservation; the limits fill the task exactly."""
    task_memory = number(infra, infra.modules[module]["memory"])
    limits = []
    for name, container in containers(infra, module).items():
        assert "memory" in container, f"{module}: {name} has no hard memory limit"
        limit = number(infra, container["memory"])
        reservation = number(infra, container["memoryReservation"])
        assert 0 < reservation <= limit, f"{module}: {name} reserves {reservation} of {limit}"
        limits.append(limit)
    assert sum(limits) == task_memory
    assert number(infra, containers(infra, module)["collector"]["memory"]) >= 128


def test_nextjs_heap_is_sized_to_its_container(infra: Infra) -> None:
    """NODE_OPTIONS caps V8's old space below the container's limit, with room for the rest."""
    app = containers(infra, "nextjs_service")["nextjs-app"]
    options = environment(app)["NODE_OPTIONS"]
    found = re.fullmatch(r"--max-old-space-size=\$\{(local\.\w+)\}", options)
    assert found, f"NODE_OPTIONS does not set the heap from a local: {options}"
    heap = number(infra, infra.lookup(found.group(1)))
    limit = number(infra, app["memory"])
    assert 0.5 * limit <= heap <= limit - 128, f"old space {heap} MiB in a {limit} MiB container"
    # The local stack runs the frontend with the same heap as the default task.
    assert heap == FRONTEND_HEAP_MIB


@pytest.mark.parametrize("module", SERVICES)
def test_apps_get_every_otel_setting_of_collector_app_env_json(infra: Infra, module: str) -> None:
    """The OTEL_* batch, interval and protocol settings come from the one shared file."""
    expected = json.loads(APP_ENV.read_text())
    assert "OTEL_BSP_SCHEDULE_DELAY" in expected
    env = environment(containers(infra, module)[SERVICES[module]])
    assert {name: env.get(name) for name in expected} == expected


def test_task_definitions_spell_no_otel_setting_of_their_own(infra: Infra) -> None:
    """Besides the endpoint, the service name, the logs switch and the sampler, no OTEL_* in HCL."""
    shared = set(json.loads(APP_ENV.read_text()))
    written = set(re.findall(r'name = "(OTEL_\w+)"', (ROOT / "infra" / "ecs.tf").read_text()))
    # OTEL_LOGS_EXPORTER follows telemetry_pipeline; the X-Ray sampler needs X-Ray's
    # sampling API, which the local stack's moto lacks (it samples everything):
    # both are the task definition's to set.
    assert written == {
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_SERVICE_NAME",
        "OTEL_LOGS_EXPORTER",
        "OTEL_TRACES_SAMPLER",
        "OTEL_TRACES_SAMPLER_ARG",
    }
    assert not written & shared
