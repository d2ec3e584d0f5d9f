"""The feasibility check, automated: `verify` passes against the local stack."""

import os
import subprocess
import sys

import pytest

from ecsotel.paths import REPO_ROOT
from ecsotel.process import port_is_free
from ecsotel.stack import Stack, stop

pytestmark = pytest.mark.e2e


def test_verify_passes_against_the_local_stack(stack: Stack) -> None:
    env = {**os.environ, **stack.aws.client_env()}
    result = subprocess.run(
        [sys.executable, "-m", "ecsotel", "verify", "--base-url", stack.frontend_url],
        cwd=REPO_ROOT,
        env={**env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=300,
    )

    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "verify passed" in result.stdout
    assert "FAILED" not in result.stdout


@pytest.mark.stack_shutdown
def test_stopping_the_stack_leaves_nothing_behind(stack: Stack) -> None:
    services = list(stack.services)
    ports = [port for service in services for port in service.spec.ports]
    assert {service.spec.name for service in services} == {
        "postgres",
        "aws",
        "collector",
        "backend",
        "frontend",
    }

    stop(stack)

    alive = [service.spec.name for service in services if _group_alive(service.pid)]
    assert alive == [], f"still running after stop: {alive}"
    taken = [port for port in ports if not port_is_free(port)]
    assert taken == [], f"ports still bound after stop: {taken}"
    assert not stack.postgres.root.exists()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
