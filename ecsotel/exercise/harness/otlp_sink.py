"""The one OTLP sink of the benches: the real collector binary with a pipeline of its own.

OTLP/HTTP receiver -> batch -> debug exporter: the receiving side is the real one,
but nothing is sent on to X-Ray, since moto turning thousands of segments a second
into documents would compete for the same cores as the server being measured.
"""

from dataclasses import dataclass
from pathlib import Path

from devkit.ports import free_port

from ecsotel.local.collector import binary_spec
from ecsotel.local.process import ServiceSpec

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


@dataclass(frozen=True)
class OtlpSink:
    """The sink as a service to start, and the OTLP/HTTP endpoint the apps export to."""

    spec: ServiceSpec
    endpoint: str


def otlp_sink(folder: Path, metrics_port: int | None = None) -> OtlpSink:
    """The sink on free ports, its config written into `folder`.

    With `metrics_port`, its own metrics are served there in Prometheus' text format.
    """
    otlp, health = free_port(), free_port()
    config = folder / "otlp-sink.yaml"
    metrics = NO_METRICS if metrics_port is None else METRICS.format(port=metrics_port)
    config.write_text(CONFIG.format(otlp=otlp, health=health, metrics=metrics))
    listening = [otlp, health, *([metrics_port] if metrics_port is not None else [])]
    spec = binary_spec("otlp-sink", [config], health=health, listening=listening)
    return OtlpSink(spec, f"http://127.0.0.1:{otlp}")
