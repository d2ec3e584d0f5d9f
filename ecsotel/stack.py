"""The local stack: the ECS design's components, started in the order of the task definitions.

PostgreSQL stands in for Aurora, moto for the AWS APIs, the locally built
collector for the ADOT sidecar; the backend and the frontend run exactly the
commands their containers run. Each waits for the previous one to be healthy,
and they stop in reverse: the apps first, so they flush their telemetry into a
collector that is still there, then the collector, so it flushes into moto.
"""

import shutil
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

from ecsotel import collector
from ecsotel.collector import CollectorPorts
from ecsotel.localaws import LocalAws
from ecsotel.paths import BACKEND_DIR, FRONTEND_DIR
from ecsotel.postgres import Postgres
from ecsotel.process import (
    LogSink,
    RunningService,
    ServiceError,
    ServiceSpec,
    free_port,
    port_is_free,
    port_taken_message,
    start,
)

DB_SECRET_NAME = "ecs-opentelemetry/database"  # noqa: S105 - a name, not a secret


@dataclass(frozen=True)
class Ports:
    """Where each component listens on 127.0.0.1."""

    postgres: int = 5432
    aws: int = 4566
    backend: int = 8000
    frontend: int = 3000
    collector: CollectorPorts = field(default_factory=CollectorPorts)

    @classmethod
    def free(cls) -> "Ports":
        """Ports nothing listens on now: a second stack beside a `make up` (tests)."""
        return cls(
            postgres=free_port(),
            aws=free_port(),
            backend=free_port(),
            frontend=free_port(),
            collector=CollectorPorts(grpc=free_port(), http=free_port(), health=free_port()),
        )


@dataclass
class Stack:
    """The running components, in start order."""

    ports: Ports
    aws: LocalAws
    postgres: Postgres
    sink: LogSink
    db_secret_arn: str = ""
    services: list[RunningService] = field(default_factory=list)

    @property
    def frontend_url(self) -> str:
        """The application, as a browser reaches it."""
        return f"http://localhost:{self.ports.frontend}"

    @property
    def backend_url(self) -> str:
        """The backend's REST API (the browser never calls it)."""
        return f"http://localhost:{self.ports.backend}"

    @contextmanager
    def paused(self, name: str) -> Iterator[None]:
        """Stop one component for the duration of the block, then start it again."""
        index = next(i for i, service in enumerate(self.services) if service.spec.name == name)
        spec = self.services[index].spec
        self.services[index].stop()
        try:
            yield
        finally:
            self.services[index] = start(spec, self.sink)


def missing_builds() -> list[str]:
    """What must be built before the stack can start, as `make` targets."""
    missing = []
    if not (BACKEND_DIR / ".venv" / "bin" / "fastapi-app").exists():
        missing.append("setup-backend")
    if not collector.BINARY.exists():
        missing.append("collector")
    if not (FRONTEND_DIR / ".next" / "standalone" / "server.js").exists():
        missing.append("frontend-build")
    return missing


def telemetry_env(service_name: str, ports: Ports) -> dict[str, str]:
    """The standard OTEL_* settings an app gets, as from its ECS task definition."""
    return {
        "OTEL_SERVICE_NAME": service_name,
        # The collector's OTLP/HTTP receiver, as the sidecar's is at 127.0.0.1:4318 on ECS.
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{ports.collector.http}",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        # awsemf passes histograms on as received: cumulative ones would report
        # counts since start-up each interval, so the apps send deltas.
        "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "delta",
        # Percentiles in CloudWatch need exponential histograms (see infra/ecs.tf).
        "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION": (
            "base2_exponential_bucket_histogram"
        ),
        # Locally, metrics every 10 s instead of every minute, so `verify` sees them soon.
        "OTEL_METRIC_EXPORT_INTERVAL": "10000",
    }


