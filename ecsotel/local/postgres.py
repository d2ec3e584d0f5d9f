"""PostgreSQL for the local stack: the throwaway cluster, supervised like every component."""

import secrets
import signal
from dataclasses import dataclass, field

from devkit.postgres import Cluster

from ecsotel.local.process import ServiceSpec


@dataclass
class AppDatabase:
    """The application's role and database in a cluster, reached over TCP with a password.

    The app connects as it does to Aurora; the superuser only over the cluster's socket.
    """

    cluster: Cluster
    database: str = "todo"
    username: str = "todo"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def spec(self) -> ServiceSpec:
        """The server in the foreground, so that its PID is the one we stop."""
        options = self.cluster.process_options()
        return ServiceSpec(
            name="postgres",
            argv=self.cluster.server_argv(),
            ready=self.cluster.ready,
            cwd=options["cwd"],
            ports=[self.cluster.port],
            ready_timeout=30,
            stop_timeout=10,
            stop_signal=signal.SIGINT,  # "fast" shutdown: SIGTERM would wait for clients
            user=self.cluster.os_user,
        )

    def create(self) -> None:
        """Create the application's role (with its password) and its database."""
        self.cluster.psql(f"CREATE ROLE {self.username} LOGIN PASSWORD '{self.password}'")
        self.cluster.psql(f"CREATE DATABASE {self.database} OWNER {self.username}")
