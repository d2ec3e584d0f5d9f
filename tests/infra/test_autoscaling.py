"""Autoscaling: target tracking on both services, drains kept on scale-in, pools within Aurora."""

import math
import re
from typing import Any

import pytest

from tests.infra.terraform_model import ROOT, Infra, load_infra
from tests.infra.test_design import containers

SERVICES = {"fastapi_service": "fastapi", "nextjs_service": "nextjs"}
# Terraform functions the capacity expressions use, for `evaluate`.
FUNCTIONS = {"min": min, "max": max, "floor": math.floor}


@pytest.fixture(scope="module")
def infra() -> Infra:
    """The parsed root module."""
    return load_infra()


def evaluate(infra: Infra, expression: str, variables: dict[str, Any]) -> Any:
    """Evaluate an arithmetic Terraform expression of locals and variables (defaults overridden)."""

    def local(match: re.Match[str]) -> str:
        return f"({evaluate(infra, infra.locals[match.group(1)], variables)})"

    def variable(match: re.Match[str]) -> str:
        name = match.group(1)
        return repr(variables.get(name, infra.variables[name]["default"]))

    body = re.fullmatch(r"\$\{(.*)\}", expression, re.DOTALL)
    text = body.group(1) if body else expression
    text = re.sub(r"local\.(\w+)", local, re.sub(r"var\.(\w+)", variable, text))
    assert re.fullmatch(r"[\d\s.+\-*/(),<=>a-z]*", text), f"not arithmetic: {text}"
    return eval(text, {"__builtins__": {}}, FUNCTIONS)  # noqa: S307 - checked to be arithmetic


def pool_fits(infra: Infra, **variables: Any) -> bool:
    """The precondition on the Aurora cluster, evaluated with these variable values."""
    precondition = infra.resource("aws_rds_cluster", "this")["lifecycle"][0]["precondition"][0]
    return bool(evaluate(infra, precondition["condition"], variables))


@pytest.mark.parametrize("module", SERVICES)
def test_services_scale_on_cpu_between_variable_bounds(infra: Infra, module: str) -> None:
    body = infra.modules[module]
    prefix = SERVICES[module]

    assert body.get("enable_autoscaling", True) is True
    assert body["autoscaling_min_capacity"] == f"${{var.{prefix}_min_tasks}}"
    assert body["autoscaling_max_capacity"] == f"${{var.{prefix}_max_tasks}}"
    assert body["desired_count"] == body["autoscaling_min_capacity"]
    assert "local.cpu_policy" in body["autoscaling_policies"]
    cpu = infra.locals["cpu_policy"]["cpu"]["target_tracking_scaling_policy_configuration"]
    assert cpu["predefined_metric_specification"]["predefined_metric_type"] == (
        "ECSServiceAverageCPUUtilization"
    )
    assert cpu["target_value"] == "${var.autoscaling_cpu_target}"


def test_nextjs_also_scales_on_alb_requests_per_target(infra: Infra) -> None:
    assert "local.requests_policy" in infra.modules["nextjs_service"]["autoscaling_policies"]
    assert "requests_policy" not in infra.modules["fastapi_service"]["autoscaling_policies"]
    policy = infra.locals["requests_policy"]["requests"][
        "target_tracking_scaling_policy_configuration"
    ]
    metric = policy["predefined_metric_specification"]
    assert metric["predefined_metric_type"] == "ALBRequestCountPerTarget"
    assert metric["resource_label"] == (
        '${module.alb.arn_suffix}/${module.alb.target_groups["nextjs-app"].arn_suffix}'
    )
    assert policy["target_value"] == "${var.nextjs_requests_per_task_minute}"


def test_default_pools_fit_aurora_at_its_minimum_capacity(infra: Infra) -> None:
    limit = evaluate(infra, infra.locals["db_max_connections_at_min_acu"], {})
    used = evaluate(infra, infra.locals["backend_pool_connections"], {})

    assert limit == 112  # 0.5 ACU, about 1 GiB
    assert used == 4 * (10 + 10)
    assert pool_fits(infra)


def test_pool_check_refuses_more_tasks_than_aurora_can_serve(infra: Infra) -> None:
    assert not pool_fits(infra, fastapi_max_tasks=6)
    assert pool_fits(infra, fastapi_max_tasks=6, db_min_capacity=1)


def test_task_definition_passes_the_checked_pool_sizes(infra: Infra) -> None:
    env = {
        item["name"]: item["value"]
        for item in containers(infra, "fastapi_service")["fastapi-app"]["environment"]
    }
    # Resolved from tostring(var.db_pool_size) and tostring(var.db_max_overflow).
    assert env["DB_POOL_SIZE"] == str(infra.variables["db_pool_size"]["default"])
    assert env["DB_MAX_OVERFLOW"] == str(infra.variables["db_max_overflow"]["default"])


def source_number(path: str, pattern: str) -> float:
    """A number the apps' source states (a timeout), found by pattern."""
    found = re.search(pattern, (ROOT / path).read_text())
    assert found, f"{pattern!r} not found in {path}"
    return float(found.group(1))


def test_scale_in_lets_requests_finish_and_telemetry_flush(infra: Infra) -> None:
    """Deregistration outlasts a request; stopTimeout outlasts the drain plus the flush."""
    backend_timeout = source_number("frontend/lib/backend.ts", r'BACKEND_TIMEOUT_MS \?\? "(\d+)"')
    graceful = source_number("backend/app/__main__.py", r"timeout_graceful_shutdown=(\d+)")
    flush = source_number("backend/app/telemetry/setup.py", r"FLUSH_SECONDS = ([\d.]+)")
    target_group = infra.modules["alb"]["target_groups"]["nextjs-app"]

    assert target_group["deregistration_delay"] > backend_timeout / 1000
    for module, app in (("fastapi_service", "fastapi-app"), ("nextjs_service", "nextjs-app")):
        by_name = containers(infra, module)
        assert by_name[app]["stopTimeout"] >= graceful + flush, app
        assert by_name["aws-otel-collector"]["stopTimeout"] >= flush
