"""The benchmarks' OTLP endpoint: the real collector binary with a pipeline of its own.

OTLP/HTTP receiver -> batch -> debug exporter: the receiving side is the real one,
but nothing is sent on to X-Ray, since moto turning thousands of segments a second
into documents would compete for the same cores as the server being measured.
"""

import signal
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from devkit.polling import poll_until
from devkit.ports import free_port

CONFIG = """
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
{metrics}
"""
NO_METRICS = "      level: none"
# The collector's own counters (accepted, refused, sent spans) for Prometheus on a port.
METRICS = """      level: basic
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: {port}"""


def answers(url: str) -> bool:
    """Whether GET `url` answers 200 within 2 s."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback URLs only
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def stop(process: "subprocess.Popen[bytes]") -> None:
    """SIGTERM first (apps flush their telemetry), then by force after 20 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_collector(
    binary: Path, folder: Path, metrics_port: int | None = None
) -> tuple["subprocess.Popen[bytes]", str]:
    """Start the collector with the bench pipeline; return it and its OTLP/HTTP endpoint.

    With `metrics_port`, its own metrics are served there in Prometheus' text format.
    """
    otlp, health = free_port(), free_port()
    config = folder / "collector.yaml"
    metrics = NO_METRICS if metrics_port is None else METRICS.format(port=metrics_port)
    config.write_text(CONFIG.format(otlp=otlp, health=health, metrics=metrics))
    with (folder / "collector.log").open("wb") as log:
        process = subprocess.Popen(
            [str(binary), "--config", str(config)], stdout=log, stderr=subprocess.STDOUT
        )
    poll_until(
        lambda: answers(f"http://127.0.0.1:{health}/"), "the collector's health check", timeout=30
    )
    return process, f"http://127.0.0.1:{otlp}"
