"""Throughput of `fastapi-app` with telemetry off, on and 10 % sampled: `python -m bench.bench`.

Starts a throwaway PostgreSQL (the tests' cluster helper), an OTLP endpoint, and, in
each round, the real `fastapi-app` command three times at once: ``OTEL_SDK_DISABLED=true``,
exporting everything, and sampling 10 % of traces. Each gets the apps' own OTEL_*
settings (collector/app-env.json, as on ECS). Each server gets one request paced at
about 100 requests/s; then, for each of three requests, wrk (devkit.wrk) drives the
servers at full speed in turns of ``--window`` seconds, ``--windows`` turns each, in a
rotating order. It prints req/s, p50, p99 and the server's CPU time per request.
``--server-cpu`` pins the servers to one core (run the bench itself on the other, as
`make bench` does). Fresh processes every round; the ratios are medians over rounds.

Loopback only, and bounded: every wrk run stops after its seconds or ``--requests``
responses, whichever comes first.

The OTLP endpoint is, by default, the local collector binary (`make collector`) with a
pipeline of its own (devkit.sink). ``--otlp-endpoint`` sends to a collector that already
runs instead (e.g. the one of `make up`).
"""

import argparse
import dataclasses
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
from devkit.polling import poll_until
from devkit.ports import free_port
from devkit.postgres import Cluster
from devkit.sink import answers, start_collector, stop
from devkit.wrk import Load, Result, pinned, run_wrk, take_turns

from bench.scenarios import SCENARIOS, SEED_TODOS

BACKEND = Path(__file__).resolve().parent.parent
DEFAULT_COLLECTOR = BACKEND.parent / ".cache" / "collector" / "otelcol-ecs"
# The apps' OTEL_* settings, the same file the task definitions and the local stack read.
APP_ENV = BACKEND.parent / "collector" / "app-env.json"
# Telemetry off, on, and head-sampled at 10 % (the usual production setting).
MODES: dict[str, dict[str, str]] = {
    "off": {"OTEL_SDK_DISABLED": "true"},
    "on": {},
    "10%": {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1"},
}
# About 100 requests/s: two connections, each waiting 20 ms before each request; 10 s,
# so that its p99 is not the 4th-worst of 400 requests but the 8th-worst of 800.
PACED = Load(connections=2, duration=10, requests=10**9, pause_ms=20)


def app_env() -> dict[str, str]:
    """The apps' OTEL_* settings from collector/app-env.json."""
    values: dict[str, str] = json.loads(APP_ENV.read_text())
    return values


def start_server(
    *, database: str, mode: str, pg: Cluster, endpoint: str, args: argparse.Namespace, folder: Path
) -> tuple["subprocess.Popen[bytes]", str]:
    """`fastapi-app` in one mode on a fresh database of SEED_TODOS todos; it and its URL."""
    pg.psql(f"CREATE DATABASE {database}")
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": pg.url(database),
        "PORT": str(port),
        # The same string hashing in every server: one less way for two processes
        # running the same code to differ.
        "PYTHONHASHSEED": "0",
        **app_env(),
        "OTEL_SDK_DISABLED": "false",
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        **MODES[mode],
        **dict(entry.split("=", 1) for entry in args.app_env),
    }
    command = pinned([str(Path(sys.executable).parent / "fastapi-app")], args.server_cpu)
    with (folder / f"app-{database}.log").open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        poll_until(lambda: answers(f"{base}/readyz"), "fastapi-app to answer /readyz", timeout=60)
        with httpx.Client(base_url=base) as client:
            for number in range(SEED_TODOS):
                client.post("/api/todos/", json={"title": f"seed {number}"}).raise_for_status()
    except BaseException:
        stop(process)
        raise
    return process, base


def measure_round(
    *,
    number: int,
    modes: list[str],
    pg: Cluster,
    endpoint: str,
    args: argparse.Namespace,
    folder: Path,
) -> dict[str, dict[str, Result]]:
    """One server per mode, all up at once; each scenario in short turns (devkit.wrk)."""
    servers: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
    try:
        for index, mode in enumerate(modes):
            servers[mode] = start_server(
                database=f"bench_{number}_{index}",
                mode=mode,
                pg=pg,
                endpoint=endpoint,
                args=args,
                folder=folder,
            )
        load = Load(args.connections, args.window, args.requests, cpu=args.load_cpu)
        # Warm-up: pool connections, code paths, the exporter's first batches.
        warm = dataclasses.replace(load, duration=2, requests=10**9)
        paced = dataclasses.replace(PACED, cpu=args.load_cpu)
        results: dict[str, dict[str, Result]] = {mode: {} for mode in modes}
        for process, base in servers.values():
            run_wrk(base, process.pid, SCENARIOS[0], warm, folder)
        # Paced first and create last, so that both lists hold the 100 seeded todos.
        for mode, (process, base) in servers.items():
            results[mode]["paced get"] = run_wrk(base, process.pid, SCENARIOS[0], paced, folder)
        targets = {mode: (process.pid, base) for mode, (process, base) in servers.items()}
        for scenario in SCENARIOS:
            measured = take_turns(targets, scenario, load, args.windows, folder)
            for mode in modes:
                results[mode][scenario.name] = measured[mode]
        return results
    finally:
        for process, _ in servers.values():
            stop(process)


