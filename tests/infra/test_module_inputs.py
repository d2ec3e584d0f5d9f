"""Every argument infra/ passes to a registry module is a real input of the pinned release."""

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.infra.terraform_model import load_infra
from tests.infra.type_schema import parse_type, unknown_attributes

INPUTS = json.loads((Path(__file__).with_name("module_inputs.json")).read_text())["modules"]
# Arguments of every module block that are Terraform's own, not the module's inputs.
META_ARGUMENTS = {"source", "version", "providers", "depends_on", "count", "for_each"}
MODULES = sorted(load_infra().modules)


def test_every_module_is_one_whose_inputs_were_recorded() -> None:
    """A new module needs its inputs in module_inputs.json (see extract_module_inputs.py)."""
    sources = {load_infra().modules[name]["source"] for name in MODULES}
    assert sources <= set(INPUTS), f"record the inputs of {sources - set(INPUTS)}"


@pytest.mark.parametrize("module", MODULES)
def test_module_is_pinned_to_the_major_of_the_recorded_release(module: str) -> None:
    """`~> X.Y` with X.Y the recorded release: every release it allows has the recorded inputs."""
    body = load_infra().modules[module]
    recorded = INPUTS[body["source"]]["version"]
    pin = re.fullmatch(r"~> (\d+)\.(\d+)", body["version"])
    assert pin, f"module {module}: pin {body['version']!r} is not of the form '~> X.Y'"
    major, minor = (int(part) for part in recorded.split(".")[:2])
    assert (int(pin.group(1)), int(pin.group(2))) == (major, minor), (
        f"module {module}: pinned {body['version']}, inputs recorded for {recorded}"
    )


@pytest.mark.parametrize("module", MODULES)
def test_module_arguments_are_declared_inputs(module: str) -> None:
    """Unknown argument names make `terraform plan` fail for users."""
    body = load_infra().modules[module]
    declared = INPUTS[body["source"]]["variables"]
    unknown = sorted(set(body) - META_ARGUMENTS - set(declared))
    assert not unknown, f"module {module} passes arguments its release does not declare: {unknown}"


@pytest.mark.parametrize("module", MODULES)
def test_module_argument_attributes_are_declared(module: str) -> None:
    """Unknown attributes inside object-typed inputs would be dropped without a word."""
    infra = load_infra()
    body = infra.modules[module]
    declared = INPUTS[body["source"]]["variables"]
    problems: list[str] = []
    for name, value in body.items():
        if name in declared:
            problems += unknown_attributes(infra.resolve(value), parse_type(declared[name]), name)
    assert not problems, f"module {module}: undeclared attributes {problems}"


def test_attribute_check_catches_a_name_the_type_does_not_declare() -> None:
    """The check itself: an upstream example's `backend_protocol` is no v10 target group field."""
    declared = INPUTS["terraform-aws-modules/alb/aws"]["variables"]["target_groups"]
    value: dict[str, Any] = {"app": {"backend_protocol": "HTTP", "protocol": "HTTP"}}
    problems = unknown_attributes(value, parse_type(declared), "target_groups")
    assert problems == ["target_groups[app].backend_protocol"]
