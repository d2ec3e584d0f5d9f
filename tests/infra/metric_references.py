"""Which metrics the dashboard and the alarms name, and whether anything produces them.

CloudWatch draws an empty graph (and an alarm sits in INSUFFICIENT_DATA) for a metric
or dimension set that nobody publishes; it never reports an error. So the references in
infra/ are checked against what is produced: the apps' EMF metrics against the awsemf
exporter's metric_declarations in collector/config.yaml (and, in tests/collector,
against the EMF documents the real collector writes), AWS's own metrics against the
dimension sets AWS documents for them.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any

# AWS's own metrics that infra/ uses, with the dimension sets AWS publishes them under
# (ECS, Container Insights, ALB and Aurora documentation).
CLUSTER_SERVICE = frozenset({"ClusterName", "ServiceName"})
LOAD_BALANCER = frozenset({"LoadBalancer"})
TARGET_GROUP = frozenset({"LoadBalancer", "TargetGroup"})
DB_CLUSTER = frozenset({"DBClusterIdentifier"})
AWS_METRICS: dict[tuple[str, str], set[frozenset[str]]] = {
    ("AWS/ECS", "CPUUtilization"): {CLUSTER_SERVICE},
    ("AWS/ECS", "MemoryUtilization"): {CLUSTER_SERVICE},
    ("ECS/ContainerInsights", "RunningTaskCount"): {CLUSTER_SERVICE},
    ("ECS/ContainerInsights", "DesiredTaskCount"): {CLUSTER_SERVICE},
    # Bytes/s, for tasks in awsvpc (Fargate) or bridge network mode.
    ("ECS/ContainerInsights", "NetworkRxBytes"): {CLUSTER_SERVICE},
    ("ECS/ContainerInsights", "NetworkTxBytes"): {CLUSTER_SERVICE},
    ("AWS/ApplicationELB", "RequestCount"): {LOAD_BALANCER, TARGET_GROUP},
    ("AWS/ApplicationELB", "TargetResponseTime"): {LOAD_BALANCER, TARGET_GROUP},
    ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count"): {LOAD_BALANCER, TARGET_GROUP},
    ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count"): {LOAD_BALANCER},
    ("AWS/ApplicationELB", "HealthyHostCount"): {TARGET_GROUP},
    ("AWS/ApplicationELB", "UnHealthyHostCount"): {TARGET_GROUP},
    ("AWS/RDS", "ServerlessDatabaseCapacity"): {DB_CLUSTER},
    ("AWS/RDS", "DatabaseConnections"): {DB_CLUSTER},
    ("AWS/RDS", "CPUUtilization"): {DB_CLUSTER},
    ("CloudWatchSynthetics", "SuccessPercent"): {frozenset({"CanaryName"})},
}
# The metrics whose values CloudWatch keeps as a distribution, so that percentiles and
# percentile ranks (p99, PR(:0.5)) mean something: ALB's response time (its docs name
# pNN as a useful statistic) and the apps' exponential histograms (EMF values/counts).
DISTRIBUTIONS = {("AWS/ApplicationELB", "TargetResponseTime"), ("", "http.server.request.duration")}
PERCENTILE_STAT = re.compile(r"^(p\d|PR\(|TM|TC|TS|WM|IQM)")
# An identifier an expression names (ids are lower case, functions upper case); text in
# quotes (a SEARCH query) is left out first.
EXPRESSION_ID = re.compile(r"\b([a-z][A-Za-z0-9_]*)\b(?!\s*\()")
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")

SEARCH = re.compile(r"SEARCH\('(?P<query>.*?)'\s*,")
SCHEMA = re.compile(r"^\s*\{(?P<names>[^}]*)\}")
TERM = re.compile(r'(?P<key>"[^"]+"|[A-Za-z0-9_.]+)\s*=\s*"(?P<value>[^"]*)"')
INSIGHTS = re.compile(
    r'SELECT\s+\w+\("?(?P<metric>[^")]+)"?\)\s+FROM\s+SCHEMA\((?P<schema>[^)]*)\)'
    r"(?:\s+WHERE\s+(?P<where>.*))?",
    re.IGNORECASE | re.DOTALL,
)
WHERE_TERM = re.compile(r'"?(?P<key>[A-Za-z0-9_.]+)"?\s*=\s*\'(?P<value>[^\']*)\'')


@dataclass(frozen=True)
class MetricRef:
    """One metric a widget or alarm names: namespace, name and the dimension names it uses."""

    where: str
    namespace: str
    name: str
    dimensions: frozenset[str]
    # Dimension values written literally (not Terraform expressions).
    values: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    # The statistic asked for, when it is written beside the metric.
    stat: str = field(default="", compare=False, hash=False)


@dataclass(frozen=True)
class EmfDeclaration:
    """One metric_declarations entry: metric name patterns and their dimension sets."""

    selectors: tuple[str, ...]
    dimension_sets: tuple[frozenset[str], ...]

    def declares(self, metric: str) -> bool:
        """Whether one of the selectors matches the metric name."""
        return any(re.search(selector, metric) for selector in self.selectors)


def emf_declarations(config: dict[str, Any]) -> tuple[str, list[EmfDeclaration]]:
    """The namespace and metric declarations of a collector config's (single) awsemf exporter."""
    (emf,) = [body for key, body in config["exporters"].items() if key.split("/")[0] == "awsemf"]
    declarations = [
        EmfDeclaration(
            tuple(entry["metric_name_selectors"]),
            tuple(frozenset(dimensions) for dimensions in entry["dimensions"]),
        )
        for entry in emf["metric_declarations"]
    ]
    return emf["namespace"], declarations