def summarise(results: dict[str, list[dict[str, Result]]]) -> dict[str, dict[str, float]]:
    """Per mode and request: medians over rounds, and on/off ratios per round, then medians."""
    summary: dict[str, dict[str, float]] = {}
    names = ["paced get", *(scenario.name for scenario in SCENARIOS)]
    for mode, rounds in results.items():
        for name in names:
            runs = [entry[name] for entry in rounds]
            # Ratios per round (modes ran back to back), then their median: steadier
            # than a ratio of medians when other processes load the machine unevenly.
            pairs = list(zip(results["off"], rounds, strict=True))
            ratios = [b[name].rps / a[name].rps for a, b in pairs]
            summary[f"{mode} / {name}"] = {
                "rps": statistics.median(r.rps for r in runs),
                "p50_ms": statistics.median(r.p50_ms for r in runs),
                "p99_ms": statistics.median(r.p99_ms for r in runs),
                "cpu_ms": statistics.median(r.cpu_ms for r in runs),
                "rps_ratio": statistics.median(ratios),
                # The lowest and highest round, printed beside the median in the report.
                "rps_ratio_low": min(ratios),
                "rps_ratio_high": max(ratios),
                "added_cpu_ms": statistics.median(
                    b[name].cpu_ms - a[name].cpu_ms for a, b in pairs
                ),
                "added_p99_ms": statistics.median(
                    b[name].p99_ms - a[name].p99_ms for a, b in pairs
                ),
            }
    return summary


def print_table(summary: dict[str, dict[str, float]], rounds: int) -> None:
    """One line per mode and request: medians, and the ratios against telemetry off."""
    print(f"\nmedian of {rounds} round(s); latency and server CPU time per request in ms")
    print(
        f"{'mode / request':<20} {'req/s':>7} {'p50':>5} {'p99':>6} {'cpu':>5}  "
        f"{'req/s vs off':>12} {'+cpu':>6} {'+p99':>6}"
    )
    for key, row in summary.items():
        print(
            f"{key:<20} {row['rps']:>7.0f} {row['p50_ms']:>5.1f} {row['p99_ms']:>6.1f} "
            f"{row['cpu_ms']:>5.2f}  {row['rps_ratio']:>12.2f} {row['added_cpu_ms']:>6.2f} "
            f"{row['added_p99_ms']:>6.1f}"
        )


def main() -> None:
    """Parse the options, start PostgreSQL and an OTLP endpoint, measure every mode."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=int, default=1, help="seconds per turn (max)")
    parser.add_argument("--windows", type=int, default=5, help="turns per mode and request")
    parser.add_argument("--requests", type=int, default=20_000, help="responses per turn (max)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of fresh servers")
    parser.add_argument(
        "--modes", default=",".join(MODES), help="comma-separated, from off,on,10%%"
    )
    parser.add_argument("--server-cpu", type=int, help="pin fastapi-app to this CPU (taskset)")
    parser.add_argument("--load-cpu", type=int, help="pin wrk to this CPU (taskset)")
    parser.add_argument("--json", type=Path, help="also write the summary here")
    parser.add_argument("--collector", type=Path, default=DEFAULT_COLLECTOR)
    parser.add_argument("--otlp-endpoint", help="use this OTLP/HTTP endpoint, start none")
    parser.add_argument(
        "--app-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for fastapi-app (repeatable), e.g. OTEL_BSP_SCHEDULE_DELAY=1000",
    )
    args = parser.parse_args()
    modes = args.modes.split(",")
    if "off" not in modes or not set(modes) <= set(MODES):
        raise SystemExit(f"--modes must include off and name only {', '.join(MODES)}")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk (Debian/Ubuntu) or brew install wrk")
    if args.otlp_endpoint is None and not args.collector.is_file():
        raise SystemExit(f"no collector at {args.collector}: run `make collector` first")

    folder = Path(tempfile.mkdtemp(prefix="fastapi-app-bench-"))
    pg = Cluster()
    collector: subprocess.Popen[bytes] | None = None
    results: dict[str, list[dict[str, Result]]] = {mode: [] for mode in modes}
    try:
        pg.start()
        endpoint = args.otlp_endpoint
        if endpoint is None:
            collector, endpoint = start_collector(args.collector, folder)
        print(f"OTLP endpoint: {endpoint}; wrk, {args.connections} connections")
        for round_number in range(args.rounds):
            load = os.getloadavg()[0]
            print(f"round {round_number + 1}: {', '.join(modes)} (load average {load:.2f})")
            measured = measure_round(
                number=round_number,
                modes=modes,
                pg=pg,
                endpoint=endpoint,
                args=args,
                folder=folder,
            )
            for mode in modes:
                results[mode].append(measured[mode])
        summary = summarise(results)
        print_table(summary, args.rounds)
        if args.json:
            args.json.write_text(json.dumps(summary, indent=2) + "\n")
    finally:
        if collector is not None:
            stop(collector)
        pg.remove()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
