"""How `ecsotel bench` measures: its options, in one object every tier reads."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ecsotel.exercise.harness.machine import IdleLimits


@dataclass(frozen=True)
class BenchOptions:
    """How `ecsotel bench` measures: its command-line options."""

    # Both apps: runs (each verdict is their median), rounds of fresh servers per run;
    # wrk turns of `window` s, `windows` per server and request; the CPU each server
    # is pinned to, and wrk's.
    runs: int = 3
    rounds: int = 2
    window: int = 1
    windows: int = 3
    server_cpu: int | None = None
    load_cpu: int | None = None
    # fastapi-app: wrk's bounds, the modes (bench/backend.py's MODES; empty: every
    # mode), a running collector to export to instead of the sink, extra variables.
    requests: int = 20_000
    connections: int = 8
    modes: tuple[str, ...] = ()
    otlp_endpoint: str | None = None
    app_env: Mapping[str, str] = field(default_factory=dict)
    paced_seconds: int = 10
    # The collector (skipped without telemetrygen), action to trace, nextjs-app's memory.
    telemetrygen: Path | None = None
    spans_per_second: int = 3000
    collector_seconds: int = 60
    trace_samples: int = 20
    # The app container's memory on ECS (infra/ecs.tf: task 1024 MiB - collector 256).
    rss_budget_mib: float = 768
    # backend/bench/components.py's per-piece CPU (run in the backend's environment).
    components: bool = True
    # What counts as an idle machine, and how long to wait for the load to settle.
    idle: IdleLimits = field(default_factory=IdleLimits)
    idle_wait: float = 120.0
