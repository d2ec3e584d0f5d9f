"""docs/performance.md: budgets judged right, and other tools' sections kept."""

from ecsotel.exercise.bench.report import backend_rows, frontend_rows, table
from ecsotel.exercise.bench.run import (
    collector_row,
    components_section,
    latency_row,
)


def backend_summary(
    ratio: float, sampled: float, cpu: float, p99: float
) -> dict[str, dict[str, float]]:
    """A backend bench summary with the same figures for every request."""
    summary = {}
    for request in ("get by id", "list (100)", "create"):
        summary[f"on / {request}"] = {**spread(ratio), "added_cpu_ms": cpu, "added_p99_ms": 0}
        summary[f"10% / {request}"] = {**spread(sampled), "added_cpu_ms": 0, "added_p99_ms": 0}
    summary["on / paced get"] = {**spread(1), "added_cpu_ms": 0, "added_p99_ms": p99}
    return summary


def spread(ratio: float) -> dict[str, float]:
    """A median ratio whose rounds went 0.05 either side."""
    return {"rps_ratio": ratio, "rps_ratio_low": ratio - 0.05, "rps_ratio_high": ratio + 0.05}


def frontend_summary(page: float, proxy: float, rss_mib: float) -> dict[str, float]:
    """A frontend bench summary: both requests' ratios, their rounds, memory."""
    summary = {"rss_mib on": rss_mib, "rss_mib off": 150, "requests per run": 900}
    for request, ratio in (("page render", page), ("API-route proxy", proxy)):
        summary[f"{request} ratio"] = ratio
        summary[f"{request} ratio low"] = ratio - 0.05
        summary[f"{request} ratio high"] = ratio + 0.05
    return summary


def test_budgets_pass_and_fail_on_the_right_side() -> None:
    assert all(row.met for row in backend_rows(backend_summary(0.8, 0.9, 0.5, 3)))
    failing = backend_rows(backend_summary(0.79, 0.95, 0.2, 1))
    assert [row.what for row in failing if not row.met] == [
        "get by id: on/off",
        "list (100): on/off",
        "create: on/off",
    ]
    assert "**fail**" in table(failing)
    assert not any(row.met for row in backend_rows(backend_summary(0.5, 0.5, 0.9, 9)))


def test_ratios_are_judged_by_their_median_and_shown_with_their_rounds() -> None:
    rows = {row.what: row for row in backend_rows(backend_summary(0.8, 0.88, 0.5, 3))}

    # A round below the budget does not fail a median at it; the spread is shown.
    assert rows["get by id: on/off"].met
    assert rows["get by id: on/off"].measured == "0.80 (0.75-0.85)"
    assert not rows["get by id: 10 % sampled/off"].met
    assert rows["get by id: 10 % sampled/off"].measured == "0.88 (0.83-0.93)"


def test_frontend_budgets_pass_and_fail_on_the_right_side() -> None:
    rows = frontend_rows(frontend_summary(page=0.85, proxy=0.84, rss_mib=700), 768)

    assert [(row.what, row.met) for row in rows] == [
        ("page render: on/off", True),
        ("API-route proxy: on/off", False),
        ("RSS after ~900 requests (telemetry on)", True),
    ]
    assert rows[1].measured == "0.84 (0.79-0.89)"
    too_big = frontend_rows(frontend_summary(page=0.9, proxy=0.9, rss_mib=768), 768)
    assert [row.met for row in too_big] == [True, True, False]


def test_action_to_trace_fails_above_three_seconds_at_p95() -> None:
    fast = {"samples": 20, "p50_s": 1.0, "p95_s": 3.0, "max_s": 4}
    slow = {"samples": 20, "p50_s": 1.0, "p95_s": 3.2, "max_s": 4}

    assert latency_row(fast).met
    assert not latency_row(slow).met


def test_collector_fails_when_it_loses_spans_or_runs_below_2000_per_second() -> None:
    steady = {
        "spans_per_second": 2400,
        "seconds": 60,
        "cores_per_1000": 0.01,
        "rss_mib": 60,
        "refused": 0,
        "lost": 0,
    }

    assert collector_row(steady).met
    assert not collector_row({**steady, "lost": 1}).met
    assert not collector_row({**steady, "refused": 5}).met
    assert not collector_row({**steady, "spans_per_second": 1999}).met
    assert collector_row(None).met is None


def test_telemetry_cpu_section_adds_up_a_sampled_request() -> None:
    components = {
        "server span": 30.0,
        "server span, unsampled": 4.0,
        "SQL statement under a span, plain": 100.0,
        "SQL statement under a span, instrumented": 160.0,
        "SQL span (instrumentation)": 60.0,
        "histogram point": 10.0,
        "OTLP encoding, server span": 40.0,
        "OTLP encoding, SQL span": 35.0,
    }

    section = components_section(components)

    assert "| SQL span (instrumentation) | 60.0 |" in section
    assert "**175 µs**" in section
    assert "unsampled span (4 µs)" in section
