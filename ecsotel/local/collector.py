"""The local OpenTelemetry Collector: the ADOT sidecar's components and config, run as a process.

`make collector` builds the binary from collector/builder-config.yaml; the config
is collector/config.yaml, the very file the ECS sidecars get through SSM.
"""

from dataclasses import dataclass

import httpx
import yaml

from ecsotel.local.moto import LocalAws
from ecsotel.local.process import ServiceSpec
from ecsotel.paths import CACHE_DIR, COLLECTOR_DIR

BINARY = CACHE_DIR / "collector" / "otelcol-ecs"
CONFIG = COLLECTOR_DIR / "config.yaml"


def emf_destination() -> tuple[str, str]:
    """The CloudWatch namespace and log group that the awsemf exporter writes to."""
    awsemf = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["exporters"]["awsemf"]
    return str(awsemf["namespace"]), str(awsemf["log_group_name"])


@dataclass(frozen=True)
class CollectorPorts:
    """Where the collector listens (all on 127.0.0.1): OTLP gRPC, OTLP HTTP, health check."""

    grpc: int = 4317
    http: int = 4318
    health: int = 13133

    def env(self) -> dict[str, str]:
        """The variables collector/config.yaml reads its listen addresses from."""
        return {
            "OTELCOL_OTLP_GRPC_ENDPOINT": f"127.0.0.1:{self.grpc}",
            "OTELCOL_OTLP_HTTP_ENDPOINT": f"127.0.0.1:{self.http}",
            "OTELCOL_HEALTH_ENDPOINT": f"127.0.0.1:{self.health}",
        }


def collector_spec(
    *,
    aws: LocalAws,
    ports: CollectorPorts | None = None,
    batch_timeout: str | None = None,
) -> ServiceSpec:
    """The collector process exporting to `aws`; healthy once its health check answers 200."""
    ports = ports or CollectorPorts()
    env = {**aws.client_env(), **ports.env()}
    if batch_timeout is not None:
        env["OTELCOL_BATCH_TIMEOUT"] = batch_timeout
    health_url = f"http://127.0.0.1:{ports.health}/"

    def healthy() -> bool:
        # 200 only once every pipeline has started; 503 before that.
        return httpx.get(health_url, timeout=1).status_code == 200

    return ServiceSpec(
        name="collector",
        argv=[str(BINARY), "--config", str(CONFIG)],
        ready=healthy,
        env=env,
        ports=[ports.grpc, ports.http, ports.health],
        ready_timeout=30,
    )
