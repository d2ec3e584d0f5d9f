"""`make soak-renders`: nextjs-app's memory over many page renders, against its container.

Starts a throwaway PostgreSQL, fastapi-app (telemetry off), the OTLP sink and the
standalone Next.js server as its ECS container runs it: telemetry on, and the heap
the task definition gives it (NODE_OPTIONS, ecsotel.local.stack.FRONTEND_HEAP_MIB).
wrk renders the page in runs of a fixed length (wrk always runs its full
duration); the server's RSS is read after each run, until enough pages rendered.
It fails (exit 1) if RSS ever reaches the container's memory limit, where ECS would kill the
task; a failed render stops it at once. Loopback only; bounded by the number of
renders.
"""

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from devkit.sink import stop
from devkit.wrk import Load, run_wrk

from ecsotel.local.collector import BINARY
from ecsotel.perf.frontend import SCENARIOS, behind_the_frontend, rss_mib, start_server

# The app container's memory on ECS (infra/ecs.tf: task 1024 MiB - collector 256).
CONTAINER_MIB = 768.0
PAGE = SCENARIOS[0]


@dataclass(frozen=True)
class Reading:
    """The server's RSS after this many renders."""

    renders: int
    rss_mib: float


def verdict(readings: list[Reading], limit_mib: float) -> tuple[bool, str]:
    """Whether the soak passed, and the line that says so."""
    if not readings:
        return False, "no readings: nothing was rendered"
    peak = max(reading.rss_mib for reading in readings)
    ok = peak < limit_mib
    return ok, (
        f"{'passed' if ok else 'FAILED'}: {readings[-1].renders} renders, peak RSS "
        f"{peak:.0f} MiB (limit {limit_mib:.0f} MiB), none failed"
    )


def soak(renders: int, seconds: int, cpu: int | None, load_cpu: int | None) -> list[Reading]:
    """Render the page at least `renders` times in runs of `seconds`; the RSS after each."""
    folder = Path(tempfile.mkdtemp(prefix="nextjs-app-renders-"))
    readings: list[Reading] = []
    with behind_the_frontend(BINARY, folder) as (backend, endpoint):
        frontend, base = start_server(
            backend=backend, endpoint=endpoint, telemetry=True, cpu=cpu, log=folder / "frontend.log"
        )
        try:
            done = 0
            while done < renders:
                # run_wrk stops the soak at the first failed render.
                load = Load(4, seconds, renders - done, cpu=load_cpu)
                result = run_wrk(base, frontend.pid, PAGE, load, folder)
                done += result.requests
                readings.append(Reading(done, rss_mib(frontend.pid)))
                print(f"{done:>7} renders: RSS {readings[-1].rss_mib:.0f} MiB", flush=True)
        finally:
            stop(frontend)
    return readings


def main() -> int:
    """Parse the options, soak, print the verdict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("renders", type=int, nargs="?", default=40_000)
    parser.add_argument("--seconds", type=int, default=60, help="length of each run")
    parser.add_argument("--server-cpu", type=int)
    parser.add_argument("--load-cpu", type=int)
    parser.add_argument("--limit-mib", type=float, default=CONTAINER_MIB)
    args = parser.parse_args()
    readings = soak(args.renders, args.seconds, args.server_cpu, args.load_cpu)
    ok, line = verdict(readings, args.limit_mib)
    print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
