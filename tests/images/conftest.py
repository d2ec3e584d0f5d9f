"""The images as Fargate runs them, beside a real PostgreSQL and moto (Secrets Manager).

Needs Docker and both images built for linux/amd64 as `<service>:$IMAGE_TAG`
(`make test-images`; .github/workflows/images.yml builds them with Buildx).
Every container's output goes to .cache/images/run.log.
"""

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from devkit.ports import free_port
from devkit.postgres import Cluster

from ecsotel.local.moto import REGION, LocalAws
from ecsotel.local.postgres import AppDatabase
from ecsotel.local.process import LogWriter, ServiceSpec, log_file, start
from ecsotel.local.sampling import keep_tag
from ecsotel.paths import CACHE_DIR
from tests.images.fargate import docker_run_argv, task_container

IMAGE_TAG = os.environ.get("IMAGE_TAG", "local")
# Fargate gives a container stopTimeout (30 s in infra/ecs.tf) after SIGTERM.
STOP_TIMEOUT = 30.0


@dataclass(frozen=True)
class Running:
    """A running app container: its name (for docker exec) and its base URL."""

    name: str
    url: str


def image(service: str) -> str:
    """The local tag of a service's image."""
    return f"{service}:{IMAGE_TAG}"


def docker(*argv: str) -> subprocess.CompletedProcess[str]:
    """Run a docker command, capturing its output."""
    return subprocess.run(["docker", *argv], capture_output=True, text=True, check=False)


def _answers(url: str) -> bool:
    return httpx.get(url, timeout=2).status_code == 200


@pytest.fixture(scope="session", autouse=True)
def images_exist() -> None:
    """Fail with what to do when Docker or an image is missing."""
    assert shutil.which("docker"), "docker is missing: the image tests need a Docker engine"
    engine = docker("info", "--format", "{{.ServerVersion}}")
    assert engine.returncode == 0, f"no Docker engine answers: {engine.stderr.strip()}"
    for service in ("fastapi-app", "nextjs-app"):
        found = docker("image", "inspect", image(service))
        assert found.returncode == 0, f"no image {image(service)}: build it with `docker build`"


@pytest.fixture(scope="session")
def service_log() -> Iterator[LogWriter]:
    """Where every process's output goes."""
    with log_file(CACHE_DIR / "images" / "run.log") as write:
        yield write


def _run_container(
    service: str, local: dict[str, str], ready_path: str, service_log: LogWriter
) -> Iterator[Running]:
    port = free_port()
    name = f"image-test-{service}-{port}"
    # Host networking binds the app on the host: keep it on loopback, on a free port.
    local = {**local, "PORT": str(port)}
    url = f"http://127.0.0.1:{port}"
    argv = docker_run_argv(task_container(service), image=image(service), name=name, local=local)
    spec = ServiceSpec(
        name=service,
        argv=argv,
        ready=lambda: _answers(url + ready_path),
        ready_timeout=120,
        stop_timeout=STOP_TIMEOUT + 5,
    )
    running = start(spec, service_log)
    try:
        yield Running(name=name, url=url)
    finally:
        running.stop()
        docker("rm", "--force", name)  # in case the client died before its container


@pytest.fixture(scope="session")
def backend(service_log: LogWriter) -> Iterator[Running]:
    """fastapi-app with the task definition's environment, its database and secret local."""
    aws = LocalAws(port=free_port())
    database = AppDatabase(Cluster())
    database.cluster.init()
    server = start(database.spec(), service_log)
    moto = None
    try:
        database.create()
        moto = start(aws.spec(), service_log)
        secret_arn = aws.create_db_secret(
            name="image-test/db", username=database.username, password=database.password
        )
        local = {
            **aws.client_env(),
            "AWS_REGION": REGION,
            "DB_HOST": "127.0.0.1",
            "DB_PORT": str(database.cluster.port),
            "DB_SECRET_ARN": secret_arn,
            # Terraform reads it from the gateway's policy (infra/gateway.tf).
            "FAULT_SPARE_TAG": keep_tag(),
            "HOST": "127.0.0.1",
            # No sidecar here: exports go to a port where nothing listens and are dropped.
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{free_port()}",
        }
        yield from _run_container("fastapi-app", local, "/readyz", service_log)
    finally:
        if moto:
            moto.stop()
        server.stop()
        database.cluster.remove()


@pytest.fixture(scope="session")
def frontend(backend: Running, service_log: LogWriter) -> Iterator[Running]:
    """nextjs-app with the task definition's environment, calling the backend container."""
    local = {
        "BACKEND_URL": backend.url,
        "HOSTNAME": "127.0.0.1",
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{free_port()}",
    }
    yield from _run_container("nextjs-app", local, "/api/health", service_log)