def _unquote(name: str) -> str:
    return name.strip().strip('"')


def _search_refs(where: str, expression: str) -> list[MetricRef]:
    refs = []
    for found in SEARCH.finditer(expression):
        query = found.group("query")
        schema = SCHEMA.match(query)
        if schema is None:
            refs.append(MetricRef(where, "<no schema>", "<unknown>", frozenset()))
            continue
        namespace, *dimensions = [_unquote(name) for name in schema.group("names").split(",")]
        terms = {_unquote(m.group("key")): m.group("value") for m in TERM.finditer(query)}
        name = terms.pop("MetricName", "<no MetricName>")
        # A filter on a dimension outside the schema matches nothing: report it as used.
        used = frozenset(dimensions) | frozenset(terms)
        refs.append(MetricRef(where, namespace, name, used, terms))
    return refs


def _insights_refs(where: str, query: str) -> list[MetricRef]:
    found = INSIGHTS.search(query)
    if found is None:
        return []
    namespace, *dimensions = [_unquote(name) for name in found.group("schema").split(",")]
    terms = {m.group("key"): m.group("value") for m in WHERE_TERM.finditer(found["where"] or "")}
    used = frozenset(dimensions) | frozenset(terms)
    return [MetricRef(where, namespace, found.group("metric"), used, terms)]


def _expression_refs(where: str, expression: str) -> list[MetricRef]:
    return _search_refs(where, expression) + _insights_refs(where, expression)


def widget_refs(widgets: list[dict[str, Any]]) -> list[MetricRef]:
    """Every metric the dashboard's metric widgets name (arrays, SEARCH expressions)."""
    refs: list[MetricRef] = []
    for widget in widgets:
        properties = widget.get("properties", {})
        where = f"widget {properties.get('title', '?')!r}"
        for row in properties.get("metrics", []):
            if row and isinstance(row[0], dict):
                refs += _expression_refs(where, str(row[0].get("expression", "")))
                continue
            fields = [item for item in row if not isinstance(item, dict)]
            options = [item for item in row if isinstance(item, dict)]
            stat = str((options[0] if options else {}).get("stat", properties.get("stat", "")))
            namespace, name, pairs = fields[0], fields[1], fields[2:]
            values = dict(zip(pairs[::2], pairs[1::2], strict=True))
            literal = {key: value for key, value in values.items() if "${" not in value}
            refs.append(MetricRef(where, namespace, name, frozenset(values), literal, stat))
    return refs


