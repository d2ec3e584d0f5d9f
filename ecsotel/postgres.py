"""A throwaway PostgreSQL cluster from the machine's server binaries, for the local stack."""

import glob
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ecsotel.process import ServiceSpec

# initdb and postgres refuse to run as root; as root we run them as this user.
UNPRIVILEGED_USER = "postgres"


def server_bin_dir() -> Path:
    """The folder of initdb/postgres: $PG_BIN_DIR, the PATH, or Debian's newest install."""
    if configured := os.environ.get("PG_BIN_DIR"):
        return Path(configured)
    if on_path := shutil.which("initdb"):
        return Path(on_path).resolve().parent
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_major_version)
    if debian:
        return Path(debian[-1]).parent
    raise FileNotFoundError(
        "PostgreSQL server binaries not found: install them (Debian: apt-get install"
        " postgresql-15) or set PG_BIN_DIR to the folder that holds initdb"
    )


def _major_version(initdb: str) -> int:
    return int(Path(initdb).parent.parent.name)


@dataclass
class Postgres:
    """One cluster in a fresh temporary folder, with an application role and database.

    The application connects over TCP with a password, as it does to Aurora; the
    superuser is reached only through the Unix socket in the cluster's folder.
    """

    port: int = 5432
    database: str = "todo"
    username: str = "todo"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def __post_init__(self) -> None:
        self.bin = server_bin_dir()
        self.user = UNPRIVILEGED_USER if os.geteuid() == 0 else None
        self.root = Path(tempfile.mkdtemp(prefix="ecsotel-postgres-"))
        self.data = self.root / "data"
        if self.user:
            shutil.chown(self.root, user=self.user, group=self.user)

    def init(self) -> None:
        """Create the cluster's files (initdb: about a second)."""
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--no-sync",
            "--no-locale",
            "-E",
            "UTF8",
        )

    def spec(self) -> ServiceSpec:
        """The server in the foreground, so that its PID is the one we stop."""
        return ServiceSpec(
            name="postgres",
            argv=[
                str(self.bin / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-k",
                str(self.root),
                "-c",
                "listen_addresses=127.0.0.1",
                # A throwaway cluster: durability costs time and buys nothing here.
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ],
            ready=self.ready,
            ports=[self.port],
            ready_timeout=30,
            stop_timeout=10,
            stop_signal=signal.SIGINT,  # "fast" shutdown: SIGTERM would wait for clients
            user=self.user,
        )

    def ready(self) -> bool:
        """Whether the server accepts connections."""
        probe = [
            *(str(self.bin / "pg_isready"), "-q", "-U", "postgres"),
            *("-h", str(self.root), "-p", str(self.port)),
        ]
        return subprocess.run(probe, check=False).returncode == 0

    def create_app_database(self) -> None:
        """Create the application's role (with its password) and its database."""
        self.psql(f"CREATE ROLE {self.username} LOGIN PASSWORD '{self.password}'")
        self.psql(f"CREATE DATABASE {self.database} OWNER {self.username}")

    def psql(self, sql: str) -> str:
        """Run one statement as the superuser over the Unix socket; return its output."""
        return self._run(
            str(self.bin / "psql"),
            "-h",
            str(self.root),
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-qAtc",
            sql,
        )

    def remove(self) -> None:
        """Delete the cluster's folder (after the server stopped)."""
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, *argv: str) -> str:
        result = subprocess.run(
            list(argv), user=self.user, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"{Path(argv[0]).name} failed: {result.stderr.strip()}")
        return result.stdout
