"""The sampling sections of the report: each replaces only itself, and says what it measured."""

from pathlib import Path

from ecsotel.exercise.sampling_report import (
    COSTS,
    KEEPS,
    cost_section,
    drill_section,
    write,
)
from tests.exercise.drills.test_sampling import HEAD, TAIL

LATENCY = {
    "head": {"samples": 20, "p50_s": 0.95, "p95_s": 1.2, "max_s": 1.3},
    "tail": {"samples": 20, "p50_s": 3.4, "p95_s": 4.0, "max_s": 4.1},
}
GATEWAY = {
    "spans_per_second": 2927,
    "seconds": 40,
    "decision_wait_s": 10,
    "cores_per_1000": 0.011,
    "held_mib_per_1000": 8.3,
    "idle_mib": 72,
    "kept_percent": 10.0,
    "refused": 0,
}


def test_each_section_replaces_only_itself(tmp_path: Path) -> None:
    report = tmp_path / "performance.md"
    report.write_text("# Performance\n\nintro\n\n## Budgets\nkept as is\n", encoding="utf-8")

    write(KEEPS, drill_section(TAIL, HEAD, 40, 12), report)
    write(COSTS, cost_section(GATEWAY, LATENCY, None), report)
    write(KEEPS, drill_section(TAIL, {**HEAD, "error_traces_complete": 2}, 40, 12), report)

    text = report.read_text(encoding="utf-8")
    assert text.startswith("# Performance\n")
    assert "## Budgets\n\nkept as is\n" in text
    assert text.count(f"## {KEEPS}") == text.count(f"## {COSTS}") == 1
    assert "| error traces kept complete | 15 of 15 (100 %) | 2 of 24 (8 %) |" in text


def test_the_cost_section_shows_the_gateway_the_delay_and_the_apps_when_measured() -> None:
    without = cost_section(GATEWAY, LATENCY, None)
    backend = {
        f"{mode} / {request}": {"vs off": ratio}
        for mode, ratio in (("on", 0.8), ("10%", 0.9))
        for request in ("get by id", "list (100)", "create")
    }
    with_apps = cost_section(None, LATENCY, backend)

    assert "| 0.95 / 1.20 | 3.40 / 4.00 |" in without
    assert "| - | 0.011 core |" in without
    assert "| - | 8 MiB |" in without
    assert "fastapi-app" not in without
    assert "| fastapi-app get by id: throughput" in with_apps
    assert "| 0.90 | 0.80 |" in with_apps
    assert "gateway at" not in with_apps


def test_the_monthly_table_prices_both_modes_at_three_levels() -> None:
    text = cost_section(GATEWAY, LATENCY, None)
    rows = [
        line for line in text.splitlines() if line.startswith(("| 100 ", "| 1,000 ", "| 10,000 "))
    ]

    assert len(rows) == 3
    # At 1,000 req/s the rules keep 4 + 70 traces a second (infra/sampling.tf's comment).
    assert "| 74, " in rows[1]
    # The gateway's floor is two tasks.
    assert rows[0].split(" | ")[2] == "2"
