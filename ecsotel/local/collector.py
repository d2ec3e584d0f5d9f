"""The local OpenTelemetry Collector: the ADOT sidecar's components and config, run as a process.

`make collector` builds the binary from collector/builder-config.yaml; the config
is collector/config.yaml (the "xray-exporter" pipeline) or config.otlp.yaml (the
"otlp" pipeline), the very files the ECS sidecars get through SSM. On the OTLP
pipeline a second collector from the same binary stands in for the CloudWatch
OTLP endpoints (config.standin.yaml over config.yaml) and writes into moto.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import httpx
import yaml
from devkit.ports import free_port

from ecsotel.local.moto import CREDENTIALS, LocalAws
from ecsotel.local.process import ServiceSpec
from ecsotel.paths import CACHE_DIR, COLLECTOR_DIR

BINARY = CACHE_DIR / "collector" / "otelcol-ecs"
CONFIG = COLLECTOR_DIR / "config.yaml"
OTLP_CONFIG = COLLECTOR_DIR / "config.otlp.yaml"
STANDIN_CONFIG = COLLECTOR_DIR / "config.standin.yaml"

# A listener nothing connects to gets port 0: the kernel picks a free one, so the
# base config's OTLP/HTTP receiver and sampling proxy of a gateway bind nothing fixed.
ANY_PORT = 0

Pipeline = Literal["xray-exporter", "otlp"]
PIPELINES: tuple[Pipeline, ...] = get_args(Pipeline)
# Where the apps' OTLP log records land locally (in moto): one group, as the one
# local collector serves both apps; on ECS each service has its own.
LOCAL_LOG_GROUP = "/aws/ecs/local/otlp"
LOCAL_LOG_STREAM = "otlp"


def emf_destination() -> tuple[str, str]:
    """The CloudWatch namespace and log group that the awsemf exporter writes to."""
    awsemf = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["exporters"]["awsemf"]
    return str(awsemf["namespace"]), str(awsemf["log_group_name"])


@dataclass(frozen=True)
class CollectorPorts:
    """Where the collector listens (all on 127.0.0.1).

    OTLP gRPC, OTLP HTTP, the health check, and the X-Ray sampling proxy (awsproxy;
    None for the stand-in, which runs none).
    """

    grpc: int = 4317
    http: int = 4318
    health: int = 13133
    sampling: int | None = 2000

    @classmethod
    def free(cls, *, sampling: bool = True) -> "CollectorPorts":
        """Ports nothing listens on now (tests, a collector beside `make up`)."""
        return cls(
            grpc=free_port(),
            http=free_port(),
            health=free_port(),
            sampling=free_port() if sampling else None,
        )

    def listening(self) -> list[int]:
        """Every fixed port the collector binds (not those left to the kernel)."""
        return [port for port in (self.grpc, self.http, self.health, self.sampling) if port]

    def env(self) -> dict[str, str]:
        """The variables collector/config.yaml reads its listen addresses from."""
        env = {
            "OTELCOL_OTLP_GRPC_ENDPOINT": f"127.0.0.1:{self.grpc}",
            "OTELCOL_OTLP_HTTP_ENDPOINT": f"127.0.0.1:{self.http}",
            "OTELCOL_HEALTH_ENDPOINT": f"127.0.0.1:{self.health}",
        }
        if self.sampling is not None:
            env["OTELCOL_AWSPROXY_ENDPOINT"] = f"127.0.0.1:{self.sampling}"
        return env


def collector_spec(
    *,
    aws: LocalAws,
    ports: CollectorPorts | None = None,
    batch_timeout: str | None = None,
    name: str = "collector",
    overlay: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> ServiceSpec:
    """The collector process exporting to `aws`; healthy once its health check answers 200.

    `overlay` is layered over config.yaml (tail sampling's), `env` applied last.
    """
    ports = ports or CollectorPorts()
    # The sampling proxy's AWS SDK (v1) ignores AWS_ENDPOINT_URL: it is told.
    merged = {**aws.client_env(), **ports.env(), "OTELCOL_AWSPROXY_AWS_ENDPOINT": aws.endpoint}
    if batch_timeout is not None:
        merged["OTELCOL_BATCH_TIMEOUT"] = batch_timeout
    return _spec(name, [CONFIG, *filter(None, [overlay])], ports, {**merged, **(env or {})})


def _spec(
    name: str, configs: list[Path], ports: CollectorPorts, env: Mapping[str, str]
) -> ServiceSpec:
    return binary_spec(name, configs, health=ports.health, listening=ports.listening(), env=env)


def binary_spec(
    name: str,
    configs: Sequence[Path],
    *,
    health: int,
    listening: Sequence[int],
    env: Mapping[str, str] | None = None,
) -> ServiceSpec:
    """The collector binary on `configs` (merged in order); healthy once `health` answers 200."""
    health_url = f"http://127.0.0.1:{health}/"

    def healthy() -> bool:
        # 200 only once every pipeline has started; 503 before that.
        return httpx.get(health_url, timeout=1).status_code == 200

    return ServiceSpec(
        name=name,
        argv=[str(BINARY), *(arg for config in configs for arg in ("--config", str(config)))],
        ready=healthy,
        env=env or {},
        ports=listening,
        ready_timeout=30,
    )


def otlp_sidecar_spec(
    *,
    ports: CollectorPorts,
    endpoint: str,
    queue_dir: Path,
    region: str,
    sampling_endpoint: str = "",
    env: Mapping[str, str] | None = None,
    name: str = "collector",
    overlay: Path | None = None,
) -> ServiceSpec:
    """The sidecar on the OTLP pipeline, with all three endpoints at `endpoint` (the stand-in).

    Its sampling proxy forwards to `sampling_endpoint` (the local X-Ray API, moto);
    `overlay` is layered over config.otlp.yaml (tail sampling's).
    """
    return _spec(
        name,
        [OTLP_CONFIG, *filter(None, [overlay])],
        ports,
        {
            **CREDENTIALS,
            **ports.env(),
            "AWS_REGION": region,
            "OTELCOL_XRAY_ENDPOINT": endpoint,
            "OTELCOL_MONITORING_ENDPOINT": endpoint,
            "OTELCOL_LOGS_ENDPOINT": endpoint,
            "OTELCOL_AWSPROXY_AWS_ENDPOINT": sampling_endpoint,
            "OTELCOL_LOG_GROUP": LOCAL_LOG_GROUP,
            "OTELCOL_LOG_STREAM": LOCAL_LOG_STREAM,
            "OTELCOL_QUEUE_DIR": str(queue_dir),
            **(env or {}),
        },
    )


def standin_spec(*, aws: LocalAws, ports: CollectorPorts) -> ServiceSpec:
    """The stand-in for the CloudWatch OTLP endpoints: OTLP in, moto out."""
    env = {
        **aws.client_env(),
        **ports.env(),
        "OTELCOL_LOG_GROUP": LOCAL_LOG_GROUP,
        "OTELCOL_LOG_STREAM": LOCAL_LOG_STREAM,
    }
    return _spec("standin", [CONFIG, STANDIN_CONFIG], ports, env)


def healthy(health: int) -> bool:
    """Whether a collector's health check on `health` answers 200 now."""
    try:
        return httpx.get(f"http://127.0.0.1:{health}/", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def running_pipeline(standin: CollectorPorts) -> Pipeline:
    """Which pipeline the local stack runs: "otlp" exactly when the stand-in answers."""
    return "otlp" if healthy(standin.health) else "xray-exporter"
