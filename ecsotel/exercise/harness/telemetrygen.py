"""The one telemetrygen runner: steady synthetic spans into a collector, for the benches."""

import subprocess
from collections.abc import Sequence
from pathlib import Path

# Workers share the rate, so that one goroutine's pace is no limit.
WORKERS = 4


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
