"""Where each local component listens: one home for the stack's ports.

`make up` uses the defaults, the ECS task's own ports where they exist; each may be
moved with an environment variable (a PostgreSQL of yours on 5432, or a second
stack beside the first). `up`, `verify` and `traces` read the same variables, so
they always agree on where the stack is.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

from devkit.ports import free_port

from ecsotel.local.collector import ANY_PORT, CollectorPorts


@dataclass(frozen=True)
class Ports:
    """TCP ports on 127.0.0.1, one per listener."""

    postgres: int = 5432
    aws: int = 4566
    backend: int = 8000
    frontend: int = 3000
    otlp_grpc: int = 4317
    otlp_http: int = 4318
    collector_health: int = 13133
    # The collector's X-Ray sampling proxy (awsproxy), as on ECS.
    sampling: int = 2000
    # The OTLP pipeline's stand-in for the CloudWatch OTLP endpoints (a second collector).
    standin_otlp_grpc: int = 4417
    standin_otlp_http: int = 4418
    standin_health: int = 13233
    # Tail sampling (`up --sampling tail`): nextjs-app gets a sidecar of its own, as on
    # ECS (fastapi-app's is the collector above), and both route traces to two gateways.
    web_sidecar_otlp_http: int = 4328
    web_sidecar_health: int = 13143
    gateway1_otlp_grpc: int = 4517
    gateway1_health: int = 13333
    gateway2_otlp_grpc: int = 4617
    gateway2_health: int = 13433

    @staticmethod
    def variable(name: str) -> str:
        """The environment variable that moves one port, e.g. STACK_FRONTEND_PORT."""
        return f"STACK_{name.upper()}_PORT"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Ports":
        """The defaults, overridden by STACK_<NAME>_PORT variables; a bad value is named."""
        env = os.environ if env is None else env
        chosen: dict[str, int] = {}
        for port in fields(cls):
            raw = env.get(cls.variable(port.name))
            if raw is None or raw == "":
                continue
            if not raw.isdigit() or not 0 < int(raw) < 65536:
                raise ValueError(f"{cls.variable(port.name)}={raw!r} is not a TCP port (1-65535)")
            chosen[port.name] = int(raw)
        return cls(**chosen)

    @classmethod
    def free(cls) -> "Ports":
        """Ports nothing listens on now: a second stack beside a `make up` (tests)."""
        return cls(**{port.name: free_port() for port in fields(cls)})

    def env(self) -> dict[str, str]:
        """These ports as the variables `from_env` reads (to hand to `ecsotel` subprocesses)."""
        return {self.variable(port.name): str(getattr(self, port.name)) for port in fields(self)}

    def by_component(self) -> dict[str, list[int]]:
        """The ports each component binds, to check before anything starts."""
        return {
            "postgres": [self.postgres],
            "aws": [self.aws],
            "collector": self.collector.listening(),
            "standin": self.standin.listening(),
            "web-sidecar": self.web_sidecar.listening(),
            **{name: gateway.listening() for name, gateway in self.gateways.items()},
            "backend": [self.backend],
            "frontend": [self.frontend],
        }

    @property
    def collector(self) -> CollectorPorts:
        """The collector's listeners."""
        return CollectorPorts(
            grpc=self.otlp_grpc,
            http=self.otlp_http,
            health=self.collector_health,
            sampling=self.sampling,
        )

    @property
    def standin(self) -> CollectorPorts:
        """The listeners of the OTLP endpoints' stand-in."""
        return CollectorPorts(
            grpc=self.standin_otlp_grpc,
            http=self.standin_otlp_http,
            health=self.standin_health,
            sampling=None,
        )

    @property
    def web_sidecar(self) -> CollectorPorts:
        """The listeners of nextjs-app's sidecar (tail sampling); OTLP/HTTP is the one used."""
        return CollectorPorts(
            grpc=ANY_PORT,
            http=self.web_sidecar_otlp_http,
            health=self.web_sidecar_health,
            sampling=ANY_PORT,
        )

    @property
    def gateways(self) -> dict[str, CollectorPorts]:
        """The gateway instances' listeners by name (tail sampling); OTLP/gRPC is the one used."""
        pairs = {
            "gateway-1": (self.gateway1_otlp_grpc, self.gateway1_health),
            "gateway-2": (self.gateway2_otlp_grpc, self.gateway2_health),
        }
        return {
            name: CollectorPorts(grpc=grpc, http=ANY_PORT, health=health, sampling=ANY_PORT)
            for name, (grpc, health) in pairs.items()
        }

    @property
    def frontend_url(self) -> str:
        """The application, as a browser reaches it."""
        return f"http://localhost:{self.frontend}"

    @property
    def otlp_endpoint(self) -> str:
        """The collector's OTLP/HTTP receiver, as the apps' SDKs are pointed at it."""
        return f"http://127.0.0.1:{self.otlp_http}"

    @property
    def aws_endpoint(self) -> str:
        """The local AWS endpoint (moto)."""
        return f"http://127.0.0.1:{self.aws}"
