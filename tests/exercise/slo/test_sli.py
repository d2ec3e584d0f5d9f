"""The local SLIs read the EMF documents as the alarms read the ALB's metrics."""

import pytest

from ecsotel.exercise.slo.definitions import AVAILABILITY, LATENCY, Objective, load
from ecsotel.exercise.slo.sli import boundary_bucket, burn_rate, sample, samples, totals
from tests.exercise.slo.documents import actions, duration

THRESHOLD = load().objectives[LATENCY].threshold_seconds or 0.0
FAST, SLOW = THRESHOLD / 10, THRESHOLD * 2


def test_a_5xx_document_is_bad_for_availability_and_timed_for_latency() -> None:
    found = sample(duration(10, {FAST: 3, SLOW: 1}, status="5xx"), THRESHOLD)

    assert found is not None
    assert (found.at, found.requests, found.errors, found.within) == (10, 4, 4, 3)


def test_a_server_action_error_is_bad_though_answered_200() -> None:
    found = sample(actions(10, "error", 2), THRESHOLD)

    assert found is not None
    assert (found.requests, found.errors) == (0, 2)
    assert sample(actions(10, "ok", 5), THRESHOLD) is None


def test_health_checks_and_other_services_are_left_out() -> None:
    """The ALB's metrics leave its health checks out; fastapi-app is not the edge."""
    assert sample(duration(1, {FAST: 9}, route="/api/health"), THRESHOLD) is None
    assert sample(duration(1, {FAST: 9}, service="fastapi-app"), THRESHOLD) is None


def test_window_sums_what_is_stamped_after_its_start_up_to_its_end() -> None:
    series = samples([duration(at, {FAST: 1}) for at in (1, 2, 3, 4)], THRESHOLD)

    assert totals(series, end=3, seconds=2).requests == 2  # (1, 3]: 2 and 3
    assert totals(series, end=4, seconds=10).requests == 4


def test_burn_rate_is_bad_over_all_over_the_budget() -> None:
    objective = Objective(AVAILABILITY, 0.9)

    assert burn_rate(1, 4, objective) == pytest.approx(2.5)
    assert burn_rate(0, 0, objective) is None  # no events: no burn (notBreaching)


def midpoints(scale: int, first: int, count: int) -> dict[float, int]:
    """One request in each of `count` buckets from index `first` at `scale`, as awsemf
    writes them: each bucket's midpoint."""
    base = 2.0 ** (2.0**-scale)
    return {base**i * (1 + base) / 2: 1 for i in range(first, first + count)}


def test_a_threshold_that_is_a_power_of_two_is_a_bucket_boundary() -> None:
    """At scale 2 buckets are (b^i, b^(i+1)], b = 2^(1/4): 0.5 = b^-4 tops one."""
    base = 2 ** (1 / 4)

    low, high = boundary_bucket([duration(1, midpoints(2, -9, 3))], 0.5) or (0, 0)

    assert high == pytest.approx(0.5)
    assert low == pytest.approx(0.5 / base)


def test_the_coarsest_scale_bounds_a_threshold_inside_a_bucket() -> None:
    fine, coarse = duration(1, midpoints(6, -70, 2)), duration(2, midpoints(1, -3, 4))
    base = 2 ** (1 / 2)

    low, high = boundary_bucket([fine, coarse], 0.3) or (0, 0)

    assert low < 0.3 < high
    assert high / low == pytest.approx(base)


def test_without_two_buckets_the_boundary_is_unknown() -> None:
    assert boundary_bucket([duration(1, {FAST: 7})], THRESHOLD) is None
