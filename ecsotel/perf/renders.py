"""`make soak-renders`: nextjs-app's memory over many page renders, against its container.

Starts a throwaway PostgreSQL, fastapi-app (telemetry off), the OTLP sink and the
standalone Next.js server as its ECS container runs it: telemetry on, and the heap
the task definition gives it (NODE_OPTIONS, ecsotel.local.stack.FRONTEND_HEAP_MIB).
wrk renders the page in runs of a fixed length (wrk always runs its full
duration); the server's RSS is read after each run, until enough pages rendered. It fails
(exit 1) if RSS ever reaches the container's memory limit, where ECS would kill the
task; a failed render stops it at once. Loopback only; bounded by the number of
renders.
"""

import argparse
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
from devkit.polling import poll_until
from devkit.ports import free_port
from devkit.postgres import Cluster
from devkit.sink import answers, start_collector, stop
from devkit.wrk import Load, pinned, run_wrk

from ecsotel.local.collector import BINARY
from ecsotel.paths import FRONTEND_DIR
from ecsotel.perf.frontend import SCENARIOS, rss_mib, server_env, start_backend

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


def start_frontend(
    backend: str, endpoint: str, folder: Path, cpu: int | None
) -> tuple["subprocess.Popen[bytes]", str]:
    """The standalone server with telemetry on and the task definition's heap."""
    port = free_port()
    env = server_env(port=port, backend=backend, endpoint=endpoint, telemetry=True)
    server = FRONTEND_DIR / ".next" / "standalone" / "server.js"
    with (folder / "frontend.log").open("wb") as log:
        process = subprocess.Popen(
            pinned(["node", str(server)], cpu), env=env, stdout=log, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    poll_until(lambda: answers(f"{base}/api/health"), "nextjs-app's /api/health", timeout=60)
    return process, base


def soak(renders: int, seconds: int, cpu: int | None, load_cpu: int | None) -> list[Reading]:
    """Render the page at least `renders` times in runs of `seconds`; the RSS after each."""
    folder = Path(tempfile.mkdtemp(prefix="nextjs-app-renders-"))
    pg = Cluster()
    processes: list[subprocess.Popen[bytes]] = []
    readings: list[Reading] = []
    try:
        pg.start()
        sink, endpoint = start_collector(BINARY, folder)
        processes.append(sink)
        backend_process, backend = start_backend(pg, folder)
        processes.append(backend_process)
        frontend, base = start_frontend(backend, endpoint, folder, cpu)
        processes.append(frontend)
        httpx.get(f"{base}/", timeout=60).raise_for_status()
        done = 0
        while done < renders:
            # run_wrk stops the soak at the first failed render.
            load = Load(4, seconds, renders - done, cpu=load_cpu)
            result = run_wrk(base, frontend.pid, PAGE, load, folder)
            done += result.requests
            readings.append(Reading(done, rss_mib(frontend.pid)))
            print(f"{done:>7} renders: RSS {readings[-1].rss_mib:.0f} MiB", flush=True)
        return readings
    finally:
        for process in reversed(processes):
            stop(process)
        pg.remove()


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
