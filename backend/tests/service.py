"""The service as a process: its environment, start, SIGTERM, and an OTLP receiver for its data."""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO

import httpx
from devkit.polling import poll_until
from devkit.ports import free_port
from devkit.postgres import Cluster
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

# The start command as the container runs it.
FASTAPI_APP = (str(Path(sys.executable).parent / "fastapi-app"),)


class OtlpReceiver(ThreadingHTTPServer):
    """A minimal OTLP/HTTP endpoint that keeps what it is sent, by path."""

    def __init__(self) -> None:
        self.received: dict[str, list[bytes]] = {}
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def endpoint(self) -> str:
        """What OTEL_EXPORTER_OTLP_ENDPOINT names."""
        return f"http://127.0.0.1:{self.server_address[1]}"


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


def exported_spans(bodies: list[bytes]) -> list[tuple[str, str]]:
    """(instrumentation scope, span name) of every span in OTLP trace export bodies."""
    found = []
    for body in bodies:
        request = ExportTraceServiceRequest.FromString(body)
        for resource in request.resource_spans:
            for scope in resource.scope_spans:
                found += [(scope.scope.name, span.name) for span in scope.spans]
    return found


def span_names(bodies: list[bytes]) -> list[str]:
    """Names of all spans in a list of OTLP trace export bodies."""
    return [name for _, name in exported_spans(bodies)]


def new_database(pg: Cluster, name: str) -> str:
    """Create a database of the test's own; its URL."""
    pg.psql(f"CREATE DATABASE {name}")
    return pg.url(name)


def service_env(database_url: str, **otel: str) -> dict[str, str]:
    """The start command's environment: the database, a free port, and OTEL_* variables."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": database_url,
        "PORT": str(free_port()),
        **otel,
    }


@contextmanager
def serving(
    env: dict[str, str], out: IO[bytes], command: Sequence[str] = FASTAPI_APP
) -> Iterator[tuple["subprocess.Popen[bytes]", str]]:
    """The service started with ``env`` and ready: its process and base URL; killed at the end."""
    process = subprocess.Popen(list(command), env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{env['PORT']}"
    try:
        poll_until(
            lambda: answers(f"{base}/readyz"), f"{' '.join(command)} to answer /readyz", timeout=60
        )
        yield process, base
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


def answers(url: str) -> bool:
    """Whether ``url`` answers 200 (False while nothing listens)."""
    try:
        return httpx.get(url).status_code == 200
    except httpx.TransportError:
        return False
