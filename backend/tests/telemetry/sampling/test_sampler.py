"""The X-Ray remote sampler against the recorded sampling API: rules, changes, fallback."""

import logging
import random
import re
from typing import Any

import pytest
from devkit.polling import poll_until
from devkit.ports import free_port
from opentelemetry.context import Context
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import Decision, ParentBased, Sampler
from opentelemetry.trace import (
    NonRecordingSpan,
    SpanContext,
    TraceFlags,
    set_span_in_context,
)

from app.telemetry import Telemetry
from app.telemetry.sampling import XRayRemoteSampler
from tests.telemetry.sampling.conftest import SamplerFactory
from tests.telemetry.sampling.xray_api import RULES_PATH, TARGETS_PATH, RecordedXRay

# Root decisions per measured share. The ids come from fixed seeds, so a share is the
# same on every run; the tolerance is what a fresh random draw of 2,000 would need
# (over 3.5 standard deviations at a rate of 0.5).
DECISIONS = 2000
TOLERANCE = 0.04
POST = {"http.request.method": "POST", "url.path": "/api/todos/", "server.address": "api"}
GET = {"http.request.method": "GET", "url.path": "/api/todos/", "server.address": "api"}
# Low 64 bits at half the range: TraceIdRatioBased drops it at any rate up to 0.5.
DROPPED_BY_RATE = (1 << 63) | (0x5F000000 << 96)


def trace_ids(seed: int, count: int = DECISIONS) -> list[int]:
    """Random 128-bit trace ids, the same for the same seed."""
    draw = random.Random(seed)  # noqa: S311 (reproducible ids, not secrets)
    return [draw.getrandbits(128) for _ in range(count)]


def share(sampler: Sampler, ids: list[int], attributes: dict[str, str]) -> float:
    """The part of root decisions over ``ids`` that sample."""
    decisions = [
        sampler.should_sample(None, trace_id, "span", attributes=attributes).decision
        for trace_id in ids
    ]
    return sum(decision is Decision.RECORD_AND_SAMPLE for decision in decisions) / len(ids)


def rules_arrived(sampler: XRayRemoteSampler, *names: str) -> None:
    """Wait until the sampler holds these rules."""
    poll_until(lambda: sampler.rule_names == names, f"the sampler to hold rules {names}")


def sampled(sampler: Sampler, trace_id: int) -> bool:
    """One root decision, without attributes."""
    return sampler.should_sample(None, trace_id, "span").decision is Decision.RECORD_AND_SAMPLE


def test_share_follows_fixed_rate_and_a_changed_rule_without_restart(
    xray_api: RecordedXRay, start_sampler: SamplerFactory
) -> None:
    sampler = start_sampler(f"endpoint={xray_api.endpoint},polling_interval=1")
    rules_arrived(sampler, "todo-writes", "Default")
    ids = trace_ids(1)

    # todo-writes: FixedRate 0.5, ReservoirSize 0.
    assert share(sampler, ids, POST) == pytest.approx(0.5, abs=TOLERANCE)
    fetched = len(xray_api.bodies(RULES_PATH))

    xray_api.set_fixed_rate("todo-writes", 0.1)

    poll_until(
        lambda: abs(share(sampler, ids, POST) - 0.1) <= TOLERANCE,
        "the POST share to follow the changed FixedRate 0.1",
        timeout=15,
    )
    assert len(xray_api.bodies(RULES_PATH)) > fetched
    # A rule that has not changed keeps its rate: the default's 5 % (1 borrowed).
    assert share(sampler, trace_ids(2), GET) == pytest.approx(0.05, abs=0.02)


def test_last_rule_modification_fetches_the_rules_at_once(
    xray_api: RecordedXRay, start_sampler: SamplerFactory
) -> None:
    for name in ("todo-writes", "Default"):
        xray_api.target(name)["Interval"] = 1
    # Rules every 300 s: only SamplingTargets' LastRuleModification can fetch them sooner.
    sampler = start_sampler(
        f"endpoint={xray_api.endpoint},polling_interval=300", targets_interval=0.2
    )
    rules_arrived(sampler, "todo-writes", "Default")
    poll_until(lambda: xray_api.bodies(TARGETS_PATH), "a first SamplingTargets call")
    assert len(xray_api.bodies(RULES_PATH)) == 1

    xray_api.set_fixed_rate("todo-writes", 0.1)

    poll_until(
        lambda: len(xray_api.bodies(RULES_PATH)) >= 2,
        "GetSamplingRules after LastRuleModification moved",
        timeout=10,
    )
    poll_until(
        lambda: abs(share(sampler, trace_ids(3), POST) - 0.1) <= TOLERANCE,
        "the POST share to follow the changed FixedRate 0.1",
    )


def test_write_rule_beats_default_for_post_and_statistics_are_reported(
    xray_api: RecordedXRay, start_sampler: SamplerFactory
) -> None:
    for name in ("todo-writes", "Default"):
        xray_api.target(name)["Interval"] = 1
    sampler = start_sampler(f"endpoint={xray_api.endpoint}", targets_interval=0.2)
    rules_arrived(sampler, "todo-writes", "Default")

    share(sampler, trace_ids(4, 30), POST)
    share(sampler, trace_ids(5, 70), GET)

    def reported() -> dict[str, list[dict[str, Any]]] | None:
        """The statistics documents by rule, once they count every decision."""
        by_rule: dict[str, list[dict[str, Any]]] = {}
        for body in xray_api.bodies(TARGETS_PATH):
            for document in body["SamplingStatisticsDocuments"]:
                by_rule.setdefault(document["RuleName"], []).append(document)
        counts = {name: total(found, "RequestCount") for name, found in by_rule.items()}
        return by_rule if counts == {"todo-writes": 30, "Default": 70} else None

    by_rule = poll_until(
        reported, "SamplingTargets to report 30 requests for todo-writes and 70 for Default"
    )
    documents = [document for found in by_rule.values() for document in found]
    assert {document["ClientID"] for document in documents} == {documents[0]["ClientID"]}
    assert re.fullmatch("[0-9a-f]{24}", str(documents[0]["ClientID"]))
    assert all(isinstance(document["Timestamp"], float) for document in documents)
    writes, default = by_rule["todo-writes"], by_rule["Default"]
    # Reservoir 0 borrows nothing; the default's reservoir of 1 lends 1 a second.
    assert total(writes, "BorrowCount") == 0
    assert 0 < total(writes, "SampledCount") < 30
    assert total(default, "BorrowCount") >= 1
    assert total(default, "SampledCount") >= total(default, "BorrowCount")


