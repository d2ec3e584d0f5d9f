"""The capacity and cost model, and the load's report section, on figures worked out by hand."""

import pytest

from ecsotel.exercise.load.capacity import (
    CONNECTIONS_PER_ACU,
    Measured,
    per_task,
    plan,
    traces_per_second,
)
from ecsotel.exercise.load.section import section
from ecsotel.exercise.load.steps import Step

MEASURED = Measured(frontend_ms=17.0, backend_ms=6.0, collector_ms=2.0, response_bytes=100_000)


def step(users: int, p99: float, failures: int = 0) -> Step:
    """A step with the CPU figures above."""
    cpu = {"frontend": 17.0, "backend": 6.0, "collector": 2.0, "postgres": 0.4, "aws": 1.0}
    return Step(users, 30, 30 * users, failures, users * 1.0, 50, p99, 100_000, cpu)


def test_a_task_serves_sixty_percent_of_half_a_core_less_half_the_collector() -> None:
    # 300 ms of CPU a second; the app's 17 ms and half the collector's 2 ms per request.
    assert per_task(17.0, 2.0) == pytest.approx(300 / 18)


def test_traces_follow_each_methods_reservoir_then_its_rate() -> None:
    # At 100 req/s: GET 60/s -> 1 + 5 % of 59; POST 20/s -> 1 + 10 % of 19;
    # PUT 15/s -> 1 + 10 % of 14; DELETE 5/s -> 1 + 10 % of 4.
    assert traces_per_second(100) == pytest.approx(3.95 + 2.9 + 2.4 + 1.4)
    assert traces_per_second(100, every_request=True) == 100
    # Below each reservoir, every request is traced.
    assert traces_per_second(1) == pytest.approx(1)


def test_a_level_gets_enough_tasks_connections_and_aurora_capacity() -> None:
    small, large = plan(100, MEASURED), plan(10_000, MEASURED)

    assert (small.frontend_tasks, small.backend_tasks) == (6, 3)  # 100 / 16.7, 100 / 42.9
    assert small.acu == 0.5  # 60 connections fit the floor's 225
    assert large.connections == large.backend_tasks * 20
    # Enough ACU for every connection, in steps of half an ACU.
    assert large.acu * CONNECTIONS_PER_ACU >= large.connections + 10
    assert (large.acu - 0.5) * CONNECTIONS_PER_ACU < large.connections + 10


def test_at_rest_the_smallest_deployment_costs_its_fixed_parts_only() -> None:
    idle = plan(0, MEASURED)

    assert (idle.frontend_tasks, idle.backend_tasks, idle.acu) == (1, 1, 0.5)
    assert idle.cost["X-Ray, the sampling rules"] == 0
    assert 150 < idle.total < 250  # Fargate, the ACU floor, NAT, ALB, IPv4: about 195


def test_the_month_totals_leave_out_tracing_every_request() -> None:
    cost = plan(1_000, MEASURED)

    assert cost.total == pytest.approx(sum(cost.cost.values()) - cost.cost["X-Ray, every request"])
    assert cost.cost["X-Ray, every request"] > 10 * cost.cost["X-Ray, the sampling rules"]


def test_the_section_names_the_knee_and_prices_each_level() -> None:
    text = section([step(5, 100), step(10, 200), step(20, 900)], objective_ms=300)

    assert "held up to 10.0 req/s" in text
    assert "| 20 | 20.0 | 50 | 900 | 0 | 17.0, 6.0, 2.0, 0.4, 1.0 |" in text
    assert "| USD a month | at rest | 100 req/s | 1,000 req/s | 10,000 req/s |" in text
    assert "**total, every request traced**" in text
    assert "Written by `make load`" in text


def test_the_section_says_so_when_no_step_met_the_objective() -> None:
    text = section([step(5, 900)], objective_ms=300)

    assert "No step met the 300 ms p99 objective" in text
