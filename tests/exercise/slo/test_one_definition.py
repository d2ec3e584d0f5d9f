"""infra/slo.yaml is the only place objectives, windows and factors are written.

Terraform's SLO file (infra/slo.tf) and the CLI's SLO package (ecsotel/exercise/slo/)
must read every such number from it: a number of theirs equal to one the file holds,
in any of the forms it would be copied in (a share or a percentage, minutes, seconds,
hours, milliseconds), is a copy that would drift. Unit conversions (24, 60, 100,
1000, 86400) are not copies, nor are whole numbers up to 10: they are everywhere in
code (a retry count, a timeout), too common to tell from a copy.
"""

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ecsotel.exercise.slo.definitions import Definitions, load
from ecsotel.paths import REPO_ROOT
from tests.infra.terraform_model import INFRA, parse_hcl

PACKAGE = REPO_ROOT / "ecsotel" / "exercise" / "slo"
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])")
NOT_COPIES = {24.0, 60.0, 100.0, 1000.0, 86400.0}
LAYOUT = {"width", "height", "x", "y"}


def copied_forms(definitions: Definitions) -> set[float]:
    """Every number of the file, in every form a copy of it could take."""
    forms: set[float] = {definitions.window_days}
    days = definitions.window_days
    forms |= {days * 24, days * 1440, days * 86400}
    for objective in definitions.objectives.values():
        for share in (objective.objective, objective.budget):
            forms |= {round(share, 10), round(share * 100, 10)}
        if objective.threshold_seconds is not None:
            forms |= {objective.threshold_seconds, objective.threshold_seconds * 1000}
    for alert in definitions.alerts:
        forms.add(alert.factor)
        for minutes in (alert.long_window_minutes, alert.short_window_minutes):
            forms |= {minutes, minutes * 60, minutes / 60}
    return {
        float(form) for form in forms if not (float(form).is_integer() and form <= 10)
    } - NOT_COPIES


def python_numbers(source: str) -> Iterator[tuple[int, float]]:
    """(line, value) of every number literal in Python source."""
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Constant):
            continue
        if isinstance(node.value, int | float) and not isinstance(node.value, bool):
            yield node.lineno, float(node.value)


def hcl_numbers(value: Any, key: str = "") -> Iterator[tuple[str, float]]:
    """(where, value) of every number in parsed HCL, those inside expressions included."""
    if isinstance(value, dict):
        for name, item in value.items():
            if name not in LAYOUT:
                yield from hcl_numbers(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from hcl_numbers(item, key)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int | float):
        yield key, float(value)
    elif isinstance(value, str):
        yield from ((key, float(number)) for number in NUMBER.findall(value))


def python_copies(path: Path, forms: set[float]) -> list[str]:
    """The number literals of a Python file that copy the definitions."""
    numbers = python_numbers(path.read_text())
    return [f"{path.name}:{line}: {value:g}" for line, value in numbers if value in forms]


def hcl_copies(text: str, forms: set[float]) -> list[str]:
    """The numbers of a Terraform file that copy the definitions."""
    return [f"{key}: {value:g}" for key, value in hcl_numbers(parse_hcl(text)) if value in forms]


@pytest.fixture(scope="module")
def forms() -> set[float]:
    """The definitions' numbers in every copied form."""
    return copied_forms(load())


def test_the_cli_holds_no_copy_of_the_definitions(forms: set[float]) -> None:
    sources = sorted(PACKAGE.glob("*.py"))

    assert len(sources) >= 5
    assert [copy for path in sources for copy in python_copies(path, forms)] == []


def test_terraform_holds_no_copy_of_the_definitions(forms: set[float]) -> None:
    text = (INFRA / "slo.tf").read_text()

    assert 'yamldecode(file("${path.module}/slo.yaml"))' in text
    assert hcl_copies(text, forms) == []


def test_only_slo_tf_makes_burn_rate_alarms() -> None:
    others = [p for p in INFRA.glob("*.tf") if p.name != "slo.tf"]

    assert [p.name for p in others if "burn_rate" in p.read_text()] == []


# --- the checks themselves, fed copies -------------------------------------------


def test_a_copied_factor_in_python_is_found(tmp_path: Path, forms: set[float]) -> None:
    fast = max(alert.factor for alert in load().alerts)
    source = tmp_path / "copy.py"
    source.write_text(f"FACTOR = {fast}\nRETRIES = 3\n")

    assert python_copies(source, forms) == [f"copy.py:1: {fast:g}"]


def test_an_objective_as_a_percentage_in_terraform_is_found(forms: set[float]) -> None:
    objective = load().objectives["availability"].objective
    text = f'locals {{\n  label = "objective {objective * 100:g} %"\n  width = 6\n}}\n'

    assert hcl_copies(text, forms) == [f"label: {objective * 100:g}"]


def test_a_window_in_seconds_in_terraform_is_found(forms: set[float]) -> None:
    longest = max(alert.long_window_minutes for alert in load().alerts)
    text = f'resource "aws_cloudwatch_metric_alarm" "a" {{\n  period = {int(longest * 60)}\n}}\n'

    assert hcl_copies(text, forms) == [f"period: {longest * 60:g}"]
