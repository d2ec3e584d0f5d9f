"""The benches' turn-taking (devkit.wrk): turns combine into one result per server."""

from pathlib import Path

import pytest
from devkit.wrk import Load, Result, Scenario, combine, take_turns

from devkit import wrk


def test_turns_add_up_by_requests_and_time_not_by_averaging_rates() -> None:
    fast = Result(rps=1000, p50_ms=1, p99_ms=5, cpu_ms=1.0, requests=1000)
    slow = Result(rps=250, p50_ms=3, p99_ms=9, cpu_ms=2.0, requests=250)

    combined = combine([fast, slow, fast])

    # 2,250 responses in 3 s; CPU weighted by responses, not by turn.
    assert combined.requests == 2250
    assert combined.rps == pytest.approx(750)
    assert combined.cpu_ms == pytest.approx((1000 + 500 + 1000) / 2250)
    assert (combined.p50_ms, combined.p99_ms) == (1, 5)


def test_each_server_gets_every_turn_in_a_rotating_order(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    order: list[str] = []

    def fake_run(base: str, pid: int, scenario: Scenario, load: Load, folder: Path) -> Result:
        order.append(base)
        return Result(rps=100.0 * pid, p50_ms=1, p99_ms=2, cpu_ms=1.0, requests=100 * pid)

    monkeypatch.setattr(wrk, "run_wrk", fake_run)
    servers = {"off": (1, "a"), "on": (2, "b"), "10%": (3, "c")}

    results = take_turns(servers, Scenario("x", "return"), Load(1, 1, 1), 3, tmp_path)

    assert order == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert {name: result.requests for name, result in results.items()} == {
        "off": 300,
        "on": 600,
        "10%": 900,
    }
