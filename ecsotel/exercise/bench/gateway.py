"""The tail-sampling gateway's cost per 1,000 spans/s, and what sampling changes for the apps.

The real collector binary with the gateway's own configs (config.yaml, then
config.gateway.yaml: tail_sampling with its default policies) takes `telemetrygen
traces` over OTLP/gRPC, as the sidecars' loadbalancing exporter sends them, at a
fixed rate for longer than decision_wait, so that its buffer is full by the end.
A third config sends what it keeps to a debug exporter instead of X-Ray (as the
collector case does: moto's translation would compete for the cores measured) and
serves its own counters. Its RSS above idle at the end is what decision_wait of
spans costs; CPU per span includes the decision and the export of the kept share.

Its figures go into docs/performance.md's "Sampling: what it costs"
(ecsotel/exercise/sampling_report.py).
"""

import json
import tempfile
from functools import partial
from pathlib import Path

from devkit.polling import poll_until
from devkit.ports import free_port

from ecsotel.exercise.bench.collector import counters
from ecsotel.exercise.harness.procfs import rss_mib
from ecsotel.exercise.harness.telemetrygen import drive
from ecsotel.local.collector import ANY_PORT, CONFIG, CollectorPorts, binary_spec
from ecsotel.local.moto import CREDENTIALS, REGION
from ecsotel.local.process import log_file, start
from ecsotel.local.sampling import GATEWAY_CONFIG, SAMPLINGS, decision_wait_seconds

BENCH_OVERLAY = """
service:
  pipelines:
    traces:
      exporters: [debug]
  telemetry:
    logs:
      level: warn
    metrics:
      level: basic
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: {port}
"""
# Spans per generated trace: a root and five children, about a request of this app.
CHILD_SPANS = 5


def _kept_all_it_will(port: int, previous: list[float]) -> dict[str, float] | None:
    """The counters once the spans sent on stopped growing (every trace decided)."""
    totals = counters(port)
    done = bool(previous) and totals["exporter_sent_spans"] == previous[-1]
    previous.append(totals["exporter_sent_spans"])
    return totals if done else None


def gateway_cost(
    *, telemetrygen: Path, spans_per_second: int, seconds: int, folder: Path
) -> dict[str, float]:
    """Drive the gateway for `seconds`; CPU, RSS held and the share kept, per 1,000 spans/s."""
    metrics_port, listening = free_port(), CollectorPorts.free(sampling=False)
    overlay = folder / "gateway-bench.yaml"
    overlay.write_text(BENCH_OVERLAY.format(port=metrics_port))
    env = {
        **CREDENTIALS,
        "AWS_REGION": REGION,
        "OTELCOL_OTLP_GRPC_ENDPOINT": f"127.0.0.1:{listening.grpc}",
        "OTELCOL_OTLP_HTTP_ENDPOINT": f"127.0.0.1:{ANY_PORT}",
        "OTELCOL_HEALTH_ENDPOINT": f"127.0.0.1:{listening.health}",
        "OTELCOL_AWSPROXY_ENDPOINT": f"127.0.0.1:{ANY_PORT}",
    }
    spec = binary_spec(
        "gateway",
        [CONFIG, GATEWAY_CONFIG, overlay],
        health=listening.health,
        listening=[listening.grpc, listening.health, metrics_port],
        env=env,
    )
    with log_file(folder / "servers.log") as log:
        gateway = start(spec, log)
        try:
            poll_until(lambda: counters(metrics_port), "the gateway's own metrics", timeout=30)
            idle_mib = rss_mib(gateway.pid)
            usage = drive(
                telemetrygen,
                f"127.0.0.1:{listening.grpc}",
                gateway.pid,
                spans_per_second=spans_per_second,
                seconds=seconds,
                options=["--child-spans", str(CHILD_SPANS)],
            )
            final = poll_until(
                partial(_kept_all_it_will, metrics_port, []),
                "every trace decided (spans sent on stop growing)",
                timeout=decision_wait_seconds() * 3 + 30,
                interval=decision_wait_seconds() / 2,
            )
        finally:
            gateway.stop()
    figures = usage.per_rate(final["receiver_accepted_spans"])
    return {
        **figures,
        "decision_wait_s": decision_wait_seconds(),
        "held_mib_per_1000": (usage.rss_mib - idle_mib) / figures["spans_per_second"] * 1000,
        "idle_mib": idle_mib,
        "kept_percent": 100 * final["exporter_sent_spans"] / final["receiver_accepted_spans"],
        "refused": final["receiver_refused_spans"],
    }


def sampling_cost(*, telemetrygen: Path, backend_json: Path | None) -> Path:
    """`ecsotel sampling-cost`: the gateway case (3,000 spans/s for 60 s, as `make bench`'s
    collector) and 20 creates' delay in each mode, into the report.

    The apps' throughput rows come from `backend_json`, the summary that `ecsotel bench
    --backend-only --modes off,on,10% --backend-json PATH` writes (left out without it).
    """
    from ecsotel.exercise.bench.latency import action_to_trace
    from ecsotel.exercise.report import PERFORMANCE as REPORT
    from ecsotel.exercise.sampling_report import COSTS, cost_section, write

    folder = Path(tempfile.mkdtemp(prefix="ecsotel-sampling-cost-"))
    cost = gateway_cost(telemetrygen=telemetrygen, spans_per_second=3000, seconds=60, folder=folder)
    latencies: dict[str, dict[str, float]] = {
        mode: action_to_trace(20, folder, sampling=mode) for mode in SAMPLINGS
    }
    backend = json.loads(backend_json.read_text()) if backend_json is not None else None
    write(COSTS, cost_section(cost, latencies, backend))
    return REPORT
