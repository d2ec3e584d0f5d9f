"""`ecsotel up` as a user runs it: a clash ends it with a clear message and a non-zero exit."""

import socket
import subprocess
import sys

from devkit.ports import free_port

from ecsotel.paths import REPO_ROOT


def test_up_with_a_taken_port_names_it_and_exits_non_zero() -> None:
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        result = subprocess.run(
            [sys.executable, "-m", "ecsotel", "up", "--postgres-port", str(port)],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        )

    assert result.returncode == 1
    assert f"port {port} is taken" in result.stdout
    assert "postgres needs it" in result.stdout
