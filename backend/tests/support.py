"""Test helpers: a throwaway PostgreSQL cluster and polling with a named condition."""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import URL

T = TypeVar("T")

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def poll_until(check: Callable[[], T | None], what: str, timeout: float = 15.0) -> T:
    """Call ``check`` until it returns something truthy; fail naming ``what`` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PgCluster:
    """A PostgreSQL 15 cluster in a temporary folder, on a free port of 127.0.0.1.

    ``initdb`` refuses to run as root, so as root every server process runs as the
    ``postgres`` user, which gets the folder. TCP logins need a password (so a
    rotated password really is checked); the socket trusts local administration.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.password = secrets.token_hex(12)
        self.root = Path(tempfile.mkdtemp(prefix="fastapi-app-pg-"))
        self.data = self.root / "data"
        self._process: subprocess.Popen[bytes] | None = None
        as_postgres = os.geteuid() == 0
        self._user: dict[str, Any] = (
            # cwd: the postgres user may not be allowed into the checkout's folder.
            {"user": "postgres", "group": "postgres", "extra_groups": [], "cwd": self.root}
            if as_postgres
            else {}
        )
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password)
        if as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(pwfile, "postgres", "postgres")
        subprocess.run(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                f"--pwfile={pwfile}",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
            check=True,
            capture_output=True,
            **self._user,
        )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._process = subprocess.Popen(
            [
                str(PG_BIN / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-k",
                str(self.root),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
            ],
            stdout=subprocess.DEVNULL,
            stderr=(self.root / "server.log").open("ab"),
            **self._user,
        )
        poll_until(self._accepts, f"PostgreSQL to accept connections on port {self.port}")

    def _accepts(self) -> bool:
        assert self._process is not None
        if self._process.poll() is not None:
            log = (self.root / "server.log").read_text()
            raise AssertionError(f"PostgreSQL exited at start:\n{log}")
        ready = subprocess.run(
            [str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
            capture_output=True,
            check=False,
        )
        return ready.returncode == 0

    def stop(self) -> None:
        """Stop the server by its PID (fast shutdown) and wait for it to exit."""
        if self._process is None:
            return
        self._process.send_signal(signal.SIGINT)
        self._process.wait(timeout=30)
        self._process = None

    def destroy(self) -> None:
        """Stop the server and remove its folder."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres", user: str = "postgres", password: str = "") -> URL:
        """Return a TCP URL for a database (the superuser's password by default)."""
        return URL.create(
            "postgresql+psycopg2",
            username=user,
            password=password or self.password,
            host="127.0.0.1",
            port=self.port,
            database=database,
        )

    def admin(self, *statements: str) -> None:
        """Run statements as the superuser in database postgres, outside a transaction."""
        self.admin_db("postgres", *statements)

    def admin_db(self, database: str, *statements: str) -> None:
        """Run statements as the superuser over the socket in one database."""
        subprocess.run(
            [
                "psql",
                "-h",
                str(self.root),
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
                *(arg for statement in statements for arg in ("-c", statement)),
            ],
            check=True,
            capture_output=True,
            **self._user,
        )
