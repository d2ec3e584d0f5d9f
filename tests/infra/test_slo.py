"""The SLO alarms: built from infra/slo.yaml, and the same arithmetic as `make slo`.

The agreement test replays a recorded series (nextjs-app's EMF documents from a full SLO
drill, tests/fixtures/slo/: a few seconds holding two slow answers, then the PostgreSQL
outage; fields the SLIs do not read left out) through both: the alarms' metric math, read
from the HCL and evaluated as CloudWatch would if the ALB had seen what nextjs-app
saw, and the CLI's burn rates and alert states. They must agree at every moment.
"""

import json
import re
from typing import Any

import pytest

from ecsotel.exercise.slo.alerts import states, window
from ecsotel.exercise.slo.definitions import LATENCY, SEVERITIES, load
from ecsotel.exercise.slo.drill import SCALE
from ecsotel.exercise.slo.sli import ACTIONS, DURATION, HEALTH_ROUTE, samples
from tests.infra.metric_math import Value, evaluate
from tests.infra.metric_references import metric_queries
from tests.infra.terraform_model import ROOT, Infra, load_infra

DEFINITIONS = load()
THRESHOLD = DEFINITIONS.objectives[LATENCY].threshold_seconds or 0.0
RECORDED: list[dict[str, Any]] = json.loads(
    (ROOT / "tests" / "fixtures" / "slo" / "drill-emf-documents.json").read_text()
)
ALARMS = {"availability": "availability_burn_rate", "latency": "latency_burn_rate"}
ACTIONS_TS = ROOT / "frontend" / "lib" / "todos" / "actions.ts"


@pytest.fixture(scope="module")
def infra() -> Infra:
    """The parsed root module."""
    return load_infra()


def alarm(infra: Infra, slo: str) -> dict[str, Any]:
    """The burn-rate alarm resource of an SLO, references resolved."""
    body: dict[str, Any] = infra.resolve(infra.resource("aws_cloudwatch_metric_alarm", ALARMS[slo]))
    return body


def returned_expression(body: dict[str, Any]) -> str:
    """The expression the alarm watches."""
    (query,) = [q for q in metric_queries(body) if q.get("return_data")]
    return str(query["expression"])


def stamp(document: dict[str, Any]) -> float:
    """A document's timestamp in seconds."""
    return float(document["_aws"]["Timestamp"]) / 1000


def cloudwatch_values(
    documents: list[dict[str, Any]], actions: list[str], end: float, seconds: float
) -> dict[str, Value]:
    """Each query id's one datapoint over (end - seconds, end], as the ALB would publish it
    had it seen these requests: no datapoint at all for a metric with nothing to count."""
    inside = [d for d in documents if end - seconds < stamp(d) <= end]
    timed = [d for d in inside if DURATION in d and d.get("http.route") != HEALTH_ROUTE]
    requests = sum(d[DURATION]["Count"] for d in timed)
    failed = sum(d[DURATION]["Count"] for d in timed if d["http.response.status_class"] == "5xx")
    within = sum(
        n
        for d in timed
        for v, n in zip(d[DURATION]["Values"], d[DURATION]["Counts"], strict=True)
        if v <= THRESHOLD  # PR(:t): the lower bound exclusive, the upper inclusive
    )
    values: dict[str, Value] = {
        "requests": requests or None,
        "target_5xx": failed or None,
        "elb_5xx": None,  # locally nothing answers in the ALB's place
        "within": 100 * within / requests if requests else None,
    }
    for action in actions:
        errors = sum(
            d[ACTIONS]
            for d in inside
            if d.get("app.action") == action and d.get("app.outcome") == "error"
        )
        values[f"errors_{action}"] = errors or None
    return values


