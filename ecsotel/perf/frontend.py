"""nextjs-app's telemetry cost and memory: the standalone server, telemetry on and off.

Starts a throwaway PostgreSQL, fastapi-app with telemetry off (it is measured on its
own by backend/bench), and the OTLP sink; then the standalone Next.js
server with ``OTEL_SDK_DISABLED=true`` and with the apps' OTEL_* settings
(collector/app-env.json), both up at once: wrk drives the page render and the API-route
proxy in short turns between them (devkit.wrk.take_turns), fresh servers each round.
Each server's RSS is read at the end of its round, after every request it served.
"""

import json
import os
import statistics
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import httpx
from devkit.polling import poll_until
from devkit.ports import free_port
from devkit.postgres import Cluster
from devkit.sink import answers, start_collector, stop
from devkit.wrk import Load, Result, Scenario, pinned, run_wrk, take_turns

from ecsotel.local.stack import FRONTEND_HEAP_MIB
from ecsotel.paths import APP_ENV, BACKEND_DIR, FRONTEND_DIR

SCENARIOS = (
    Scenario("page render", 'return wrk.format("GET", "/")'),
    Scenario("API-route proxy", 'return wrk.format("GET", "/api/todos")'),
)
SEED_TODOS = 20
MODES = ("off", "on")


def rss_mib(pid: int) -> float:
    """Resident memory of a process (Linux: VmRSS in /proc/PID/status), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def start_backend(pg: Cluster, folder: Path) -> tuple["subprocess.Popen[bytes]", str]:
    """fastapi-app (telemetry off) on a fresh database with a few todos."""
    pg.psql("CREATE DATABASE frontend_bench")
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": pg.url("frontend_bench"),
        "PORT": str(port),
        "OTEL_SDK_DISABLED": "true",
    }
    with (folder / "backend.log").open("wb") as log:
        process = subprocess.Popen(
            [str(BACKEND_DIR / ".venv" / "bin" / "fastapi-app")],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    poll_until(lambda: answers(f"{base}/readyz"), "fastapi-app to answer /readyz", timeout=60)
    with httpx.Client(base_url=base) as client:
        for number in range(SEED_TODOS):
            client.post("/api/todos/", json={"title": f"seed {number}"}).raise_for_status()
    return process, base


def server_env(*, port: int, backend: str, endpoint: str, telemetry: bool) -> dict[str, str]:
    """The standalone server's environment, as its ECS container has it."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "NODE_ENV": "production",
        "NEXT_TELEMETRY_DISABLED": "1",
        # As the image sets it: SIGTERM drains and flushes (frontend/lib/http-server.ts).
        "NEXT_MANUAL_SIG_HANDLE": "true",
        # The heap its ECS container gives it, as the local stack does.
        "NODE_OPTIONS": f"--max-old-space-size={FRONTEND_HEAP_MIB}",
        "PORT": str(port),
        "HOSTNAME": "127.0.0.1",
        "BACKEND_URL": backend,
        **json.loads(APP_ENV.read_text()),
        "OTEL_SERVICE_NAME": "nextjs-app",
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_SDK_DISABLED": "false" if telemetry else "true",
        # As the X-Ray pipeline's task definition sets it (NodeSDK's own default is otlp).
        "OTEL_LOGS_EXPORTER": "none",
    }


