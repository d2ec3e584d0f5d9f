"""The start command `fastapi-app` as the container runs it: migrate, serve, flush on SIGTERM."""

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO

import httpx
import pytest
from devkit.polling import poll_until
from devkit.ports import free_port
from devkit.postgres import Cluster
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.conftest import DATABASE
from tests.core.xray_api import RecordedXRay, serve


class OtlpReceiver(ThreadingHTTPServer):
    """A minimal OTLP/HTTP endpoint that keeps what it is sent, by path."""

    def __init__(self) -> None:
        self.received: dict[str, list[bytes]] = {}
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: OtlpReceiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.setdefault(self.path, []).append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def receiver() -> Iterator[OtlpReceiver]:
    """An OTLP/HTTP receiver on a free port, in a thread."""
    server = OtlpReceiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def span_names(bodies: list[bytes]) -> list[str]:
    """Names of all spans in a list of OTLP trace export bodies."""
    names = []
    for body in bodies:
        request = ExportTraceServiceRequest.FromString(body)
        for resource in request.resource_spans:
            for scope in resource.scope_spans:
                names += [span.name for span in scope.spans]
    return names


def service_env(database_url: str, port: int, **otel: str) -> dict[str, str]:
    """The start command's environment: the database, the port, and OTEL_* variables."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": database_url,
        "PORT": str(port),
        **otel,
    }


@contextmanager
def started(env: dict[str, str], out: IO[bytes]) -> Iterator["subprocess.Popen[bytes]"]:
    """The start command with ``env``, killed at the end if it is still running."""
    command = Path(sys.executable).parent / "fastapi-app"
    process = subprocess.Popen([str(command)], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def terminate(process: "subprocess.Popen[bytes]", *, timeout: float = 30) -> None:
    """SIGTERM, then the exit of a clean shutdown."""
    process.send_signal(signal.SIGTERM)
    poll_until(
        lambda: process.poll() is not None, "fastapi-app to exit after SIGTERM", timeout=timeout
    )
    # uvicorn shuts down cleanly, then re-raises the signal so the exit status tells it.
    assert process.returncode in (0, -signal.SIGTERM)


def test_start_command_migrates_serves_and_flushes_on_sigterm(
    pg: Cluster, receiver: OtlpReceiver, tmp_path: Path
) -> None:
    pg.psql("CREATE DATABASE start_command")
    port = free_port()
    env = service_env(
        pg.url("start_command"),
        port,
        OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{receiver.server_address[1]}",
        OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
        # Long intervals: only the flush at SIGTERM can deliver the data in time.
        OTEL_BSP_SCHEDULE_DELAY="60000",
        OTEL_METRIC_EXPORT_INTERVAL="60000",
    )
    with (tmp_path / "stdout").open("wb") as out, started(env, out) as process:
        base = f"http://127.0.0.1:{port}"
        poll_until(lambda: _ok(f"{base}/readyz"), "fastapi-app to answer /readyz", timeout=60)
        assert httpx.post(f"{base}/api/todos/", json={"title": "flushed"}).status_code == 201
        # The body limit as uvicorn delivers bodies: declared, then chunked without a length.
        declared = httpx.post(f"{base}/api/todos/", json={"title": "x" * 70_000})
        chunked = httpx.post(
            f"{base}/api/todos/",
            content=(b"x" * 4096 for _ in range(20)),
            headers={"content-type": "application/json"},
        )
        assert (declared.status_code, chunked.status_code) == (413, 413)
        assert chunked.json() == {"detail": "request body larger than 65536 bytes"}

        terminate(process)

    assert "POST /api/todos/" in span_names(receiver.received.get("/v1/traces", []))
    assert receiver.received.get("/v1/metrics")
    lines = (tmp_path / "stdout").read_text().splitlines()
    entries = [json.loads(line) for line in lines]  # every line is JSON
    messages = [entry["message"] for entry in entries]
    assert any(message.startswith("schema migrated") for message in messages)
    assert pg.superuser_password not in "\n".join(lines)


def _ok(url: str) -> bool:
    try:
        return httpx.get(url).status_code == 200
    except httpx.TransportError:
        return False


def test_container_runs_the_same_command_as_the_tests() -> None:
    backend = Path(__file__).resolve().parent.parent
    dockerfile = (backend / "Dockerfile").read_text()
    pyproject = (backend / "pyproject.toml").read_text()

    assert 'CMD ["fastapi-app"]' in dockerfile.splitlines()
    assert 'fastapi-app = "app.__main__:main"' in pyproject.splitlines()


def test_sigterm_ends_the_service_even_when_the_collector_is_down(
    pg: Cluster, tmp_path: Path
) -> None:
    port = free_port()
    # Nothing listens there: every export fails and the exporter wants to retry.
    env = service_env(
        pg.url(DATABASE), port, OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{free_port()}"
    )
    with (tmp_path / "stdout").open("wb") as out, started(env, out) as process:
        base = f"http://127.0.0.1:{port}"
        poll_until(lambda: _ok(f"{base}/readyz"), "fastapi-app to answer /readyz", timeout=60)
        assert httpx.get(f"{base}/api/todos/").status_code == 200

        # The flush gives up after 4 s; this only proves that nothing hangs.
        terminate(process, timeout=20)


def test_bad_sampler_arg_stops_start_up_naming_the_variable() -> None:
    env = service_env(
        "postgresql://127.0.0.1:1/none",
        free_port(),
        OTEL_TRACES_SAMPLER="xray",
        OTEL_TRACES_SAMPLER_ARG="endpoint=http://127.0.0.1:2000,polling_interval=soon",
    )
    command = Path(sys.executable).parent / "fastapi-app"

    done = subprocess.run([str(command)], env=env, capture_output=True, text=True, timeout=60)

    assert done.returncode == 2
    assert "OTEL_TRACES_SAMPLER_ARG: polling_interval must be seconds > 0" in done.stderr
    assert "Traceback" not in done.stderr


def test_xray_sampler_samples_by_the_rules_the_sidecar_serves(
    pg: Cluster, receiver: OtlpReceiver, tmp_path: Path
) -> None:
    pg.psql("CREATE DATABASE xray_sampling")
    # Writes: all; everything else: none, not even a reservoir.
    api = RecordedXRay()
    api.set_fixed_rate("todo-writes", 1.0)
    api.set_fixed_rate("Default", 0.0, reservoir=0)
    port = free_port()
    env = service_env(
        pg.url("xray_sampling"),
        port,
        OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{receiver.server_address[1]}",
        OTEL_TRACES_SAMPLER="xray",
        OTEL_TRACES_SAMPLER_ARG=f"endpoint={api.endpoint},polling_interval=300",
    )
    stdout = tmp_path / "stdout"
    with serve(api), stdout.open("wb") as out, started(env, out) as process:
        base = f"http://127.0.0.1:{port}"
        poll_until(lambda: _ok(f"{base}/readyz"), "fastapi-app to answer /readyz", timeout=60)
        in_force = "X-Ray sampling rules in force: todo-writes (1), Default (0)"
        poll_until(
            lambda: in_force in stdout.read_text(), "fastapi-app to log the rules it fetched"
        )
        for _ in range(5):
            assert httpx.get(f"{base}/api/todos/").status_code == 200
        assert httpx.post(f"{base}/api/todos/", json={"title": "sampled"}).status_code == 201

        # Also stops the sampler's polling thread within the flush deadline.
        terminate(process, timeout=20)
    names = span_names(receiver.received.get("/v1/traces", []))
    assert "POST /api/todos/" in names
    assert "GET /api/todos/" not in names