def alarm_refs(alarms: dict[str, dict[str, Any]]) -> list[MetricRef]:
    """Every metric the alarms name (a single metric, metric_query metrics or expressions)."""
    refs: list[MetricRef] = []
    for alarm_name, alarm in alarms.items():
        where = f"alarm {alarm_name!r}"
        if "metric_name" in alarm:
            refs.append(_metric_ref(where, alarm))
        for query in metric_queries(alarm):
            for metric in query.get("metric", []):
                refs.append(_metric_ref(where, metric))
            refs += _expression_refs(where, str(query.get("expression", "")))
    return refs


def metric_queries(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """An alarm's metric_query blocks, a `dynamic "metric_query"` block's made one per item
    of its (resolved) for_each: `metric_query.key` and `.value` replaced by the item's."""
    queries = list(alarm.get("metric_query", []))
    for dynamic in alarm.get("dynamic", []):
        block = dynamic.get("metric_query", {})
        items = block.get("for_each")
        if isinstance(items, list):
            items = dict(enumerate(items))  # a list's key is its index
        for content in block.get("content", []):
            if not isinstance(items, dict):
                queries.append(content)
                continue
            for key, value in items.items():
                text = json.dumps(content)
                text = text.replace("${metric_query.key}", str(key))
                queries.append(json.loads(text.replace("${metric_query.value}", str(value))))
    return queries


def undefined_ids(where: str, queries: list[dict[str, Any]]) -> list[str]:
    """Ids that an expression names and no query (metric or expression) of its own defines.

    CloudWatch refuses such an alarm, and a dashboard draws nothing for such a line.
    """
    defined = {str(query["id"]) for query in queries if "id" in query}
    found = []
    for query in queries:
        expression = QUOTED.sub("", str(query.get("expression", "")))
        for name in EXPRESSION_ID.findall(expression):
            if name not in defined:
                found.append(f"{where}: {query.get('expression')!r} names no query {name!r}")
    return found


def widget_queries(widget: dict[str, Any]) -> list[dict[str, Any]]:
    """A metric widget's rows as queries: each row's options (id, expression)."""
    rows = widget.get("properties", {}).get("metrics", [])
    return [item for row in rows for item in row if isinstance(item, dict)]


def _metric_ref(where: str, metric: dict[str, Any]) -> MetricRef:
    dimensions = metric.get("dimensions", {})
    if isinstance(dimensions, list):
        dimensions = dimensions[0] if dimensions else {}
    literal = {key: value for key, value in dimensions.items() if "${" not in str(value)}
    stat = str(metric.get("stat") or metric.get("extended_statistic") or "")
    return MetricRef(
        where, metric["namespace"], metric["metric_name"], frozenset(dimensions), literal, stat
    )


def problems(refs: list[MetricRef], namespace: str, emf: list[EmfDeclaration]) -> list[str]:
    """What no one produces: unknown EMF metrics or dimension sets, unknown AWS metrics."""
    found = []
    for ref in refs:
        label = f"{ref.where}: {ref.namespace} {ref.name} {sorted(ref.dimensions)}"
        if ref.namespace == namespace:
            declared = [d for d in emf if d.declares(ref.name)]
            if not declared:
                found.append(f"{label}: the collector declares no such EMF metric")
            elif not any(ref.dimensions in d.dimension_sets for d in declared):
                found.append(f"{label}: the collector emits no such dimension set")
        elif (ref.namespace, ref.name) not in AWS_METRICS:
            found.append(f"{label}: neither an EMF metric nor a known AWS metric")
        elif ref.dimensions not in AWS_METRICS[ref.namespace, ref.name]:
            found.append(f"{label}: AWS publishes no such dimension set")
        distribution = (ref.namespace if ref.namespace != namespace else "", ref.name)
        if PERCENTILE_STAT.match(ref.stat) and distribution not in DISTRIBUTIONS:
            found.append(f"{label}: {ref.stat} of a metric kept without its distribution")
    return found
