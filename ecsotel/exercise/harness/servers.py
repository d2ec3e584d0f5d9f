"""The servers of a bench or a soak, started as the local stack starts its own.

The apps' specs are the stack's (ecsotel.local.apps), so the environment an app
gets is written there once; a bench adds only a database of its own on a throwaway
PostgreSQL (DATABASE_URL), the OTLP sink as its endpoint, its mode's variables,
a CPU to pin to and, for a variant, another launcher. The stack's supervisor
(ecsotel.local.process.start) starts and stops every one of them, and what they
print goes to one log file in the bench's folder.
"""

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from devkit.ports import free_port
from devkit.postgres import Cluster

from ecsotel.exercise.harness.otlp_sink import otlp_sink
from ecsotel.local.apps import backend_spec, frontend_spec
from ecsotel.local.collector import BINARY
from ecsotel.local.process import LogWriter, RunningService, ServiceSpec, log_file, start


def backend_bench_spec(
    *,
    port: int,
    database_url: str,
    otlp_endpoint: str,
    env: Mapping[str, str] | None = None,
    cpu: int | None = None,
    argv: Sequence[str] | None = None,
    name: str = "backend",
) -> ServiceSpec:
    """fastapi-app as the stack defines it, on `database_url`, plus a bench's variables."""
    spec = backend_spec(
        port=port,
        database={"DATABASE_URL": database_url},
        otlp_endpoint=otlp_endpoint,
        extra_env=env,
        cpu=cpu,
        argv=argv,
    )
    return dataclasses.replace(spec, name=name)


def frontend_bench_spec(
    *,
    port: int,
    backend_url: str,
    otlp_endpoint: str,
    env: Mapping[str, str] | None = None,
    cpu: int | None = None,
    name: str = "frontend",
) -> ServiceSpec:
    """nextjs-app as the stack defines it, in front of `backend_url`, plus a bench's variables."""
    spec = frontend_spec(
        port=port, backend_url=backend_url, otlp_endpoint=otlp_endpoint, extra_env=env, cpu=cpu
    )
    return dataclasses.replace(spec, name=name)


@dataclass(frozen=True)
class Server:
    """A started app and its base URL."""

    service: RunningService
    url: str

    @property
    def pid(self) -> int:
        """The server's PID (its CPU time and memory are read by it)."""
        return self.service.pid


@dataclass
class BenchServers:
    """A bench's throwaway PostgreSQL, its OTLP endpoint, and the apps started on them."""

    cluster: Cluster
    otlp_endpoint: str
    log: LogWriter
    running: list[Server] = field(default_factory=list)

    def start_backend(
        self,
        database: str,
        *,
        seed_todos: int,
        env: Mapping[str, str] | None = None,
        cpu: int | None = None,
        argv: Sequence[str] | None = None,
        name: str = "backend",
    ) -> Server:
        """fastapi-app on a fresh database `database` holding `seed_todos` todos."""
        self.cluster.psql(f"CREATE DATABASE {database}")
        port = free_port()
        spec = backend_bench_spec(
            port=port,
            database_url=self.cluster.url(database),
            otlp_endpoint=self.otlp_endpoint,
            env=env,
            cpu=cpu,
            argv=argv,
            name=name,
        )
        server = self._start(spec, f"http://127.0.0.1:{port}")
        with httpx.Client(base_url=server.url) as client:
            for number in range(seed_todos):
                client.post("/api/todos/", json={"title": f"seed {number}"}).raise_for_status()
        return server

    def start_frontend(
        self,
        backend_url: str,
        *,
        env: Mapping[str, str] | None = None,
        cpu: int | None = None,
        name: str = "frontend",
    ) -> Server:
        """The standalone Next.js server, healthy and past its first render."""
        port = free_port()
        spec = frontend_bench_spec(
            port=port,
            backend_url=backend_url,
            otlp_endpoint=self.otlp_endpoint,
            env=env,
            cpu=cpu,
            name=name,
        )
        server = self._start(spec, f"http://127.0.0.1:{port}")
        # The first render compiles and caches: not part of any measurement.
        httpx.get(f"{server.url}/", timeout=60).raise_for_status()
        return server

    def _start(self, spec: ServiceSpec, url: str) -> Server:
        server = Server(start(spec, self.log), url)
        self.running.append(server)
        return server

    def stop(self, *servers: Server) -> None:
        """Stop these servers (SIGTERM: the apps flush their telemetry), last started first."""
        for server in reversed(servers):
            self.running.remove(server)
            server.service.stop()


@contextmanager
def bench_servers(folder: Path, otlp_endpoint: str | None = None) -> Iterator[BenchServers]:
    """A throwaway PostgreSQL and the OTLP sink (or `otlp_endpoint`, a collector that runs).

    Everything started here or through the yielded object stops on the way out, the
    apps first; every line the servers print goes to `folder`/servers.log.
    """
    if otlp_endpoint is None and not BINARY.is_file():
        raise SystemExit(f"no collector at {BINARY}: run `make collector` first")
    cluster = Cluster()
    with ExitStack() as cleanup:
        log = cleanup.enter_context(log_file(folder / "servers.log"))
        cleanup.callback(cluster.remove)
        cluster.start()
        if otlp_endpoint is None:
            sink = otlp_sink(folder)
            cleanup.callback(start(sink.spec, log).stop)
            otlp_endpoint = sink.endpoint
        servers = BenchServers(cluster, otlp_endpoint, log)
        cleanup.callback(lambda: servers.stop(*servers.running))
        yield servers
