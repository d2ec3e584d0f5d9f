"""`ecsotel bench` beside a CPU hog: it prints its figures but refuses a verdict (exit 3)."""

import subprocess
import sys

from ecsotel.exercise.bench.report import EXIT_BUSY
from ecsotel.paths import REPO_ROOT

HOG = "while True: pass"


def test_a_bench_beside_a_cpu_hog_is_not_measured() -> None:
    hog = subprocess.Popen([sys.executable, "-c", HOG], start_new_session=True)
    try:
        # The shortest real bench: fastapi-app off and on, one turn of each request.
        result = subprocess.run(
            [
                *(sys.executable, "-m", "ecsotel", "bench", "--backend-only", "--modes", "off,on"),
                *("--runs", "1", "--rounds", "1", "--windows", "1", "--paced-seconds", "1"),
                *("--idle-wait", "0"),
            ],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        hog.kill()
        hog.wait()

    assert result.returncode == EXIT_BUSY, result.stdout + result.stderr
    assert "on / get by id" in result.stdout
    assert "verdict: not measured: machine busy (" in result.stdout
    assert "pass" not in result.stdout.split("verdict:")[1]
    assert "fail" not in result.stdout.split("verdict:")[1]
