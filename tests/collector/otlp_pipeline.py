"""The collector running collector/config.otlp.yaml, with all three endpoints at one URL."""

from collections.abc import Mapping
from pathlib import Path

import httpx

from ecsotel.local.collector import BINARY, CollectorPorts
from ecsotel.local.moto import CREDENTIALS
from ecsotel.local.process import ServiceSpec
from ecsotel.paths import COLLECTOR_DIR

OTLP_CONFIG = COLLECTOR_DIR / "config.otlp.yaml"


def otlp_collector_spec(
    *, ports: CollectorPorts, endpoint: str, queue_dir: Path, env: Mapping[str, str]
) -> ServiceSpec:
    """The sidecar on the OTLP pipeline, sending to `endpoint`, queueing in `queue_dir`."""
    health_url = f"http://127.0.0.1:{ports.health}/"
    return ServiceSpec(
        name="collector",
        argv=[str(BINARY), "--config", str(OTLP_CONFIG)],
        ready=lambda: httpx.get(health_url, timeout=1).status_code == 200,
        env={
            **CREDENTIALS,
            **ports.env(),
            "OTELCOL_XRAY_ENDPOINT": endpoint,
            "OTELCOL_MONITORING_ENDPOINT": endpoint,
            "OTELCOL_LOGS_ENDPOINT": endpoint,
            "OTELCOL_QUEUE_DIR": str(queue_dir),
            "OTELCOL_BATCH_TIMEOUT": "100ms",
            **env,
        },
        ports=[ports.grpc, ports.http, ports.health],
        ready_timeout=30,
    )