def start_server(
    *, backend: str, endpoint: str, telemetry: bool, cpu: int | None, log: Path
) -> tuple["subprocess.Popen[bytes]", str]:
    """The standalone server, healthy and past its first render; it and its base URL."""
    port = free_port()
    env = server_env(port=port, backend=backend, endpoint=endpoint, telemetry=telemetry)
    server = FRONTEND_DIR / ".next" / "standalone" / "server.js"
    with log.open("wb") as output:
        process = subprocess.Popen(
            pinned(["node", str(server)], cpu), env=env, stdout=output, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        poll_until(lambda: answers(f"{base}/api/health"), "nextjs-app's /api/health", timeout=60)
        # The first render compiles and caches.
        httpx.get(f"{base}/", timeout=60).raise_for_status()
    except BaseException:
        stop(process)
        raise
    return process, base


@contextmanager
def behind_the_frontend(collector: Path, folder: Path) -> Iterator[tuple[str, str]]:
    """A throwaway PostgreSQL, the OTLP sink and fastapi-app; yields (backend, OTLP endpoint)."""
    pg = Cluster()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        pg.start()
        sink, endpoint = start_collector(collector, folder)
        processes.append(sink)
        backend_process, backend = start_backend(pg, folder)
        processes.append(backend_process)
        yield backend, endpoint
    finally:
        for process in reversed(processes):
            stop(process)
        pg.remove()


def measure_round(
    *, backend: str, endpoint: str, load: Load, turns: int, server_cpu: int | None, folder: Path
) -> dict[str, dict[str, float | dict[str, float]]]:
    """Both servers up at once, each scenario in turns (devkit.wrk); then RSS and requests."""
    servers: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
    try:
        for mode in MODES:
            servers[mode] = start_server(
                backend=backend,
                endpoint=endpoint,
                telemetry=mode != "off",
                cpu=server_cpu,
                log=folder / f"frontend-{mode}.log",
            )
        targets = {mode: (process.pid, base) for mode, (process, base) in servers.items()}
        # A short warm-up each, not measured.
        for pid, base in targets.values():
            run_wrk(base, pid, SCENARIOS[0], Load(4, 3, 10**9, cpu=load.cpu), folder)
        results: dict[str, dict[str, float | dict[str, float]]] = {mode: {} for mode in MODES}
        served = dict.fromkeys(MODES, 0)
        for scenario in SCENARIOS:
            for mode, result in take_turns(targets, scenario, load, turns, folder).items():
                results[mode][scenario.name] = asdict(result)
                served[mode] += result.requests
        for mode, (process, _) in servers.items():
            results[mode]["rss_mib"] = rss_mib(process.pid)
            results[mode]["requests"] = served[mode]
        return results
    finally:
        for process, _ in servers.values():
            stop(process)


def ratios(runs: dict[str, list[dict[str, float | dict[str, float]]]]) -> dict[str, float]:
    """Median per-round on/off throughput ratio and added CPU per request, per scenario."""
    summary: dict[str, float] = {}
    for scenario in SCENARIOS:
        pairs = list(zip(runs["off"], runs["on"], strict=True))
        off = [Result(**p[0][scenario.name]) for p in pairs]  # type: ignore[arg-type]
        on = [Result(**p[1][scenario.name]) for p in pairs]  # type: ignore[arg-type]
        per_round = [b.rps / a.rps for a, b in zip(off, on, strict=True)]
        summary[f"{scenario.name} ratio"] = statistics.median(per_round)
        summary[f"{scenario.name} ratio low"] = min(per_round)
        summary[f"{scenario.name} ratio high"] = max(per_round)
        summary[f"{scenario.name} added cpu ms"] = statistics.median(
            b.cpu_ms - a.cpu_ms for a, b in zip(off, on, strict=True)
        )
    summary["rss_mib on"] = max(float(r["rss_mib"]) for r in runs["on"])  # type: ignore[arg-type]
    summary["rss_mib off"] = max(float(r["rss_mib"]) for r in runs["off"])  # type: ignore[arg-type]
    summary["requests per run"] = statistics.median(float(r["requests"]) for r in runs["on"])  # type: ignore[arg-type]
    return summary


def run(
    *, collector: Path, rounds: int, turns: int, load: Load, server_cpu: int | None
) -> dict[str, float]:
    """Measure the frontend on and off, fresh servers each round; return the summary."""
    folder = Path(tempfile.mkdtemp(prefix="nextjs-app-bench-"))
    runs: dict[str, list[dict[str, float | dict[str, float]]]] = {mode: [] for mode in MODES}
    with behind_the_frontend(collector, folder) as (backend, endpoint):
        for round_number in range(rounds):
            print(f"frontend round {round_number + 1}: telemetry off and on", flush=True)
            measured = measure_round(
                backend=backend,
                endpoint=endpoint,
                load=load,
                turns=turns,
                server_cpu=server_cpu,
                folder=folder,
            )
            for mode in MODES:
                runs[mode].append(measured[mode])
    return ratios(runs)
