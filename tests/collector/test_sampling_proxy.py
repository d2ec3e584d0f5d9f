"""The sidecar's X-Ray sampling proxy (awsproxy in collector/config.yaml).

The apps' remote samplers call it without credentials; it must sign each call
for X-Ray in the task's region and hand back X-Ray's answer unchanged. A listener
in the test stands in for X-Ray with recorded responses (moto has no sampling API).
"""

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from ecsotel.local.collector import CONFIG, OTLP_CONFIG, CollectorPorts, collector_spec
from ecsotel.local.moto import REGION, LocalAws
from ecsotel.local.process import LogWriter, start
from tests.collector.capture import Capture, capture
from tests.collector.test_sigv4_contract import AUTHORIZATION

# The shapes of X-Ray's GetSamplingRules and GetSamplingTargets answers, abridged.
RULES = {
    "SamplingRuleRecords": [
        {
            "SamplingRule": {
                "RuleName": "Default",
                "Priority": 10000,
                "FixedRate": 0.05,
                "ReservoirSize": 1,
                "ServiceName": "*",
                "ServiceType": "*",
                "Host": "*",
                "HTTPMethod": "*",
                "URLPath": "*",
                "ResourceARN": "*",
                "Version": 1,
                "Attributes": {},
            }
        }
    ]
}
TARGETS = {
    "SamplingTargetDocuments": [],
    "LastRuleModification": 1.7e9,
    "UnprocessedStatistics": [],
}


@pytest.fixture(scope="module")
def xray() -> Iterator[Capture]:
    """The X-Ray stand-in, answering both sampling calls with recorded responses."""
    answers = {
        "/GetSamplingRules": json.dumps(RULES).encode(),
        "/SamplingTargets": json.dumps(TARGETS).encode(),
    }
    with capture(answers) as listener:
        yield listener


@pytest.fixture(scope="module")
def proxy(xray: Capture, service_log: LogWriter) -> Iterator[str]:
    """The collector of config.yaml with X-Ray at the stand-in; yields the proxy's URL."""
    ports = CollectorPorts.free()
    port = int(xray.url.rsplit(":", 1)[1])
    collector = start(collector_spec(aws=LocalAws(port=port), ports=ports), service_log)
    try:
        yield f"http://127.0.0.1:{ports.sampling}"
    finally:
        collector.stop()


@pytest.mark.parametrize(
    ("path", "body", "answer"),
    [
        ("/GetSamplingRules", {}, RULES),
        ("/SamplingTargets", {"SamplingStatisticsDocuments": []}, TARGETS),
    ],
)
def test_sampling_calls_are_signed_for_xray_and_answered_unchanged(
    proxy: str, xray: Capture, path: str, body: dict[str, object], answer: dict[str, object]
) -> None:
    response = httpx.post(f"{proxy}{path}", json=body, timeout=10)

    assert response.status_code == 200, response.text
    assert response.json() == answer
    forwarded = [request for request in xray.requests() if request.path == path]
    assert forwarded, f"the proxy forwarded nothing to {path}"
    signature = AUTHORIZATION.match(forwarded[-1].headers.get("authorization", ""))
    assert signature, f"{path} forwarded without a SigV4 signature: {forwarded[-1].headers}"
    assert signature["service"] == "xray"
    assert signature["region"] == REGION
    assert json.loads(forwarded[-1].body) == body


@pytest.mark.parametrize("config", [CONFIG, OTLP_CONFIG])
def test_both_pipelines_run_the_proxy_on_loopback_port_2000(config: Path) -> None:
    # The apps' OTEL_TRACES_SAMPLER_ARG (infra/ecs.tf) names this address.
    loaded = yaml.safe_load(config.read_text(encoding="utf-8"))

    assert "awsproxy" in loaded["service"]["extensions"]
    assert (
        loaded["extensions"]["awsproxy"]["endpoint"]
        == "${env:OTELCOL_AWSPROXY_ENDPOINT:-127.0.0.1:2000}"
    )
