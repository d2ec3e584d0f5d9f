"""`make up` stopped the ways users and supervisors stop it: nothing may be left behind.

Each test starts its own stack on free ports (STACK_*_PORT), as a user would, in a
process group of its own, then stops it by a signal to the group, by SIGKILL of the
supervisor, or after one component was killed; then no process of the stack may be
alive and no port bound, within 20 seconds.
"""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx
import pytest
from devkit.polling import poll_until
from devkit.ports import port_is_free

from ecsotel.local.ports import Ports
from ecsotel.paths import REPO_ROOT
from tests.processes import descendants, process_alive

pytestmark = pytest.mark.e2e

UP_TIMEOUT = 300  # a cold start on a busy 2-core machine
STOP_WITHIN = 20


@dataclass
class Up:
    """A running `up`: its process, ports, log, and every process of the stack."""

    process: subprocess.Popen[bytes]
    ports: Ports
    log: Path
    pids: set[int]

    def output(self) -> str:
        """Everything `up` printed so far."""
        return self.log.read_text(errors="replace")

    def pid_of(self, command_part: str) -> int:
        """The stack process whose command line contains `command_part`."""
        for pid in self.pids:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            except FileNotFoundError:
                continue
            if command_part.encode() in cmdline:
                return pid
        raise AssertionError(f"no process of the stack runs {command_part!r}")

    def assert_nothing_left(self) -> None:
        """Within STOP_WITHIN s, `up` and every process of the stack exited, every port free."""
        ports = [port for numbers in self.ports.by_component().values() for port in numbers]

        def gone() -> bool:
            return (
                self.process.poll() is not None
                and not any(process_alive(pid) for pid in self.pids)
                and all(port_is_free(port) for port in ports)
            )

        try:
            poll_until(gone, "every process and port of the stack to go", timeout=STOP_WITHIN)
        except AssertionError as error:
            alive = sorted(pid for pid in self.pids if process_alive(pid))
            bound = [port for port in ports if not port_is_free(port)]
            raise AssertionError(
                f"{error}: alive {alive}, bound {bound}\n{self.output()[-3000:]}"
            ) from None


class StartUp(Protocol):
    """Starts `up` and returns once the stack is up."""

    def __call__(self, argv: list[str], *, ignore_sigint: bool = False) -> Up: ...


def _ignore_sigint() -> None:
    # What a non-interactive shell does to a job it starts in the background.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.fixture
def start_up(tmp_path: Path) -> Iterator[StartUp]:
    """Start `argv` (make up, or ecsotel up) in its own process group; kill it if a test fails."""
    started: list[Up] = []

    def start(argv: list[str], *, ignore_sigint: bool = False) -> Up:
        ports = Ports.free()
        log = tmp_path / f"up-{len(started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                argv,
                cwd=REPO_ROOT,
                env={**os.environ, **ports.env(), "COLUMNS": "200"},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_ignore_sigint if ignore_sigint else None,
            )
        up = Up(process, ports, log, set())
        started.append(up)
        poll_until(
            lambda: "the stack is up" in up.output() or process.poll() is not None,
            "`up` to say that the stack is up",
            timeout=UP_TIMEOUT,
        )
        assert process.poll() is None, up.output()
        up.pids = descendants(process.pid)
        return up

    yield start
    for up in started:
        if up.process.poll() is None:
            os.killpg(up.process.pid, signal.SIGKILL)
            up.process.wait()
        for pid in up.pids:
            if process_alive(pid):
                os.kill(pid, signal.SIGKILL)


def _traffic(up: Up, requests: int = 5) -> None:
    """A few page loads and API calls, so the apps have telemetry to flush."""
    with httpx.Client(base_url=up.ports.frontend_url, timeout=15) as client:
        for _ in range(requests):
            assert client.get("/").status_code == 200
            assert client.get("/api/todos").status_code == 200


def test_make_up_stops_on_sigterm_to_its_group_after_serving_verify(start_up: StartUp) -> None:
    up = start_up(["make", "up"])
    verify = subprocess.run(
        ["make", "verify"],
        cwd=REPO_ROOT,
        env={**os.environ, **up.ports.env(), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "verify passed" in verify.stdout

    os.killpg(up.process.pid, signal.SIGTERM)

    up.assert_nothing_left()
    assert "SIGTERM received" in up.output()
    assert "stopped: every component has exited" in up.output()


def test_sigint_stops_an_up_started_in_the_background(start_up: StartUp) -> None:
    up = start_up([sys.executable, "-m", "ecsotel", "up"], ignore_sigint=True)
    _traffic(up)

    os.killpg(up.process.pid, signal.SIGINT)

    up.assert_nothing_left()
    assert "SIGINT received" in up.output()
    assert up.process.returncode == 0


def test_components_die_when_the_supervisor_is_sigkilled(start_up: StartUp) -> None:
    up = start_up([sys.executable, "-m", "ecsotel", "up"])
    _traffic(up)

    os.kill(up.process.pid, signal.SIGKILL)

    up.assert_nothing_left()


def test_a_stack_whose_collector_was_killed_still_stops_completely(start_up: StartUp) -> None:
    up = start_up([sys.executable, "-m", "ecsotel", "up"])
    _traffic(up)  # spans wait in the apps' batch queues

    os.killpg(up.pid_of("otelcol-ecs"), signal.SIGKILL)
    os.killpg(up.process.pid, signal.SIGHUP)

    # The apps' flush finds no collector: it must give up within their deadline.
    up.assert_nothing_left()
    assert "stopped: every component has exited" in up.output()
