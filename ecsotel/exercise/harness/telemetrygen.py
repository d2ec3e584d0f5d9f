"""The one telemetrygen runner: steady synthetic spans into a collector, for the benches."""

import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ecsotel.exercise.harness.procfs import cpu_seconds, rss_mib

# Workers share the rate, so that one goroutine's pace is no limit.
WORKERS = 4


@dataclass(frozen=True)
class Usage:
    """What the receiving process spent while telemetrygen ran."""

    seconds: float
    cores: float  # CPU seconds per second
    rss_mib: float  # at the end

    def per_rate(self, accepted: float) -> dict[str, float]:
        """The rate achieved (`accepted` spans over the run), and the cores per 1,000 spans/s."""
        rate = accepted / self.seconds
        return {
            "spans_per_second": rate,
            "seconds": self.seconds,
            "cores_per_1000": self.cores / rate * 1000,
        }


def send_traces(
    telemetrygen: Path,
    endpoint: str,
    *,
    spans_per_second: float,
    seconds: int,
    options: Sequence[str] = (),
) -> None:
    """Send `spans_per_second` for `seconds` to `endpoint` (host:port; OTLP/gRPC unless
    `options` says --otlp-http), plainly, and wait until telemetrygen is done."""
    subprocess.run(
        [
            str(telemetrygen),
            "traces",
            "--otlp-endpoint",
            endpoint,
            "--otlp-insecure",
            "--workers",
            str(WORKERS),
            # Spans a second per worker.
            "--rate",
            str(spans_per_second / WORKERS),
            "--duration",
            f"{seconds}s",
            *options,
        ],
        check=True,
        capture_output=True,
        timeout=seconds + 60,
    )


def drive(
    telemetrygen: Path,
    endpoint: str,
    pid: int,
    *,
    spans_per_second: float,
    seconds: int,
    options: Sequence[str] = (),
) -> Usage:
    """send_traces, and what the process `pid` (the collector under load) spent meanwhile."""
    before, started = cpu_seconds(pid), time.monotonic()
    send_traces(
        telemetrygen, endpoint, spans_per_second=spans_per_second, seconds=seconds, options=options
    )
    elapsed = time.monotonic() - started
    return Usage(elapsed, (cpu_seconds(pid) - before) / elapsed, rss_mib(pid))
