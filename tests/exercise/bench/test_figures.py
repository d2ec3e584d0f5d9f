"""Figures: ratios within a round, medians per run, the median of runs and its spread."""

from ecsotel.exercise.bench.figures import across_runs, run_figures
from ecsotel.exercise.harness.wrk import Result


def result(rps: float, cpu_ms: float = 1.0, p99_ms: float = 5.0) -> Result:
    """A wrk result with the figures that matter here."""
    return Result(rps=rps, p50_ms=1.0, p99_ms=p99_ms, cpu_ms=cpu_ms, requests=int(rps))


def test_ratios_are_taken_within_each_round_before_the_median() -> None:
    # The machine halved its speed in round 2: every mode slowed alike.
    rounds = {
        "off": [{"get": result(1000, cpu_ms=1.0)}, {"get": result(500, cpu_ms=2.0)}],
        "on": [{"get": result(800, cpu_ms=1.3)}, {"get": result(400, cpu_ms=2.5)}],
        "stock": [{"get": result(640)}, {"get": result(320)}],
    }

    figures = run_figures(rounds, ["get"])

    assert figures["on / get"]["vs off"] == 0.8
    assert figures["on / get"]["vs stock"] == 1.25
    assert figures["on / get"]["added_cpu_ms vs off"] == 0.4
    assert figures["stock / get"]["vs off"] == 0.64
    assert "vs stock" not in figures["stock / get"]
    assert "vs off" not in figures["off / get"]
    assert "vs stock" not in figures["off / get"]


def test_a_request_only_some_modes_ran_is_compared_where_it_can_be() -> None:
    rounds = {
        "off": [{"paced": result(100, p99_ms=4.0), "get": result(1000)}],
        "on": [{"paced": result(100, p99_ms=6.5), "get": result(900)}],
        "10%": [{"get": result(950)}],
        "stock": [{"get": result(700)}],
    }

    figures = run_figures(rounds, ["paced", "get"])

    assert figures["on / paced"]["added_p99_ms vs off"] == 2.5
    assert "vs stock" not in figures["on / paced"]
    assert "10% / paced" not in figures
    assert figures["10% / get"]["vs off"] == 0.95
    # Only ours at 100 % is set against the stock peer, which samples everything.
    assert "vs stock" not in figures["10% / get"]
    assert figures["on / get"]["vs stock"] == 900 / 700


def test_across_runs_the_median_decides_and_the_extremes_are_kept() -> None:
    runs = [{"on / get": {"vs off": ratio}} for ratio in (0.78, 0.84, 0.81)]

    combined = across_runs(runs)["on / get"]

    assert combined["vs off"] == 0.81
    assert (combined["vs off low"], combined["vs off high"]) == (0.78, 0.84)
    assert combined["runs"] == 3
