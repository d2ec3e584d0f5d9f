"""The local stack: the ECS design's components, started in the order of the task definitions.

PostgreSQL stands in for Aurora, moto for the AWS APIs, the locally built
collector for the ADOT sidecar; the backend and the frontend run exactly the
commands their containers run (ecsotel.local.apps). Each waits for the previous
one to be healthy, and they stop in reverse: the apps first, so they flush their
telemetry into a collector that is still there, then the collector, so it flushes
into moto, then moto, then PostgreSQL.
"""

import os
import shutil
import signal
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from devkit.ports import port_is_free
from devkit.postgres import Cluster

from ecsotel.local import collector
from ecsotel.local.apps import BACKEND_COMMAND, FRONTEND_SERVER, backend_spec, frontend_spec
from ecsotel.local.collector import Pipeline
from ecsotel.local.moto import LocalAws
from ecsotel.local.ports import Ports
from ecsotel.local.postgres import AppDatabase
from ecsotel.local.process import (
    LogTap,
    LogWriter,
    RunningService,
    ServiceError,
    ServiceSpec,
    port_taken_message,
    start,
)
from ecsotel.local.sampling import Sampling, collector_specs, head_sampler_env, keep_tag
from ecsotel.paths import CACHE_DIR

DB_SECRET_NAME = "ecs-opentelemetry/database"  # noqa: S105 - a name, not a secret
# The OTLP sidecar's sending queue: kept across a restart of the collector within
# one `up`, emptied when the next `up` starts (its moto is empty too).
QUEUE_DIR = CACHE_DIR / "stack" / "collector-queue"

Progress = Callable[[str], object]


@dataclass
class Stack:
    """The running components, in start order."""

    ports: Ports
    aws: LocalAws
    database: AppDatabase
    log: LogWriter
    pipeline: Pipeline = "xray-exporter"
    # Variables both apps get on top of their specs' (the SLO drill's metric interval).
    app_env: dict[str, str] = field(default_factory=dict)
    sampling: Sampling = "head"
    # FAULT_RATE: the share of fastapi-app's API requests that fail (0: none).
    fault_rate: float = 0.0
    # The share of traces the apps keep at the head; None: every trace (the default).
    head_share: float | None = None
    db_secret_arn: str = ""
    services: list[RunningService] = field(default_factory=list)

    @contextmanager
    def output(self, name: str) -> Iterator[list[str]]:
        """The lines component `name` prints during the block (the drills check them)."""
        if not isinstance(self.log, LogTap):
            raise TypeError("the stack's log records nothing: running_stack wraps it in a LogTap")
        with self.log.recording(name) as lines:
            yield lines

    @property
    def frontend_url(self) -> str:
        """The application, as a browser reaches it."""
        return self.ports.frontend_url

    @property
    def backend_url(self) -> str:
        """The backend's REST API (the browser never calls it)."""
        return f"http://localhost:{self.ports.backend}"

    def service(self, name: str) -> RunningService:
        """The running component called `name`."""
        return next(service for service in self.services if service.spec.name == name)

    def exited(self) -> RunningService | None:
        """The first component that has exited on its own, if any."""
        return next((service for service in self.services if not service.running()), None)

    @contextmanager
    def paused(self, name: str, *, kill: bool = False) -> Iterator[None]:
        """Stop one component (SIGTERM, or SIGKILL) for the block, then start it again."""
        index = self.services.index(self.service(name))
        service = self.services[index]
        if kill:
            os.killpg(service.pid, signal.SIGKILL)
        service.stop()
        try:
            yield
        finally:
            self.services[index] = start(service.spec, self.log)


def missing_builds() -> list[str]:
    """What must be built before the stack can start, as `make` targets."""
    missing = []
    if not BACKEND_COMMAND.exists():
        missing.append("setup-backend")
    if not collector.BINARY.exists():
        missing.append("collector")
    if not FRONTEND_SERVER.exists():
        missing.append("frontend-build")
    return missing


