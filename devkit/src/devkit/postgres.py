"""A throwaway PostgreSQL cluster from the machine's server binaries.

One implementation for the local stack (which supervises the server itself), the
backend's tests and the benchmarks (which let the cluster run its own server).
"""

import glob
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from devkit.lifetime import die_with_parent
from devkit.polling import poll_until
from devkit.ports import free_port

# initdb and postgres refuse to run as root; as root we run them as this user.
UNPRIVILEGED_USER = "postgres"
SUPERUSER = "postgres"


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


class Cluster:
    """One cluster in a fresh temporary folder, listening on 127.0.0.1 only.

    Over TCP every role logs in with a password (scram), as the app does to Aurora,
    so a changed password really is checked; over the Unix socket in the cluster's
    folder the superuser is trusted, for administration.
    """

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.bin = server_bin_dir()
        self.superuser_password = secrets.token_hex(12)
        self.os_user = UNPRIVILEGED_USER if os.geteuid() == 0 else None
        self.root = Path(tempfile.mkdtemp(prefix="ecsotel-postgres-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._process: subprocess.Popen[bytes] | None = None
        if self.os_user:
            shutil.chown(self.root, user=self.os_user, group=self.os_user)

    def process_options(self) -> dict[str, Any]:
        """Popen arguments: run a server binary as the right user, from a folder it may enter."""
        if not self.os_user:
            return {"cwd": self.root}
        # Popen drops privileges itself; cwd: the postgres user may not enter the checkout.
        return {"user": self.os_user, "group": self.os_user, "extra_groups": [], "cwd": self.root}

    def init(self) -> None:
        """Create the cluster's files (initdb: about a second)."""
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.superuser_password)
        if self.os_user:
            shutil.chown(pwfile, user=self.os_user, group=self.os_user)
        try:
            self._run(
                *(str(self.bin / "initdb"), "-D", str(self.data), "-U", SUPERUSER),
                *(f"--pwfile={pwfile}", "--auth-local=trust", "--auth-host=scram-sha-256"),
                *("--no-sync", "--no-locale", "-E", "UTF8"),
            )
        finally:
            pwfile.unlink()

    def server_argv(self) -> list[str]:
        """The server in the foreground, so that its PID is the one to stop."""
        return [
            *(str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port)),
            *("-k", str(self.root), "-c", "listen_addresses=127.0.0.1"),
            # A throwaway cluster: durability costs time and buys nothing here.
            *("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"),
        ]

    def ready(self) -> bool:
        """Whether the server accepts connections."""
        probe = [str(self.bin / "pg_isready"), "-q", "-U", SUPERUSER, *self._socket()]
        return subprocess.run(probe, check=False, **self.process_options()).returncode == 0

    def start(self, timeout: float = 30.0) -> None:
        """Run the server as our own child (tests, benchmarks) and wait until it accepts.

        Creates the cluster's files first if `init` has not.
        """
        if not self.data.exists():
            self.init()
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(
                self.server_argv(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
                **self.process_options(),
            )

        def accepting() -> bool:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(f"PostgreSQL exited at start:\n{self.log.read_text()}")
            return self.ready()

        poll_until(
            accepting, f"PostgreSQL to accept connections on port {self.port}", timeout=timeout
        )

    def stop(self) -> None:
        """Stop a server that `start` started ("fast" shutdown: SIGINT), by its PID."""
        if self._process is None:
            return
        self._process.send_signal(signal.SIGINT)
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def remove(self) -> None:
        """Stop the server if we run it, and delete the cluster's folder."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres", user: str = SUPERUSER, password: str = "") -> str:
        """A SQLAlchemy/psycopg2 URL over TCP (the superuser's password by default)."""
        secret = quote(password or self.superuser_password, safe="")
        return f"postgresql+psycopg2://{user}:{secret}@127.0.0.1:{self.port}/{database}"

    def psql(self, *statements: str, database: str = "postgres") -> str:
        """Run statements as the superuser over the socket, each on its own; return the output."""
        return self._run(
            *(str(self.bin / "psql"), *self._socket(), "-U", SUPERUSER, "-d", database),
            *("-v", "ON_ERROR_STOP=1", "-qAt"),
            *(arg for statement in statements for arg in ("-c", statement)),
        )

    def _socket(self) -> list[str]:
        return ["-h", str(self.root), "-p", str(self.port)]

    def _run(self, *argv: str) -> str:
        result = subprocess.run(
            list(argv), capture_output=True, text=True, check=False, **self.process_options()
        )
        if result.returncode != 0:
            raise RuntimeError(f"{Path(argv[0]).name} failed: {result.stderr.strip()}")
        return str(result.stdout)