def backend_spec(stack: Stack) -> ServiceSpec:
    """fastapi-app: migrations, then uvicorn; credentials from Secrets Manager as on ECS."""
    port = stack.ports.backend
    return ServiceSpec(
        name="backend",
        argv=[str(BACKEND_DIR / ".venv" / "bin" / "fastapi-app")],
        cwd=BACKEND_DIR,
        env={
            **stack.aws.client_env(),
            **telemetry_env("fastapi-app", stack.ports),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "DB_HOST": "127.0.0.1",
            "DB_PORT": str(stack.ports.postgres),
            "DB_NAME": stack.postgres.database,
            "DB_SECRET_ARN": stack.db_secret_arn,
        },
        ready=lambda: _answers(f"http://127.0.0.1:{port}/readyz"),
        ports=[port],
        ready_timeout=60,
    )


def frontend_spec(stack: Stack) -> ServiceSpec:
    """nextjs-app: the standalone production server, as in its container."""
    port = stack.ports.frontend
    node = shutil.which("node") or "node"
    return ServiceSpec(
        name="frontend",
        argv=[node, str(FRONTEND_DIR / ".next" / "standalone" / "server.js")],
        cwd=FRONTEND_DIR / ".next" / "standalone",
        env={
            **telemetry_env("nextjs-app", stack.ports),
            "HOSTNAME": "127.0.0.1",
            "PORT": str(port),
            "BACKEND_URL": f"http://127.0.0.1:{stack.ports.backend}",
            "NODE_ENV": "production",
        },
        ready=lambda: _answers(f"http://127.0.0.1:{port}/api/health"),
        ports=[port],
        ready_timeout=60,
    )


def _answers(url: str) -> bool:
    return httpx.get(url, timeout=2).status_code == 200


def check_ports_free(ports: Ports) -> None:
    """Fail with a message naming the first port that something else listens on."""
    wanted = {
        "postgres": [ports.postgres],
        "aws": [ports.aws],
        "collector": [ports.collector.grpc, ports.collector.http, ports.collector.health],
        "backend": [ports.backend],
        "frontend": [ports.frontend],
    }
    for name, numbers in wanted.items():
        for port in numbers:
            if not port_is_free(port):
                raise ServiceError(port_taken_message(port, name))


@contextmanager
def running_stack(
    sink: LogSink,
    ports: Ports | None = None,
    progress: Callable[[str], object] = lambda _step: None,
) -> Iterator[Stack]:
    """Start every component in order, yield the stack, and stop it all on the way out."""
    ports = ports or Ports()
    check_ports_free(ports)  # before anything starts: a clash is the more useful message
    if missing := missing_builds():
        raise ServiceError(f"not built yet: run `make {' '.join(missing)}` (or `make up`)")
    stack = Stack(
        ports=ports, aws=LocalAws(port=ports.aws), postgres=Postgres(port=ports.postgres), sink=sink
    )
    try:
        progress("starting PostgreSQL")
        stack.postgres.init()
        stack.services.append(start(stack.postgres.spec(), sink))
        stack.postgres.create_app_database()
        progress("starting local AWS (moto)")
        stack.services.append(start(stack.aws.spec(), sink))
        stack.db_secret_arn = stack.aws.create_db_secret(
            name=DB_SECRET_NAME,
            username=stack.postgres.username,
            password=stack.postgres.password,
        )
        progress("starting the collector")
        stack.services.append(
            start(collector.collector_spec(aws=stack.aws, ports=ports.collector), sink)
        )
        progress("starting the backend (migrations first)")
        stack.services.append(start(backend_spec(stack), sink))
        progress("starting the frontend")
        stack.services.append(start(frontend_spec(stack), sink))
        yield stack
    finally:
        stop(stack, progress)


def stop(stack: Stack, progress: Callable[[str], object] = lambda _step: None) -> None:
    """Stop every started component, last started first, then delete the database files."""
    if threading.current_thread() is threading.main_thread():
        # A second Ctrl-C while stopping must not leave half the stack running.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    while stack.services:
        service = stack.services.pop()
        progress(f"stopping {service.spec.name}")
        service.stop()
    stack.postgres.remove()
