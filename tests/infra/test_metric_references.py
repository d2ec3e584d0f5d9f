"""The dashboard and the alarms name only metrics and dimension sets that something produces."""

from typing import Any

import pytest
import yaml

from ecsotel.local.apps import telemetry_env
from ecsotel.local.ports import Ports
from tests.infra.metric_references import (
    MetricRef,
    alarm_refs,
    emf_declarations,
    problems,
    widget_refs,
)
from tests.infra.terraform_model import ROOT, Infra, load_infra
from tests.infra.test_design import containers, environment

CONFIG = yaml.safe_load((ROOT / "collector" / "config.yaml").read_text())
NAMESPACE, DECLARATIONS = emf_declarations(CONFIG)
APPS = {"fastapi-app", "nextjs-app"}
DURATION = "http.server.request.duration"
AGGREGATION = "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION"


@pytest.fixture(scope="module")
def infra() -> Infra:
    """The parsed root module."""
    return load_infra()


def all_refs(infra: Infra) -> list[MetricRef]:
    """Every metric the dashboard and the alarms name, references resolved."""
    widgets = infra.resolve(infra.locals["dashboard_widgets"])
    widgets += infra.resolve(infra.locals["gateway_dashboard_widgets"])
    alarms = infra.resolve(infra.resources.get("aws_cloudwatch_metric_alarm", {}))
    return widget_refs(widgets) + alarm_refs(alarms)


def test_dashboard_and_alarms_name_only_metrics_that_are_produced(infra: Infra) -> None:
    refs = all_refs(infra)

    assert len(refs) > 20
    assert problems(refs, NAMESPACE, DECLARATIONS) == []


def test_dashboard_uses_the_collectors_namespace(infra: Infra) -> None:
    assert infra.locals["emf_namespace"] == NAMESPACE
    assert {ref.namespace for ref in all_refs(infra)} >= {NAMESPACE}


def test_service_name_values_are_the_apps_service_names(infra: Infra) -> None:
    """A typo'd value draws an empty graph as surely as a typo'd name."""
    values = {ref.values["service.name"] for ref in all_refs(infra) if "service.name" in ref.values}
    services = {ref.values.get("ServiceName") for ref in all_refs(infra)} - {None}

    assert values == APPS
    assert services == APPS | {infra.locals["gateway_name"]}


def test_dashboard_shows_what_operators_need(infra: Infra) -> None:
    widgets: list[dict[str, Any]] = infra.resolve(infra.locals["dashboard_widgets"])
    shown = {(ref.namespace, ref.name, ref.dimensions) for ref in widget_refs(widgets)}
    stats = {
        (row[-1].get("stat"), row[3])
        for widget in widgets
        for row in widget["properties"]["metrics"]
        if len(row) > 4 and row[1] == DURATION and isinstance(row[-1], dict)
    }
    route_set = frozenset(
        {"service.name", "http.request.method", "http.route", "http.response.status_class"}
    )

    assert {(p, app) for p in ("p50", "p90", "p99") for app in APPS} <= stats
    assert (NAMESPACE, DURATION, route_set) in shown  # per route (and the 5xx rate)
    for counter in ("created", "completed", "deleted"):
        assert (NAMESPACE, f"app.todos.{counter}", frozenset({"service.name"})) in shown
    actions = frozenset({"service.name", "app.action", "app.outcome"})
    assert (NAMESPACE, "app.server_action.invocations", actions) in shown
    names = {(namespace, name) for namespace, name, _ in shown}
    assert {
        ("AWS/ECS", "CPUUtilization"),
        ("AWS/ECS", "MemoryUtilization"),
        ("AWS/ApplicationELB", "TargetResponseTime"),
        ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count"),
        ("AWS/ApplicationELB", "HealthyHostCount"),
        ("AWS/RDS", "ServerlessDatabaseCapacity"),
        ("AWS/RDS", "DatabaseConnections"),
        ("AWS/RDS", "CPUUtilization"),
    } <= names


def test_apps_send_histograms_cloudwatch_can_take_percentiles_of(infra: Infra) -> None:
    """Exponential histograms, on ECS and locally alike (tests/collector shows the EMF form)."""
    for module, app in (("fastapi_service", "fastapi-app"), ("nextjs_service", "nextjs-app")):
        ecs = environment(containers(infra, module)[app])
        local = telemetry_env(app, Ports().otlp_endpoint)
        for name in (AGGREGATION, "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"):
            assert ecs[name] == local[name], (app, name)
        assert ecs[AGGREGATION] == "base2_exponential_bucket_histogram"


# --- the checker itself, fed broken targets -----------------------------------------


def widget(*rows: list[Any]) -> list[dict[str, Any]]:
    """A dashboard of one metric widget with these rows."""
    return [{"type": "metric", "properties": {"title": "t", "metrics": list(rows)}}]


def test_checker_rejects_a_typoed_emf_dimension() -> None:
    refs = widget_refs(widget([NAMESPACE, DURATION, "service_name", "fastapi-app"]))

    (problem,) = problems(refs, NAMESPACE, DECLARATIONS)
    assert "no such dimension set" in problem


def test_checker_rejects_an_undeclared_emf_metric() -> None:
    refs = widget_refs(widget([NAMESPACE, "app.todos.renamed", "service.name", "fastapi-app"]))

    (problem,) = problems(refs, NAMESPACE, DECLARATIONS)
    assert "no such EMF metric" in problem


def test_checker_rejects_a_search_filter_outside_the_schema() -> None:
    search = (
        f'SEARCH(\'{{"{NAMESPACE}","service.name"}} MetricName="{DURATION}" '
        '"http.route"="/api/todos"\', \'p99\', 60)'
    )
    refs = widget_refs(widget([{"id": "e1", "expression": search}]))

    (problem,) = problems(refs, NAMESPACE, DECLARATIONS)
    assert "no such dimension set" in problem


def test_checker_rejects_a_wrong_dimension_set_in_an_insights_alarm_query() -> None:
    query = (
        'SELECT SUM("app.server_action.invocations") '
        'FROM SCHEMA("ECS/AWSOTel/Application", "app.outcome", '
        '"service.name") WHERE "app.outcome" = \'error\''
    )
    refs = alarm_refs({"errors": {"metric_query": [{"id": "q", "expression": query}]}})

    (problem,) = problems(refs, NAMESPACE, DECLARATIONS)
    assert "no such dimension set" in problem


def test_checker_rejects_a_typoed_aws_dimension() -> None:
    alarm = {
        "namespace": "AWS/ApplicationELB",
        "metric_name": "UnHealthyHostCount",
        "dimensions": {"LoadBalancer": "${x}", "TargetGroups": "${y}"},
    }

    (problem,) = problems(alarm_refs({"unhealthy": alarm}), NAMESPACE, DECLARATIONS)
    assert "AWS publishes no such dimension set" in problem
