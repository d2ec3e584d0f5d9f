"""The dashboard and the alarms name only metrics and dimension sets that something produces."""

import re
from typing import Any

import pytest
import yaml

from ecsotel.local.apps import telemetry_env
from ecsotel.local.ports import Ports
from tests.infra.metric_references import (
    MetricRef,
    alarm_refs,
    emf_declarations,
    metric_queries,
    problems,
    undefined_ids,
    widget_queries,
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


def dashboard_widgets(infra: Infra) -> list[dict[str, Any]]:
    """Every widget of the dashboard: each widget list its body concatenates, resolved."""
    body = infra.resource("aws_cloudwatch_dashboard", "this")["dashboard_body"]
    lists = re.findall(r"local\.(\w+_widgets)\b", body)
    assert lists, f"the dashboard names no widget list: {body}"
    return [widget for name in lists for widget in infra.resolve(infra.locals[name])]


def all_refs(infra: Infra) -> list[MetricRef]:
    """Every metric the dashboard and the alarms name, references resolved."""
    alarms = infra.resolve(infra.resources.get("aws_cloudwatch_metric_alarm", {}))
    return widget_refs(dashboard_widgets(infra)) + alarm_refs(alarms)


def test_dashboard_and_alarms_name_only_metrics_that_are_produced(infra: Infra) -> None:
    refs = all_refs(infra)

    assert len(refs) > 20
    assert problems(refs, NAMESPACE, DECLARATIONS) == []


def test_every_expression_names_only_queries_it_defines(infra: Infra) -> None:
    alarms = infra.resolve(infra.resources["aws_cloudwatch_metric_alarm"])
    found = [
        problem
        for name, alarm in alarms.items()
        for problem in undefined_ids(f"alarm {name!r}", metric_queries(alarm))
    ]
    found += [
        problem
        for widget in dashboard_widgets(infra)
        for problem in undefined_ids(widget["properties"]["title"], widget_queries(widget))
    ]
    expressions = [q for a in alarms.values() for q in metric_queries(a) if "expression" in q]

    assert len(expressions) >= 3
    assert found == []


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
    widgets = dashboard_widgets(infra)
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


def test_checker_reads_a_dynamic_metric_query_and_rejects_its_wrong_dimension() -> None:
    content = {
        "id": "errors_${metric_query.value}",
        "metric": [
            {
                "namespace": NAMESPACE,
                "metric_name": "app.server_action.invocations",
                "dimensions": {"service.name": "nextjs-app", "app.outcome": "error"},
            }
        ],
    }
    alarm = {"dynamic": [{"metric_query": {"for_each": ["x"], "content": [content]}}]}

    assert [query["id"] for query in metric_queries(alarm)] == ["errors_x"]

    (problem,) = problems(alarm_refs({"errors": alarm}), NAMESPACE, DECLARATIONS)
    assert "no such dimension set" in problem


def test_checker_rejects_an_expression_naming_an_undefined_query() -> None:
    queries: list[dict[str, Any]] = [
        {"id": "burn", "expression": "FILL(target_5xx, 0) / requests / (1 - 0.9)"},
        {"id": "requests", "metric": []},
    ]

    (problem,) = undefined_ids("alarm 'a'", queries)
    assert "names no query 'target_5xx'" in problem


def test_checker_ignores_names_inside_a_search_query() -> None:
    search = {"id": "s", "expression": "SUM(SEARCH('{ns,dim} MetricName=\"errors\"', 'Sum'))"}

    assert undefined_ids("widget", [search]) == []


def test_checker_rejects_a_percentile_rank_of_a_count() -> None:
    row = ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", "${x}", {"stat": "PR(:0.5)"}]

    (problem,) = problems(widget_refs(widget(row)), NAMESPACE, DECLARATIONS)
    assert "kept without its distribution" in problem
