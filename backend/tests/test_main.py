"""The start command `fastapi-app` as the container runs it: migrate, serve, flush on SIGTERM."""

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from devkit.polling import poll_until
from devkit.ports import free_port
from devkit.postgres import Cluster
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.conftest import DATABASE


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


def test_start_command_migrates_serves_and_flushes_on_sigterm(
    pg: Cluster, receiver: OtlpReceiver, tmp_path: Path
) -> None:
    pg.psql("CREATE DATABASE start_command")
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": pg.url("start_command"),
        "PORT": str(port),
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.server_address[1]}",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        # Long intervals: only the flush at SIGTERM can deliver the data in time.
        "OTEL_BSP_SCHEDULE_DELAY": "60000",
        "OTEL_METRIC_EXPORT_INTERVAL": "60000",
    }
    command = Path(sys.executable).parent / "fastapi-app"
    out = (tmp_path / "stdout").open("wb")
    process = subprocess.Popen([str(command)], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
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

        process.send_signal(signal.SIGTERM)
        poll_until(lambda: process.poll() is not None, "fastapi-app to exit after SIGTERM")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        out.close()

    # uvicorn shuts down cleanly, then re-raises the signal so the exit status tells it.
    assert process.returncode in (0, -signal.SIGTERM)
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
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": pg.url(DATABASE),
        "PORT": str(port),
        # Nothing listens there: every export fails and the exporter wants to retry.
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{free_port()}",
    }
    command = Path(sys.executable).parent / "fastapi-app"
    with (tmp_path / "stdout").open("wb") as out:
        process = subprocess.Popen([str(command)], env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            poll_until(lambda: _ok(f"{base}/readyz"), "fastapi-app to answer /readyz", timeout=60)
            assert httpx.get(f"{base}/api/todos/").status_code == 200

            process.send_signal(signal.SIGTERM)
            # The flush gives up after 4 s; this only proves that nothing hangs.
            poll_until(lambda: process.poll() is not None, "fastapi-app to exit", timeout=20)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

    assert process.returncode in (0, -signal.SIGTERM)
