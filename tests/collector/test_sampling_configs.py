"""The tail-sampling overlays as documents: what each changes over either pipeline's base.

The collector merges its --config files in order: maps deep-merge, lists are
replaced. `merged` does the same, so the tests read what the binary runs.
"""

from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsotel.local.sampling import GATEWAY_CONFIG, TAIL_CONFIG
from ecsotel.paths import COLLECTOR_DIR

BASES = ("config.yaml", "config.otlp.yaml")


def load(path: Path) -> dict[str, Any]:
    """A collector config file as a dict."""
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def merged(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """`overlay` over `base` as the collector merges them."""
    result = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


@pytest.mark.parametrize("base", BASES)
def test_the_sidecar_overlay_changes_only_where_traces_go(base: str) -> None:
    before = load(COLLECTOR_DIR / base)
    after = merged(before, load(TAIL_CONFIG))

    traces = after["service"]["pipelines"]["traces"]
    assert traces["exporters"] == ["loadbalancing"]
    assert traces["processors"] == before["service"]["pipelines"]["traces"]["processors"]
    for signal in set(before["service"]["pipelines"]) - {"traces"}:
        assert after["service"]["pipelines"][signal] == before["service"]["pipelines"][signal]
    assert after["service"]["extensions"] == before["service"]["extensions"]


def test_the_sidecars_route_by_trace_id_to_the_gateways_the_environment_names() -> None:
    exporter = load(TAIL_CONFIG)["exporters"]["loadbalancing"]

    assert exporter["routing_key"] == "traceID"
    assert exporter["resolver"] == "${env:OTELCOL_GATEWAY_RESOLVER}"
    # What an instance could not take is routed again, over the ring as it is then.
    assert exporter["retry_on_failure"]["enabled"] is True
    assert exporter["sending_queue"]["enabled"] is True


@pytest.mark.parametrize("base", BASES)
def test_the_gateway_samples_first_and_exports_as_the_pipeline_does(base: str) -> None:
    before = load(COLLECTOR_DIR / base)
    after = merged(before, load(GATEWAY_CONFIG))

    traces = after["service"]["pipelines"]["traces"]
    # memory_limiter first refuses at the door; no resourcedetection of its own task.
    assert traces["processors"] == ["memory_limiter", "tail_sampling", "batch"]
    assert traces["exporters"] == before["service"]["pipelines"]["traces"]["exporters"]
    assert traces["receivers"] == ["otlp"]


def test_the_gateway_keeps_errors_slow_marked_and_a_capped_share() -> None:
    sampler = load(GATEWAY_CONFIG)["processors"]["tail_sampling"]
    policies = {policy["name"]: policy for policy in sampler["policies"]}

    assert list(policies) == ["errors", "server-errors", "slow", "marked", "share"]
    assert policies["errors"]["status_code"]["status_codes"] == ["ERROR"]
    server_errors = policies["server-errors"]["ottl_condition"]["span"]
    assert {condition.split(" >= ")[0] for condition in server_errors} == {
        'attributes["http.response.status_code"]',
        'attributes["http.status_code"]',
    }
    slow = " ".join(policies["slow"]["ottl_condition"]["span"])
    assert '"fastapi-app"' in slow
    assert '"nextjs-app"' in slow
    share, cap = policies["share"]["and"]["and_sub_policy"]
    assert (share["type"], cap["type"]) == ("probabilistic", "rate_limiting")
    assert sampler["decision_wait"] == "${env:OTELCOL_TAIL_DECISION_WAIT:-10s}"