def test_each_alarm_covers_one_window_in_one_period(infra: Infra) -> None:
    """Period = window, one evaluation: the sliding window CloudWatch evaluates."""
    windows = infra.locals["burn_rate_windows"]
    assert 'alert["${window}_window_minutes"]' in windows
    assert "factor = alert.factor" in windows
    for slo in ALARMS:
        body = alarm(infra, slo)
        assert body["for_each"] == infra.locals["burn_rate_windows"]
        assert (body["evaluation_periods"], body["threshold"]) == (1, "${each.value.factor}")
        assert body["comparison_operator"] == "GreaterThanThreshold"
        assert body["treat_missing_data"] == "notBreaching"
        periods = {m["period"] for q in metric_queries(body) for m in q.get("metric", [])}
        assert periods == {"${each.value.minutes * 60}"}


def test_every_window_fits_what_an_alarm_may_evaluate() -> None:
    """PutMetricAlarm: period x evaluations <= 1 day below a 1-hour period, else <= 7 days."""
    for alert in DEFINITIONS.alerts:
        for seconds in alert.windows():
            assert seconds % 60 == 0
            assert seconds <= (86_400 if seconds < 3_600 else 7 * 86_400), alert


def test_alarms_and_cli_agree_on_a_recorded_series(infra: Infra) -> None:
    series = samples(RECORDED, THRESHOLD)
    expressions = {slo: returned_expression(alarm(infra, slo)) for slo in ALARMS}
    actions = infra.locals["server_actions"]
    moments = sorted({s.at for s in series})
    compared = fired = 0
    burned: set[str] = set()

    for end in moments:
        cli = {(s.slo, s.alert.name): s for s in states(series, DEFINITIONS, end, SCALE)}
        for alert in DEFINITIONS.alerts:
            for slo, objective in DEFINITIONS.objectives.items():
                burns = []
                for seconds in alert.windows(SCALE):
                    ours = window(series, objective, end, seconds).burn
                    theirs = evaluate(
                        expressions[slo], cloudwatch_values(RECORDED, actions, end, seconds)
                    )
                    assert (theirs is None) == (ours is None), (slo, alert.name, end, seconds)
                    assert ours is None or theirs == pytest.approx(ours), (slo, end, seconds)
                    burns.append(theirs)
                    compared += 1
                    if theirs:
                        burned.add(slo)
                composite = all(b is not None and b > alert.factor for b in burns)
                assert composite == cli[slo, alert.name].firing, (slo, alert.name, end)
                fired += composite

    assert compared > 500
    assert burned == set(ALARMS), "the recording must burn each SLO's budget somewhere"
    assert fired > 0, "the recorded outage must set off at least one alert"


def test_composites_join_both_windows_and_notify_by_severity(infra: Infra) -> None:
    composite = infra.resource("aws_cloudwatch_composite_alarm", "burn_rate")
    rule = composite["alarm_rule"]

    assert composite["for_each"] == "${local.slo_alerts}"
    assert re.fullmatch(r'ALARM\("\$\{.*-long"\]\}"\) AND ALARM\("\$\{.*-short"\]\}"\)', rule)
    assert composite["alarm_actions"] == ["${local.severity_topics[each.value.alert.severity]}"]
    topics = infra.resolve(infra.locals["severity_topics"])
    assert set(topics) == set(SEVERITIES) >= {alert.severity for alert in DEFINITIONS.alerts}


def test_alarms_name_every_server_action_the_frontend_has(infra: Infra) -> None:
    """Alarms cannot SEARCH: a new action must be added to local.server_actions."""
    names = re.search(r'type ActionName = ((?:"\w+"(?: \| )?)+);', ACTIONS_TS.read_text())
    assert names, f"no ActionName type in {ACTIONS_TS}"

    assert set(infra.locals["server_actions"]) == set(re.findall(r'"(\w+)"', names.group(1)))


def test_the_dashboard_shows_each_slo(infra: Infra) -> None:
    widgets = infra.resolve(infra.locals["slo_widgets"])
    titles = [widget["properties"]["title"] for widget in widgets]

    for slo in DEFINITIONS.objectives:
        assert any(t.lower().startswith(f"{slo} sli and error budget left") for t in titles)
        assert any(t.lower() == f"{slo} burn rate" for t in titles)
    assert "local.slo_widgets" in (ROOT / "infra" / "dashboard.tf").read_text()
