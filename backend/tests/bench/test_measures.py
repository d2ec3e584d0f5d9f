"""The bench's per-piece and per-request measures run to the end and name every figure.

`make bench` runs bench.components before anything else: a broken measure must fail
here, not twenty minutes into a bench.
"""

import json
import subprocess
import sys
from pathlib import Path

PIECES = {
    "request middleware, sampled",
    "request middleware, unsampled",
    "histogram point (in the middleware)",
    "SQL span (instrumentation)",
    "SQL, unsampled (instrumentation)",
    "OTLP encoding, server span",
    "OTLP encoding, SQL span",
}


def run(module: str, *args: str) -> str:
    """`python -m bench.<module>` as the bench runs it, in this environment."""
    return subprocess.run(
        [sys.executable, "-m", f"bench.{module}", *args],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout


def test_components_measures_every_piece_the_report_adds_up(tmp_path: Path) -> None:
    out = tmp_path / "components.json"

    run("components", "--calls", "40", "--rounds", "1", "--json", str(out))

    figures = json.loads(out.read_text())
    assert set(figures) >= PIECES
    assert figures["request middleware, sampled"] > figures["request middleware, unsampled"] > 0
    assert figures["OTLP encoding, server span"] > 0


def test_per_request_drives_the_app_and_reports_cpu_per_request() -> None:
    found = json.loads(run("per_request", "--kind", "create", "--requests", "20", "--json"))

    assert found["cpu_ms"] > 0
    assert set(found) == {"cpu_ms", "gen0 per 1000", "gen1 per 1000", "gen2 per 1000"}
