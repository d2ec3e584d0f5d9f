"""The stack's ports: one home, moved by STACK_*_PORT, the same wherever they repeat."""

import re

import pytest

from ecsotel.local.ports import Ports
from ecsotel.paths import REPO_ROOT


def test_defaults_are_the_task_definitions_ports() -> None:
    assert Ports.from_env({}) == Ports()


def test_a_variable_moves_one_port() -> None:
    ports = Ports.from_env({"STACK_FRONTEND_PORT": "3100", "STACK_AWS_PORT": "4600"})

    assert ports.frontend == 3100
    assert ports.aws == 4600
    assert ports.backend == Ports().backend


def test_env_round_trips() -> None:
    ports = Ports.free()

    assert Ports.from_env(ports.env()) == ports


@pytest.mark.parametrize("value", ["http", "0", "70000", "-1"])
def test_a_bad_port_is_named(value: str) -> None:
    with pytest.raises(ValueError, match=f"STACK_BACKEND_PORT={value!r} is not a TCP port"):
        Ports.from_env({"STACK_BACKEND_PORT": value})


def _infra_local(name: str) -> int:
    ecs = (REPO_ROOT / "infra" / "ecs.tf").read_text()
    found = re.search(rf"^\s*{name}\s*=\s*(\d+)", ecs, re.MULTILINE)
    assert found, f"infra/ecs.tf has no local {name}"
    return int(found.group(1))


def _dockerfile_port(service: str) -> set[int]:
    dockerfile = (REPO_ROOT / service / "Dockerfile").read_text()
    return {int(port) for port in re.findall(r"(?:EXPOSE\s+|PORT=)(\d+)", dockerfile)}


@pytest.mark.parametrize(
    ("service", "local", "stack_port"),
    [("backend", "fastapi_port", Ports().backend), ("frontend", "nextjs_port", Ports().frontend)],
)
def test_container_ports_agree_across_infra_dockerfile_and_stack(
    service: str, local: str, stack_port: int
) -> None:
    assert _dockerfile_port(service) == {_infra_local(local)} == {stack_port}
