"""Throughput of `fastapi-app` with telemetry off and on: `make bench` (or `python -m bench.bench`).

Starts a throwaway PostgreSQL (the tests' cluster helper), an OTLP endpoint, and the
real `fastapi-app` command twice per round: once with ``OTEL_SDK_DISABLED=true``, once
exporting traces and metrics over OTLP/HTTP. For each it drives three requests with wrk (a
C load generator, from Debian's `wrk` package: a Python client would take a good share of
the same two cores away from the server it measures) and prints req/s, p50, p99 and the
server's CPU time per request.

Loopback only, and bounded: every wrk run stops after ``--duration`` seconds or
``--requests`` responses, whichever comes first.

The OTLP endpoint is, by default, the local collector binary (`make collector`) with a
pipeline of its own (OTLP/HTTP receiver -> batch -> debug exporter): the receiving side is
the real one, but nothing is sent on to X-Ray, since moto turning thousands of segments a
second into documents would compete for the same cores. ``--otlp-endpoint`` sends to a
collector that already runs instead (e.g. the one of `make up`).
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
from devkit.polling import poll_until
from devkit.ports import free_port
from devkit.postgres import Cluster

BACKEND = Path(__file__).resolve().parent.parent
DEFAULT_COLLECTOR = BACKEND.parent / ".cache" / "collector" / "otelcol-ecs"
SEED_TODOS = 100


@dataclass(frozen=True)
class Scenario:
    """One kind of request, as a wrk Lua ``request`` function."""

    name: str
    lua_request: str


SCENARIOS = (
    Scenario(
        "get by id",
        f'return wrk.format("GET", "/api/todos/" .. math.random(1, {SEED_TODOS}))',
    ),
    Scenario("list (100)", 'return wrk.format("GET", "/api/todos/")'),
    Scenario(
        "create",
        'return wrk.format("POST", "/api/todos/", '
        '{["Content-Type"] = "application/json"}, \'{"title": "bench"}\')',
    ),
)

# Stops the thread after `limit` responses, and prints the results as one JSON line
# (wrk's text report is for people; its Lua `done` hook gets the same numbers).
LUA_TEMPLATE = """
local limit = {limit}
local seen = 0
request = function()
  {request}
