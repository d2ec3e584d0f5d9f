"""`ecsotel soak-renders`: nextjs-app's memory over many page renders, against its container.

On a throwaway PostgreSQL, fastapi-app (telemetry off) and the OTLP sink
(harness.servers, bench/frontend.py's `behind_the_frontend`), the standalone Next.js server runs
from the stack's own spec, as its ECS container runs it: telemetry on, and the heap
the task definition gives it (NODE_OPTIONS, ecsotel.local.apps.FRONTEND_HEAP_MIB).
wrk renders the page in runs of a fixed length (wrk always runs its full
duration); the server's RSS is read after each run, until enough pages rendered.
It fails if RSS ever reaches the container's memory limit, where ECS would kill
the task; a failed render stops it at once. Loopback only; bounded by the number
of renders.
"""

import tempfile
from dataclasses import dataclass
from pathlib import Path

from ecsotel.exercise.bench.frontend import MODES, SCENARIOS, behind_the_frontend
from ecsotel.exercise.harness.procfs import rss_mib
from ecsotel.exercise.harness.servers import bench_servers
from ecsotel.exercise.harness.wrk import WrkLoad, run_wrk
from ecsotel.exercise.report import measured_by, table

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


def section(readings: list[Reading], limit_mib: float) -> str:
    """The report's section: RSS after each run of renders, and the verdict."""
    _, line = verdict(readings, limit_mib)
    return (
        "The standalone server as its ECS container runs it (telemetry on, exporting to the "
        f"real collector, the container's heap); wrk renders the page; RSS after each run. It "
        f"fails if RSS reaches the container's {limit_mib:.0f} MiB or a render fails.\n\n"
        + table(
            ["renders", *(f"{reading.renders:,}" for reading in readings)],
            [["RSS (MiB)", *(f"{reading.rss_mib:.0f}" for reading in readings)]],
        )
        + f"\n{line[0].upper()}{line[1:]}. {measured_by('make soak-renders')}\n"
    )


def soak(renders: int, seconds: int, cpu: int | None, load_cpu: int | None) -> list[Reading]:
    """Render the page at least `renders` times in runs of `seconds`; the RSS after each."""
    folder = Path(tempfile.mkdtemp(prefix="nextjs-app-renders-"))
    readings: list[Reading] = []
    with bench_servers(folder) as servers, behind_the_frontend(servers) as backend:
        frontend = servers.start_frontend(backend, env=MODES["on"], cpu=cpu)
        done = 0
        while done < renders:
            # run_wrk stops the soak at the first failed render.
            load = WrkLoad(4, seconds, renders - done, cpu=load_cpu)
            result = run_wrk(frontend.url, frontend.pid, PAGE, load, folder)
            done += result.requests
            readings.append(Reading(done, rss_mib(frontend.pid)))
            print(f"{done:>7} renders: RSS {readings[-1].rss_mib:.0f} MiB", flush=True)
    return readings