def parent(is_sampled: bool) -> Context:
    """A context whose current span is a remote parent, sampled or not."""
    flags = TraceFlags(TraceFlags.SAMPLED if is_sampled else TraceFlags.DEFAULT)
    span = SpanContext(0x6A1B2C3D4E5F60718293A4B5C6D7E8F9, 0x1122334455667788, True, flags)
    return set_span_in_context(NonRecordingSpan(span))


def test_a_parent_decides_regardless_of_the_rules(
    xray_api: RecordedXRay, start_sampler: SamplerFactory
) -> None:
    for name in ("todo-writes", "Default"):
        xray_api.set_fixed_rate(name, 0.0, reservoir=0)
    root = start_sampler(f"endpoint={xray_api.endpoint},polling_interval=0.2")
    sampler = ParentBased(root=root)
    rules_arrived(root, "todo-writes", "Default")
    assert share(sampler, trace_ids(6, 100), GET) == 0

    kept = sampler.should_sample(parent(True), 1, "span", attributes=GET)
    assert kept.decision is Decision.RECORD_AND_SAMPLE

    for name in ("todo-writes", "Default"):
        xray_api.set_fixed_rate(name, 1.0)
    poll_until(lambda: share(sampler, trace_ids(7, 100), GET) == 1, "rules sampling every root")
    unsampled = sampler.should_sample(parent(False), 1, "span", attributes=GET)
    assert unsampled.decision is Decision.DROP


class FrozenClock:
    """A wall clock that moves only when the test moves it."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def total(documents: list[dict[str, Any]], field: str) -> int:
    """The sum of one count over statistics documents."""
    return sum(int(document[field]) for document in documents)


def assert_default_behaviour(sampler: Sampler, clock: FrozenClock) -> None:
    """1 request a second whatever its trace id, then 5 % by trace id."""
    clock.now += 1
    assert sampled(sampler, DROPPED_BY_RATE)
    assert not sampled(sampler, DROPPED_BY_RATE)
    clock.now += 1
    assert sampled(sampler, DROPPED_BY_RATE)
    assert share(sampler, trace_ids(8), POST) == pytest.approx(0.05, abs=0.02)


def test_nothing_listening_falls_back_to_one_a_second_then_five_percent(
    start_sampler: SamplerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="app.telemetry.sampling")
    clock = FrozenClock()
    sampler = start_sampler(
        f"endpoint=http://127.0.0.1:{free_port()},polling_interval=0.1", clock=clock
    )
    poll_until(lambda: caplog.records, "a warning that the sampling API failed")

    assert_default_behaviour(sampler, clock)
    assert sampler.rule_names == ()


def test_server_error_falls_back_with_one_warning_per_outage(
    xray_api: RecordedXRay, start_sampler: SamplerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="app.telemetry.sampling")
    xray_api.status = 500
    clock = FrozenClock()
    sampler = start_sampler(f"endpoint={xray_api.endpoint},polling_interval=0.1", clock=clock)
    poll_until(lambda: len(xray_api.bodies(RULES_PATH)) >= 4, "four failed rule fetches")

    assert_default_behaviour(sampler, clock)
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1, [record.getMessage() for record in warnings]
    assert "500" in warnings[0].getMessage()

    # The API answers again, then fails again: a new outage, a second warning.
    xray_api.status = 200
    rules_arrived(sampler, "todo-writes", "Default")
    xray_api.status = 500
    fetched = len(xray_api.bodies(RULES_PATH))
    poll_until(lambda: len(xray_api.bodies(RULES_PATH)) >= fetched + 3, "three more fetches")
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 2
    # Rules fetched once stay in force while the API fails (the write rule's 50 %).
    assert share(sampler, trace_ids(9), POST) == pytest.approx(0.5, abs=TOLERANCE)


def test_rules_older_than_an_hour_give_way_to_the_fallback(
    xray_api: RecordedXRay, start_sampler: SamplerFactory
) -> None:
    clock = FrozenClock()
    sampler = start_sampler(f"endpoint={xray_api.endpoint}", clock=clock)
    rules_arrived(sampler, "todo-writes", "Default")
    assert share(sampler, trace_ids(10), POST) == pytest.approx(0.5, abs=TOLERANCE)

    # The poller stamps fetches with this clock: an hour on, nothing newer arrived.
    clock.now += 3601

    assert_default_behaviour(sampler, clock)


def test_telemetry_shutdown_stops_the_polling_thread(
    xray_api: RecordedXRay, start_sampler: SamplerFactory
) -> None:
    sampler = start_sampler(f"endpoint={xray_api.endpoint}")
    assert sampler.running
    telemetry = Telemetry(
        tracer_provider=TracerProvider(sampler=ParentBased(root=sampler), shutdown_on_exit=False),
        meter_provider=MeterProvider(shutdown_on_exit=False),
        sampler=sampler,
    )

    telemetry.shutdown(timeout=3.0)

    assert not sampler.running
