"""`make load`: the smoke run through make's own command (a stack of its own; `make test-load`)."""

import csv
import subprocess
import sys
from pathlib import Path

from ecsotel.paths import REPO_ROOT


def test_smoke_run_prints_the_table_and_writes_the_plot(tmp_path: Path) -> None:
    """A few seconds of load through the frontend: no errors, a table, a PNG."""
    result = subprocess.run(
        [sys.executable, "-m", "ecsotel", "load", "--smoke", "--out", str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert "p99 objective 300 ms" in result.stdout
    assert (tmp_path / "load-latency.png").read_bytes().startswith(b"\x89PNG")
    with (tmp_path / "load-steps.csv").open() as handle:
        (step,) = list(csv.DictReader(handle))
    assert int(step["requests"]) > 0
    assert int(step["failures"]) == 0
