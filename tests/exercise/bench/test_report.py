"""docs/performance.md: budgets judged right, no verdict on a busy machine, other sections kept."""

from pathlib import Path

from ecsotel.exercise.bench.figures import Figures
from ecsotel.exercise.bench.report import (
    EXIT_BUSY,
    EXIT_FAIL,
    EXIT_PASS,
    Row,
    backend_rows,
    frontend_rows,
    table,
    verdict,
)
from ecsotel.exercise.bench.sections import (
    collector_row,
    components_section,
    latency_row,
    write_report,
)
from ecsotel.exercise.harness.machine import IdleLimits, MachineRecord, Window

IDLE = MachineRecord(0.2, Window(5, 0.01, 0.0, ()), Window(600, 0.02, 0.001, ()))
BUSY = MachineRecord(3.5, Window(5, 1.2, 0.0, (("cc1plus", 1.1),)), None)


def spread(value: float, name: str) -> dict[str, float]:
    """A figure whose runs went 0.05 either side of its median."""
    return {name: value, f"{name} low": value - 0.05, f"{name} high": value + 0.05}


def backend_figures(
    ratio: float, sampled: float, cpu: float, p99: float, stock: float | None = 1.25
) -> Figures:
    """A backend bench's figures, the same for every request."""
    figures: Figures = {}
    for request in ("get by id", "list (100)", "create"):
        on = {**spread(ratio, "vs off"), **spread(cpu, "added_cpu_ms vs off")}
        if stock is not None:
            on |= spread(stock, "vs stock")
        figures[f"on / {request}"] = on
        figures[f"10% / {request}"] = spread(sampled, "vs off")
    figures["on / paced get"] = spread(p99, "added_p99_ms vs off")
    return figures


def frontend_figures(page: float, proxy: float, rss_mib: float, stock: float | None) -> Figures:
    """A frontend bench's figures: both requests against off (and stock), memory."""
    figures: Figures = {
        # The largest round's RSS 5 MiB above the median run's.
        "on / memory": {"rss_mib": rss_mib, "rss_mib high": rss_mib + 5, "requests": 900},
        "off / memory": {"rss_mib": 150, "rss_mib high": 150, "requests": 900},
    }
    for request, ratio in (("page render", page), ("API-route proxy", proxy)):
        figures[f"on / {request}"] = spread(ratio, "vs off")
        if stock is not None:
            figures[f"on / {request}"] |= spread(stock, "vs stock")
    return figures


def test_backend_budgets_pass_and_fail_on_the_right_side() -> None:
    assert all(row.met for row in backend_rows(backend_figures(0.8, 0.93, 0.5, 3, stock=1.2)))
    failing = backend_rows(backend_figures(0.79, 0.95, 0.2, 1, stock=1.19))
    assert [row.what for row in failing if not row.met] == [
        "get by id: ours/off at 100 %",
        "get by id: ours/stock at 100 %",
        "list (100): ours/off at 100 %",
        "list (100): ours/stock at 100 %",
        "create: ours/off at 100 %",
        "create: ours/stock at 100 %",
    ]
    assert "**fail**" in table(failing)
    assert not any(row.met for row in backend_rows(backend_figures(0.5, 0.5, 0.9, 9, stock=1.0)))


def test_ratios_are_judged_by_their_median_over_runs_and_shown_with_their_spread() -> None:
    rows = {row.what: row for row in backend_rows(backend_figures(0.8, 0.92, 0.5, 3))}

    # A run below the budget does not fail a median at it; the spread is shown.
    assert rows["get by id: ours/off at 100 %"].met
    assert rows["get by id: ours/off at 100 %"].measured == "0.80 (0.75-0.85)"
    assert not rows["get by id: ours/off at 10 %"].met
    assert rows["get by id: ours/off at 10 %"].measured == "0.92 (0.87-0.97)"
    assert rows["get by id: added CPU at 100 %"].measured == "+0.50 ms (+0.45 to +0.55)"