def app_specs(stack: Stack) -> tuple[ServiceSpec, ServiceSpec]:
    """The backend and the frontend wired to the stack's PostgreSQL, moto and collector."""
    ports = stack.ports
    # The credentials come from Secrets Manager (moto), as on ECS.
    database = {
        "DB_HOST": "127.0.0.1",
        "DB_PORT": str(ports.postgres),
        "DB_NAME": stack.database.database,
        "DB_SECRET_ARN": stack.db_secret_arn,
    }
    sampler = {} if stack.head_share is None else head_sampler_env(stack.head_share)
    # Set only when asked for: the app's own default is no fault.
    # verify's requests carry the keep mark, and the backend spares them (faults.py).
    faults = (
        {"FAULT_RATE": str(stack.fault_rate), "FAULT_SPARE_TAG": keep_tag()}
        if stack.fault_rate
        else {}
    )
    # With tail sampling each app has a sidecar of its own, as in its ECS task.
    frontend_otlp = ports.otlp_endpoint
    if stack.sampling == "tail":
        frontend_otlp = f"http://127.0.0.1:{ports.web_sidecar.http}"
    backend = backend_spec(
        port=ports.backend,
        database=database,
        otlp_endpoint=ports.otlp_endpoint,
        aws=stack.aws.client_env(),
        pipeline=stack.pipeline,
        extra_env={**sampler, **faults, **stack.app_env},
    )
    frontend = frontend_spec(
        port=ports.frontend,
        backend_url=f"http://127.0.0.1:{ports.backend}",
        otlp_endpoint=frontend_otlp,
        pipeline=stack.pipeline,
        extra_env={**sampler, **stack.app_env},
    )
    return backend, frontend


def check_ports_free(
    ports: Ports, pipeline: Pipeline = "xray-exporter", sampling: Sampling = "head"
) -> None:
    """Fail with a message naming the first port that something else listens on."""
    tail_only = {"web-sidecar", *ports.gateways}
    for name, numbers in ports.by_component().items():
        if name == "standin" and pipeline != "otlp":
            continue
        if name in tail_only and sampling != "tail":
            continue
        for port in numbers:
            if not port_is_free(port):
                raise ServiceError(port_taken_message(port, name))


@contextmanager
def running_stack(
    log: LogWriter,
    ports: Ports | None = None,
    progress: Progress = lambda _step: None,
    on_stopping: Callable[[], object] = lambda: None,
    pipeline: Pipeline = "xray-exporter",
    app_env: Mapping[str, str] | None = None,
    sampling: Sampling = "head",
    fault_rate: float = 0.0,
    head_share: float | None = None,
) -> Iterator[Stack]:
    """Start every component in order, yield the stack, and stop it all on the way out.

    `on_stopping` runs first on the way out, before anything stops (`up` uses it to
    keep a second signal from interrupting the stop). `fault_rate` and `head_share`:
    see Stack. `app_env` is applied last to both apps' environment (a drill's
    settings; `up` passes none).
    """
    ports = ports or Ports()
    # Before anything starts: a clash is the more useful message.
    check_ports_free(ports, pipeline, sampling)
    if missing := missing_builds():
        raise ServiceError(f"not built yet: run `make {' '.join(missing)}` (or `make up`)")
    log = LogTap(log)  # every component's lines, readable by the drills while they run
    stack = Stack(
        ports=ports,
        aws=LocalAws(port=ports.aws),
        database=AppDatabase(Cluster(port=ports.postgres)),
        log=log,
        pipeline=pipeline,
        app_env=dict(app_env or {}),
        sampling=sampling,
        fault_rate=fault_rate,
        head_share=head_share,
    )
    try:
        progress("starting PostgreSQL")
        stack.database.cluster.init()
        stack.services.append(start(stack.database.spec(), log))
        stack.database.create()
        progress("starting local AWS (moto)")
        stack.services.append(start(stack.aws.spec(), log))
        stack.db_secret_arn = stack.aws.create_db_secret(
            name=DB_SECRET_NAME,
            username=stack.database.username,
            password=stack.database.password,
        )
        progress(f"starting the collectors ({pipeline} pipeline, {sampling} sampling)")
        shutil.rmtree(QUEUE_DIR, ignore_errors=True)  # a previous run's, for a previous moto
        stack.services.extend(start(spec, log) for spec in sidecar_specs(stack))
        backend, frontend = app_specs(stack)
        progress("starting the backend (migrations first)")
        stack.services.append(start(backend, log))
        progress("starting the frontend")
        stack.services.append(start(frontend, log))
        yield stack
    finally:
        on_stopping()
        stop(stack, progress)


def sidecar_specs(stack: Stack) -> list[ServiceSpec]:
    """The collectors the stack's pipeline and sampling run, in start order."""
    return collector_specs(
        pipeline=stack.pipeline,
        sampling=stack.sampling,
        aws=stack.aws,
        ports=stack.ports,
        queue_dir=QUEUE_DIR,
    )


def stop(stack: Stack, progress: Progress = lambda _step: None) -> None:
    """Stop every started component, last started first, then delete the database files.

    Each gets its grace period, then SIGKILL; `progress` hears how each one ended.
    """
    while stack.services:
        service = stack.services.pop()
        progress(f"stopping {service.spec.name}")
        progress(f"{service.spec.name}: {service.stop()}")
    stack.database.cluster.remove()