end
response = function(status, headers, body)
  seen = seen + 1
  if seen >= limit then wrk.thread:stop() end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{{"requests": %d, "micros": %d, "p50": %d, "p99": %d, "errors": %d, "status": %d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""

# The bench's own collector pipeline: see the module docstring.
COLLECTOR_CONFIG = """
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{otlp}
processors:
  batch:
    timeout: 1s
exporters:
  debug:
    verbosity: basic
extensions:
  health_check:
    endpoint: 127.0.0.1:{health}
service:
  extensions: [health_check]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [debug]
    metrics:
      receivers: [otlp]
      processors: [batch]
      exporters: [debug]
  telemetry:
    logs:
      level: warn
    metrics:
      level: none
"""


@dataclass(frozen=True)
class Result:
    """One wrk run: throughput and latency percentiles."""

    rps: float
    p50_ms: float
    p99_ms: float
    # The server's CPU time (all threads, export included) per response: unlike req/s,
    # it hardly moves when other processes compete for the cores.
    cpu_ms: float


def _ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    # SIGTERM first (the app flushes its telemetry), then by force.
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_collector(binary: Path, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start the collector with the bench pipeline; return it and its OTLP/HTTP endpoint."""
    otlp, health = free_port(), free_port()
    config = folder / "collector.yaml"
    config.write_text(COLLECTOR_CONFIG.format(otlp=otlp, health=health))
    log = (folder / "collector.log").open("wb")
    process = subprocess.Popen(
        [str(binary), "--config", str(config)], stdout=log, stderr=subprocess.STDOUT
    )
    poll_until(
        lambda: _ok(f"http://127.0.0.1:{health}/"), "the collector's health check", timeout=30
    )
    return process, f"http://127.0.0.1:{otlp}"


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux: /proc/PID/stat)."""
    # The command name (field 2) may contain spaces; the fields after it do not.
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_wrk(
    base: str, pid: int, scenario: Scenario, args: argparse.Namespace, folder: Path
) -> Result:
    """Drive one scenario with wrk; fail on any error or non-2xx answer."""
    script = folder / "scenario.lua"
    script.write_text(LUA_TEMPLATE.format(limit=args.requests, request=scenario.lua_request))
    cpu_before = cpu_seconds(pid)
    completed = subprocess.run(
        [
            "wrk",
            "--threads",
            "1",
            "--connections",
            str(args.connections),
            "--duration",
            f"{args.duration}s",
            "--timeout",
            "5s",
            "--script",
            str(script),
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=args.duration + 30,
    )
    cpu = cpu_seconds(pid) - cpu_before
    (line,) = [entry for entry in completed.stdout.splitlines() if entry.startswith('{"requests"')]
    numbers = json.loads(line)
    if numbers["errors"] or numbers["status"]:
        raise SystemExit(f"{scenario.name}: wrk saw failures: {numbers}")
    return Result(
        rps=numbers["requests"] / (numbers["micros"] / 1e6),
        p50_ms=numbers["p50"] / 1000,
        p99_ms=numbers["p99"] / 1000,
        cpu_ms=cpu * 1000 / numbers["requests"],
    )


def measure_mode(
    *,
    database: str,
    telemetry: bool,
    pg: Cluster,
    endpoint: str,
    args: argparse.Namespace,
    folder: Path,
) -> dict[str, Result]:
    """Start `fastapi-app` on a fresh database, seed it, and run every scenario once."""
    pg.psql(f"CREATE DATABASE {database}")
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": pg.url(database),
        "PORT": str(port),
        "OTEL_SDK_DISABLED": "false" if telemetry else "true",
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        **dict(entry.split("=", 1) for entry in args.app_env),
    }
    command = Path(sys.executable).parent / "fastapi-app"
    with (folder / f"app-{database}.log").open("wb") as log:
        process = subprocess.Popen([str(command)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        poll_until(lambda: _ok(f"{base}/readyz"), "fastapi-app to answer /readyz", timeout=60)
        with httpx.Client(base_url=base) as client:
            for number in range(SEED_TODOS):
                client.post("/api/todos/", json={"title": f"seed {number}"}).raise_for_status()
        # Warm-up: pool connections, code paths, the exporter's first batches.
        warm = argparse.Namespace(**{**vars(args), "duration": 2, "requests": 10**9})
        run_wrk(base, process.pid, SCENARIOS[0], warm, folder)
        # Create last, so that the list always holds the 100 seeded todos.
        return {
            scenario.name: run_wrk(base, process.pid, scenario, args, folder)
            for scenario in SCENARIOS
        }
    finally:
        _stop(process)


def print_table(results: dict[str, list[dict[str, Result]]], rounds: int) -> None:
    """One line per scenario: off and on (medians over rounds), and the on/off ratios."""
    print(f"\nmedian of {rounds} round(s); latency and server CPU time per request in ms")
    print(
        f"{'request':<12} {'off req/s':>9} {'p50':>5} {'p99':>6} {'cpu':>5}  "
        f"{'on req/s':>9} {'p50':>5} {'p99':>6} {'cpu':>5}  {'req/s on/off':>12} {'cpu off/on':>10}"
    )
    for scenario in SCENARIOS:
        row = []
        for mode in ("off", "on"):
            runs = [entry[scenario.name] for entry in results[mode]]
            row.append(
                Result(
                    rps=statistics.median(r.rps for r in runs),
                    p50_ms=statistics.median(r.p50_ms for r in runs),
                    p99_ms=statistics.median(r.p99_ms for r in runs),
                    cpu_ms=statistics.median(r.cpu_ms for r in runs),
                )
            )
        off, on = row
        # Ratios per round (off and on ran back to back), then their median: steadier
        # than a ratio of medians when other processes load the machine unevenly.
        pairs = list(zip(results["off"], results["on"], strict=True))
        rps_ratio = statistics.median(b[scenario.name].rps / a[scenario.name].rps for a, b in pairs)
        cpu_ratio = statistics.median(
            a[scenario.name].cpu_ms / b[scenario.name].cpu_ms for a, b in pairs
        )
        print(
            f"{scenario.name:<12} {off.rps:>9.0f} {off.p50_ms:>5.1f} {off.p99_ms:>6.1f} "
            f"{off.cpu_ms:>5.2f}  {on.rps:>9.0f} {on.p50_ms:>5.1f} {on.p99_ms:>6.1f} "
            f"{on.cpu_ms:>5.2f}  {rps_ratio:>12.2f} {cpu_ratio:>10.2f}"
        )


def main() -> None:
    """Parse the options, start PostgreSQL and an OTLP endpoint, measure off and on."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=6, help="seconds per run (max)")
    parser.add_argument("--requests", type=int, default=20_000, help="responses per run (max)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument("--rounds", type=int, default=4, help="off/on pairs, alternating")
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
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk (Debian/Ubuntu) or brew install wrk")
    if args.otlp_endpoint is None and not args.collector.is_file():
        raise SystemExit(f"no collector at {args.collector}: run `make collector` first")

    folder = Path(tempfile.mkdtemp(prefix="fastapi-app-bench-"))
    pg = Cluster()
    collector: subprocess.Popen[bytes] | None = None
    results: dict[str, list[dict[str, Result]]] = {"off": [], "on": []}
    try:
        pg.start()
        endpoint = args.otlp_endpoint
        if endpoint is None:
            collector, endpoint = start_collector(args.collector, folder)
        print(f"OTLP endpoint: {endpoint}; wrk, {args.connections} connections")
        for round_number in range(args.rounds):
            for mode in ("off", "on"):
                load = os.getloadavg()[0]
                print(f"round {round_number + 1}, telemetry {mode} (load average {load:.2f})")
                results[mode].append(
                    measure_mode(
                        database=f"bench_{mode}_{round_number}",
                        telemetry=mode == "on",
                        pg=pg,
                        endpoint=endpoint,
                        args=args,
                        folder=folder,
                    )
                )
        print_table(results, args.rounds)
    finally:
        if collector is not None:
            _stop(collector)
        pg.remove()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
