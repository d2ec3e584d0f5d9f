"""One step of the ramp: Locust headless at a fixed number of users, read back from its CSV."""

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
SEED_TODOS = 20


@dataclass(frozen=True)
class Step:
    """What one step measured (latencies in milliseconds)."""

    users: int
    seconds: int
    requests: int
    failures: int
    throughput: float
    p50: float
    p99: float
    # Mean response body size (bytes), for the load balancer's processed-bytes LCUs.
    mean_bytes: float = 0.0
    # CPU milliseconds per request, by component (frontend, backend, postgres, collector).
    cpu_ms: dict[str, float] = field(default_factory=dict)

    def passes(self, objective_ms: float) -> bool:
        """Within the latency objective and without a single failed request."""
        return self.failures == 0 and self.p99 <= objective_ms


def percentile(histogram: dict[float, int], share: float) -> float:
    """The smallest latency below or at which `share` of the requests fall."""
    total = sum(histogram.values())
    seen = 0
    for latency in sorted(histogram):
        seen += histogram[latency]
        if seen >= share * total:
            return latency
    raise ValueError("empty histogram")


def read_step(stats: list[dict[str, Any]], users: int, seconds: int) -> Step:
    """One Step from Locust's final `--json` statistics (one entry per request name).

    Throughput counts from the first request to the last: Locust's --run-time also
    covers its own start-up, which takes seconds on a busy machine.
    """
    requests = sum(int(entry["num_requests"]) for entry in stats)
    if requests == 0:
        raise RuntimeError("Locust recorded no requests")
    histogram: dict[float, int] = {}
    for entry in stats:
        for latency, count in entry["response_times"].items():
            histogram[float(latency)] = histogram.get(float(latency), 0) + int(count)
    active = max(e["last_request_timestamp"] or 0 for e in stats) - min(
        e["start_time"] for e in stats
    )
    return Step(
        users=users,
        seconds=seconds,
        requests=requests,
        failures=sum(int(entry["num_failures"]) for entry in stats),
        throughput=requests / max(active, 1.0),
        p50=percentile(histogram, 0.50),
        p99=percentile(histogram, 0.99),
        mean_bytes=sum(float(entry.get("total_content_length", 0)) for entry in stats) / requests,
    )


def run_locust(base_url: str, users: int, seconds: int) -> list[dict[str, Any]]:
    """Run Locust headless for `seconds` with all `users` started within one second."""
    argv = [
        sys.executable,
        "-m",
        "locust",
        "--locustfile",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        base_url,
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "5",
        # The final statistics as JSON on stdout (its CSV misses the last requests).
        "--json",
        "--only-summary",
        "--loglevel",
        "ERROR",
        # Failures are data here (they end the ramp), not an error of the run.
        "--exit-code-on-error",
        "0",
    ]
    # Bounded: the run time, the stop timeout and start-up, with room to spare.
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"locust exited with {done.returncode}:\n{done.stderr[-2000:]}")
    stats: list[dict[str, Any]] = json.loads(done.stdout)
    return stats


def reset_todos(backend_url: str) -> None:
    """Start a step from the same table: delete every todo, then create SEED_TODOS."""
    with httpx.Client(base_url=backend_url, timeout=10) as client:
        for todo in client.get("/api/todos/").raise_for_status().json():
            client.delete(f"/api/todos/{todo['id']}").raise_for_status()
        for number in range(SEED_TODOS):
            client.post("/api/todos/", json={"title": f"seed {number}"}).raise_for_status()


def measure(
    urls: tuple[str, str], users: int, seconds: int, cpu: Callable[[], dict[str, float]]
) -> Step:
    """Reset the table, run one step, and read what it measured (CPU per request too)."""
    frontend, backend = urls
    reset_todos(backend)
    before = cpu()
    stats = run_locust(frontend, users, seconds)
    after = cpu()
    step = read_step(stats, users, seconds)
    per_request = {
        name: 1000 * (after[name] - before[name]) / step.requests for name in sorted(after)
    }
    return Step(**{**step.__dict__, "cpu_ms": per_request})