def test_a_mode_that_did_not_run_is_not_measured_and_fails_nothing() -> None:
    rows = backend_rows(backend_figures(0.9, 0.95, 0.2, 1, stock=None))

    stock_rows = [row for row in rows if "ours/stock" in row.what]
    assert [row.met for row in stock_rows] == [None, None, None]
    assert verdict(rows, IDLE, IdleLimits()).status == EXIT_PASS


def test_frontend_budgets_pass_and_fail_on_the_right_side() -> None:
    rows = frontend_rows(frontend_figures(page=0.85, proxy=0.84, rss_mib=700, stock=1.0), 768)

    assert [(row.what, row.met) for row in rows] == [
        ("page render: ours/off", True),
        ("page render: ours/stock", True),
        ("API-route proxy: ours/off", False),
        ("API-route proxy: ours/stock", True),
        ("RSS after ~900 requests (telemetry on, largest of all rounds)", True),
    ]
    assert rows[2].measured == "0.84 (0.79-0.89)"
    # The largest round's RSS is judged, not the median run's (765 MiB).
    too_big = frontend_rows(frontend_figures(page=0.9, proxy=0.9, rss_mib=765, stock=0.99), 768)
    assert [row.met for row in too_big] == [True, False, True, False, False]


def test_the_frontend_without_a_stock_switch_says_so_rather_than_passing() -> None:
    rows = frontend_rows(frontend_figures(page=0.9, proxy=0.9, rss_mib=200, stock=None), 768)

    assert [row.met for row in rows if "stock" in row.what] == [None, None]
    assert all(row.measured == "-" for row in rows if "stock" in row.what)


def test_the_verdict_is_pass_or_fail_on_an_idle_machine_and_never_on_a_busy_one() -> None:
    passing = [Row("a", ">= 1", "1.1", True), Row("collector", "-", "-", None)]
    failing = [*passing, Row("b", ">= 1", "0.9", False)]

    assert verdict(passing, IDLE, IdleLimits()).status == EXIT_PASS
    missed = verdict(failing, IDLE, IdleLimits())
    assert (missed.status, missed.text) == (EXIT_FAIL, "fail: 1 budget(s) missed (b)")
    for rows in (passing, failing):
        busy = verdict(rows, BUSY, IdleLimits())
        assert busy.status == EXIT_BUSY
        assert busy.text.startswith("not measured: machine busy (load average 3.50 before; ")
        assert "cc1plus 1.10" in busy.text
    assert "pass" not in table(failing, busy=True)
    assert "fail" not in table(failing, busy=True)


def test_report_keeps_sections_it_does_not_own(tmp_path: Path) -> None:
    report = tmp_path / "performance.md"
    report.write_text(
        "# Performance\n\n## Budgets\nold\n\n## Machine\ngone\n\n## Data growth\nrows grow\n"
    )

    write_report({"Budgets": "new budgets\n", "Method": "m\n"}, report)
    write_report({"Budgets": "newer\n", "Method": "m\n"}, report)

    text = report.read_text()
    assert "## Data growth\n\nrows grow\n" in text
    assert "newer" in text
    assert "old" not in text
    assert "gone" not in text
    assert text.count("## Budgets") == 1


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


def test_telemetry_cpu_section_adds_up_each_sampling_ratio_beside_the_bench() -> None:
    components = {
        "request middleware, sampled": 40.0,
        "request middleware, unsampled": 15.0,
        "histogram point (in the middleware)": 9.0,
        "SQL span (instrumentation)": 60.0,
        "SQL, unsampled (instrumentation)": 5.0,
        "OTLP encoding, server span": 40.0,
        "OTLP encoding, SQL span": 35.0,
    }
    measured = {"10% / get by id": {"added_cpu_ms vs off": 0.05}}

    section = components_section(components, measured)

    assert "| SQL span (instrumentation) | 60.0 |" in section
    assert "**175 µs** of CPU" in section
    assert "**20 µs**" in section
    # 20 + 0.1 x (175 - 20) = 35.5 µs predicted at 10 %, 50 µs measured.
    assert "| 10% | 36 µs | +50 µs |" in section
    assert "| 0% | 20 µs | not measured |" in section
