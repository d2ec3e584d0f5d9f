"""The collector's cost per 1,000 spans/s: CPU and RSS under telemetrygen's steady load.

The real collector binary with the bench pipeline (harness.otlp_sink: OTLP/HTTP receiver,
batch, debug exporter; nothing goes on to X-Ray, whose translation moto could not keep
up with here) receives `telemetrygen traces` at a fixed rate for a fixed time. Its
own counters say how many spans it accepted, refused and sent on: no drops means
refused 0 and sent == accepted.
"""

import re
import urllib.request
from functools import partial
from pathlib import Path

from devkit.polling import poll_until
from devkit.ports import free_port

from ecsotel.exercise.harness.otlp_sink import otlp_sink
from ecsotel.exercise.harness.telemetrygen import drive
from ecsotel.local.process import log_file, start


def counters(port: int) -> dict[str, float]:
    """The collector's span counters (summed over labels) from its Prometheus endpoint."""
    url = f"http://127.0.0.1:{port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    totals: dict[str, float] = {}
    for name in ("receiver_accepted_spans", "receiver_refused_spans", "exporter_sent_spans"):
        values = re.findall(rf"^otelcol_{name}(?:_total)?(?:\{{[^}}]*\}})? (\S+)$", text, re.M)
        totals[name] = sum(float(value) for value in values)
    return totals


def _all_sent(port: int) -> dict[str, float] | None:
    totals = counters(port)
    sent, accepted = totals["exporter_sent_spans"], totals["receiver_accepted_spans"]
    return totals if accepted and sent >= accepted else None


def collector_cost(
    *, telemetrygen: Path, spans_per_second: int, seconds: int, folder: Path
) -> dict[str, float]:
    """Drive the collector for `seconds`; return spans/s, CPU cores and RSS per 1,000 spans/s."""
    metrics_port = free_port()
    sink = otlp_sink(folder, metrics_port=metrics_port)
    with log_file(folder / "servers.log") as log:
        collector = start(sink.spec, log)
        try:
            poll_until(lambda: counters(metrics_port), "the collector's own metrics", timeout=30)
            usage = drive(
                telemetrygen,
                sink.endpoint.removeprefix("http://"),
                collector.pid,
                spans_per_second=spans_per_second,
                seconds=seconds,
                options=["--otlp-http"],
            )
            # The batch holds up to 1 s of spans: wait until all are sent on.
            final = poll_until(
                partial(_all_sent, metrics_port), "every accepted span to be sent on", timeout=30
            )
        finally:
            collector.stop()
    return {
        **usage.per_rate(final["receiver_accepted_spans"]),
        "rss_mib": usage.rss_mib,
        "refused": final["receiver_refused_spans"],
        "lost": final["receiver_accepted_spans"] - final["exporter_sent_spans"],
    }
