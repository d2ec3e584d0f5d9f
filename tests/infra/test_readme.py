"""infra/README.md lists every input and output of the root module."""

import re

import pytest

from ecsotel.paths import REPO_ROOT

INFRA = REPO_ROOT / "infra"


def _declared(kind: str, file: str) -> list[str]:
    return re.findall(rf'^{kind} "([^"]+)"', (INFRA / file).read_text(), re.MULTILINE)


def _tabled(header: str) -> set[str]:
    readme = (INFRA / "README.md").read_text()
    section = readme.split(f"## {header}", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([^`]+)` \|", section, re.MULTILINE))


@pytest.mark.parametrize(
    ("kind", "file", "header"),
    [("variable", "variables.tf", "Inputs"), ("output", "outputs.tf", "Outputs")],
)
def test_readme_tables_name_every_variable_and_output(kind: str, file: str, header: str) -> None:
    declared = _declared(kind, file)
    assert declared, f"no {kind} found in infra/{file}"
    assert set(declared) == _tabled(header)
