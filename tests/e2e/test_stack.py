"""The feasibility check, automated: `verify` passes against the local stack."""

import os
import re
import subprocess
import sys
from dataclasses import replace

import httpx
import pytest
from devkit.ports import free_port, port_is_free

from ecsotel import xray
from ecsotel.exercise.seed import count
from ecsotel.local.ports import Ports
from ecsotel.local.process import log_file
from ecsotel.local.stack import Stack, running_stack, stop
from ecsotel.paths import CACHE_DIR, REPO_ROOT
from ecsotel.proof import driver
from ecsotel.proof.report import Report

pytestmark = pytest.mark.e2e


def run_verify(
    ports: Ports, timeout: float = 120, *options: str
) -> subprocess.CompletedProcess[str]:
    """`ecsotel verify` as `make verify` runs it: the local stack found through STACK_*_PORT."""
    env = {name: value for name, value in os.environ.items() if name != "AWS_ENDPOINT_URL"}
    return subprocess.run(
        [sys.executable, "-m", "ecsotel", "verify", "--timeout", str(timeout), *options],
        cwd=REPO_ROOT,
        env={**env, **ports.env(), "COLUMNS": "250"},
        capture_output=True,
        text=True,
        timeout=timeout * 4 + 120,
    )


def passed_verify(ports: Ports) -> str:
    """What `ecsotel verify` printed against the stack at `ports`; it must pass."""
    result = run_verify(ports)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def failed(check: str, output: str) -> bool:
    """Whether verify's table shows `check` as FAILED."""
    return re.search(re.escape(check) + r"\s*│\s*FAILED", output) is not None


def test_verify_passes_against_the_local_stack_and_leaves_no_todo(stack: Stack) -> None:
    todos = count(stack)

    result = run_verify(stack.ports, 120, "--browser")

    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "verify passed" in result.stdout
    assert "FAILED" not in result.stdout
    assert "browser: Server Action trace rooted at nextjs-browser" in result.stdout
    # verify runs against production too: every todo it makes, it deletes.
    assert count(stack) == todos, "verify left todos behind"


def test_driver_finds_every_form_and_route_of_the_real_app(stack: Stack) -> None:
    report = Report.declare(driver.SERVER_ACTION_CHECKS + driver.API_ROUTE_CHECKS)

    with httpx.Client(base_url=stack.frontend_url, timeout=15) as client:
        driver.drive_server_actions(client, report, xray.TraceId.new())
        driver.drive_api_routes(client, report, xray.TraceId.new())

    assert report.passed, [(check.name, check.outcome()) for check in report.failed()]


def test_verify_fails_when_the_traces_never_reach_xray(stack: Stack) -> None:
    with stack.paused("collector"):
        result = run_verify(stack.ports, timeout=5)

    assert result.returncode == 1, result.stdout
    assert failed("Server Action create: trace complete in X-Ray", result.stdout), result.stdout
    assert "verify passed" not in result.stdout


def test_verify_fails_when_aws_is_unreachable(stack: Stack) -> None:
    elsewhere = replace(stack.ports, aws=free_port())

    result = run_verify(elsewhere, timeout=5)

    assert result.returncode == 1, result.stdout
    assert failed("API route create: trace complete in X-Ray", result.stdout), result.stdout
    assert "Could not connect to the endpoint URL" in result.stdout


def test_stopping_a_stack_leaves_nothing_behind() -> None:
    """A stack of its own: stopping the shared one would end every test after it."""
    log = CACHE_DIR / "e2e" / "stopped-stack.log"
    with log_file(log) as writer, running_stack(writer, Ports.free()) as own:
        # The drills and the browser tests restart components: those must stop too.
        with own.paused("backend"):
            pass
        services = list(own.services)
        ports = [port for service in services for port in service.spec.ports]
        assert {service.spec.name for service in services} == {
            "postgres",
            "aws",
            "collector",
            "backend",
            "frontend",
        }

        stop(own)

        alive = [service.spec.name for service in services if _group_alive(service.pid)]
        assert alive == [], f"still running after stop: {alive}"
        taken = [port for port in ports if not port_is_free(port)]
        assert taken == [], f"ports still bound after stop: {taken}"
        assert not own.database.cluster.root.exists()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
