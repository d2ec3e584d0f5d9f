"""The process supervisor: start, health, logs, stop by PID."""

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from devkit.polling import poll_until
from devkit.ports import free_port, port_is_free

from ecsotel.local.process import LogTap, ServiceError, ServiceSpec, start
from tests.processes import process_alive


def http_server(port: int, **overrides: object) -> ServiceSpec:
    """A real server process: Python's http.server on `port`."""
    settings: dict[str, object] = {
        "name": "web",
        "argv": [sys.executable, "-u", "-m", "http.server", "--bind", "127.0.0.1", str(port)],
        "ready": lambda: httpx.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200,
        "ports": [port],
        "ready_timeout": 20,
    }
    settings.update(overrides)
    return ServiceSpec(**settings)  # type: ignore[arg-type]


def test_started_service_is_healthy_and_stop_frees_its_port() -> None:
    port = free_port()
    lines: list[tuple[str, str]] = []

    service = start(http_server(port), lambda name, line: lines.append((name, line)))
    assert httpx.get(f"http://127.0.0.1:{port}/").status_code == 200
    service.stop()

    assert not service.running()
    assert port_is_free(port)
    assert any(name == "web" and "GET /" in line for name, line in lines)


def test_taken_port_is_refused_with_its_number() -> None:
    port = free_port()
    first = start(http_server(port), lambda *_: None)
    try:
        with pytest.raises(ServiceError, match=f"port {port} is taken"):
            start(http_server(port, name="second"), lambda *_: None)
    finally:
        first.stop()


def test_service_that_exits_early_reports_its_output() -> None:
    spec = ServiceSpec(
        name="broken",
        argv=[sys.executable, "-c", "print('missing setting X'); raise SystemExit(3)"],
        ready=lambda: False,
    )
    with pytest.raises(ServiceError, match=r"(?s)exited with code 3.*missing setting X"):
        start(spec, lambda *_: None)


def test_service_that_never_gets_healthy_is_stopped() -> None:
    port = free_port()
    spec = http_server(port, ready=lambda: False, ready_timeout=1)
    with pytest.raises(ServiceError, match="waiting for web to become healthy"):
        start(spec, lambda *_: None)
    assert port_is_free(port)


def test_service_that_ignores_sigterm_is_killed_after_its_grace_and_named(
    tmp_path: Path,
) -> None:
    marker = tmp_path / "ignoring"
    stubborn = (
        "import pathlib, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        f"pathlib.Path({str(marker)!r}).touch()\nwhile True: time.sleep(1)"
    )
    spec = ServiceSpec(
        name="stubborn",
        argv=[sys.executable, "-c", stubborn],
        ready=marker.exists,
        stop_timeout=0.5,
    )
    service = start(spec, lambda *_: None)

    outcome = service.stop()

    assert not service.running()
    assert "did not exit within 0.5s of SIGTERM: killed" in outcome


SUPERVISOR = """
import sys, time
from ecsotel.local.process import ServiceSpec, start
child = start(ServiceSpec(name="child", argv=["sleep", "600"], ready=lambda: True), print)
print(child.pid, flush=True)
time.sleep(600)
"""


def test_children_die_when_the_supervisor_is_sigkilled() -> None:
    supervisor = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR], stdout=subprocess.PIPE, text=True
    )
    assert supervisor.stdout is not None
    child = int(supervisor.stdout.readline())
    assert process_alive(child)

    supervisor.kill()
    supervisor.wait()

    poll_until(lambda: not process_alive(child), f"child {child} to die with its supervisor")


def test_log_tap_records_one_components_lines_only_while_asked() -> None:
    written: list[tuple[str, str]] = []
    tap = LogTap(lambda service, line: written.append((service, line)))
    tap("frontend", "before")
    with tap.recording("frontend") as lines:
        tap("frontend", "during")
        tap("backend", "other component")
    tap("frontend", "after")
    assert lines == ["during"]
    assert [line for _, line in written] == ["before", "during", "other component", "after"]
