"""infra/ read into plain Python with python-hcl2, and just enough evaluation to test the design.

Terraform cannot run here (no registry), so the tests read the HCL. Literal strings come back
as plain strings, expressions as "${...}". `Infra.resolve` follows references to locals,
variable defaults and literal attributes of other blocks, chooses the branch of a
conditional on a variable's default, and expands `concat(...)` and `merge(...)`, an
environment read with `jsondecode(file(...))`, a document read with
`yamldecode(file(...))` and `join` over a for expression on a local list; anything
else stays an expression string, which a test can still match.
"""

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import hcl2
import yaml
from hcl2 import SerializationOptions

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
OPTIONS = SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)
# Blocks whose bodies are keyed by two labels (type, name) rather than one.
TWO_LABELS = ("resource", "data")
EXPRESSION = re.compile(r"^\$\{(.*)\}$", re.DOTALL)
# `[for k, v in jsondecode(file("${path.module}/FILE")) : {name = k, value = v}]`: a
# container environment read from a JSON file in the repository.
JSON_ENVIRONMENT = re.compile(
    r'\[for (\w+), (\w+) in jsondecode\(file\("\$\{path\.module\}/([^"]+)"\)\) : '
    r"\{name = \1, value = \2\}\]"
)
# `yamldecode(file("${path.module}/FILE"))`: a document in the repository (slo.yaml).
YAML_FILE = re.compile(r'yamldecode\(file\("\$\{path\.module\}/([^"]+)"\)\)')
# `${join("SEP", [for X in local.LIST : "TEMPLATE"])}`, TEMPLATE naming X as ${X}.
JOIN_CALL = re.compile(r'\$\{join\("([^"]*)", \[for (\w+) in (local\.\w+) : "(.*?)"\]\)\}')
REFERENCE = re.compile(r"\$\{([a-z_]+(?:\.[A-Za-z0-9_\-]+|\[\"[^\"]+\"\])+)\}")
# One branch of a conditional the model can choose: a string, an empty list, a reference.
BRANCH = r'"[^"]*"|\[\]|[a-z_]+(?:\.[A-Za-z0-9_\-]+|\["[^"]+"\])+'


def parse_hcl(text: str) -> dict[str, Any]:
    """Parse HCL text into python-hcl2's plain form (no comments, no block markers)."""
    parsed: dict[str, Any] = hcl2.loads(text, serialization_options=OPTIONS)
    return parsed


def block(value: Any) -> dict[str, Any]:
    """The single body of a nested block (python-hcl2 gives nested blocks as one-item lists)."""
    if isinstance(value, list):
        assert len(value) == 1, f"expected one block, got {len(value)}"
        value = value[0]
    assert isinstance(value, dict), f"not a block: {value!r}"
    return value


@dataclass(frozen=True)
class Infra:
    """The blocks of the root module, by kind and label(s)."""

    resources: dict[str, dict[str, dict[str, Any]]]
    data: dict[str, dict[str, dict[str, Any]]]
    modules: dict[str, dict[str, Any]]
    locals: dict[str, Any]
    variables: dict[str, dict[str, Any]]
    outputs: dict[str, dict[str, Any]]
    terraform: list[dict[str, Any]]

    def resource(self, kind: str, name: str) -> dict[str, Any]:
        """The body of `resource "kind" "name"`."""
        return self.resources[kind][name]

    def lookup(self, path: str) -> Any:
        """The value a reference such as `local.x`, `var.y` or `aws_foo.bar.name` names, or None."""
        parts = [p for p in re.split(r"\.|\[\"|\"\]", path) if p]
        head, rest = parts[0], parts[1:]
        value: Any
        if head == "local":
            value, rest = self.locals.get(rest[0]), rest[1:]
        elif head == "var":
            value, rest = self.variables.get(rest[0], {}).get("default"), rest[1:]
        elif head in self.resources and len(rest) >= 2:
            value, rest = self.resources[head].get(rest[0]), rest[1:]
        else:
            return None
        for part in rest:
            value = self.resolve(value)
            if isinstance(value, list) and len(value) == 1:
                value = value[0]
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        return value

    def resolve(self, value: Any) -> Any:
        """Evaluate what can be evaluated offline; leave the rest as expression strings."""
        if isinstance(value, dict):
            return {key: self.resolve(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, str):
            return value
        whole = EXPRESSION.match(value)
        if whole and REFERENCE.fullmatch(value):
            found = self.lookup(whole.group(1))
            return value if found is None else self.resolve(found)
        if whole and (chosen := self._conditional(whole.group(1))) is not None:
            return self.resolve(chosen)
        if whole and re.fullmatch(r"tostring\((local|var)\.\w+\)", whole.group(1)):
            found = self.resolve(self.lookup(whole.group(1)[len("tostring(") : -1]))
            return value if found is None else str(found)
        document = YAML_FILE.fullmatch(whole.group(1)) if whole else None
        if document:
            return yaml.safe_load((INFRA / document.group(1)).read_text())
        environment = JSON_ENVIRONMENT.fullmatch(whole.group(1)) if whole else None
        if environment:
            values = json.loads((INFRA / environment.group(3)).read_text())
            return [{"name": name, "value": value} for name, value in values.items()]
        if whole and whole.group(1).startswith("concat(") and whole.group(1).endswith(")"):
            arguments = parse_hcl(f"x = [{whole.group(1)[len('concat(') : -1]}]")["x"]
            lists = [self.resolve(argument) for argument in arguments]
            if not any(isinstance(item, list) for item in lists):
                return value
            # An argument the model cannot evaluate (a conditional, a for expression)
            # stays in the list as one expression string, for a test to match.
            return [
                element
                for item in lists
                for element in (item if isinstance(item, list) else [item])
            ]
        if whole and re.search(r"\]\s*\.\.\.\)$", whole.group(1)):
            return value  # an expanded argument list (`merge([for ...]...)`): not evaluated
        if whole and whole.group(1).startswith("merge(") and whole.group(1).endswith(")"):
            # Objects merge key by key, later ones winning; a key whose value stays an
            # expression keeps that expression.
            arguments = parse_hcl(f"x = [{whole.group(1)[len('merge(') : -1]}]")["x"]
            objects = [self.resolve(argument) for argument in arguments]
            if all(isinstance(item, dict) for item in objects):
                return {key: item for obj in objects for key, item in obj.items()}
            return value

        def scalar(match: re.Match[str]) -> str:
            found = self.resolve(self.lookup(match.group(1)))
            is_scalar = isinstance(found, str | int | float) and not isinstance(found, bool)
            if is_scalar and not str(found).startswith("${"):
                return str(found)
            return match.group(0)

        def joined(match: re.Match[str]) -> str:
            items = self.resolve(self.lookup(match.group(3)))
            if not isinstance(items, list):
                return match.group(0)
            separator, name, template = match.group(1), match.group(2), match.group(4)
            return separator.join(template.replace(f"${{{name}}}", str(item)) for item in items)

        resolved = REFERENCE.sub(scalar, value)
        return JOIN_CALL.sub(joined, resolved)

    def _conditional(self, expression: str) -> Any:
        """`ref == "x"` as a bool; `ref ? a : b` as the chosen branch (variable defaults),
        where a branch is a quoted string, `[]` or a reference."""
        compared = re.fullmatch(r'((?:local|var)\.\w+) == "([^"]*)"', expression)
        if compared:
            value = self.resolve(self.lookup(compared.group(1)))
            return None if isinstance(value, str) and "${" in value else value == compared[2]
        choice = re.fullmatch(rf"((?:local|var)\.\w+) \? ({BRANCH}) : ({BRANCH})", expression)
        if choice:
            condition = self.resolve(self.lookup(choice.group(1)))
            if isinstance(condition, bool):
                branch = choice[2] if condition else choice[3]
                if branch.startswith('"'):
                    return branch[1:-1]
                return [] if branch == "[]" else self.lookup(branch)
        return None


def _merge_two_labels(blocks: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    merged: dict[str, dict[str, dict[str, Any]]] = {}
    for item in blocks:
        for kind, by_name in item.items():
            for name, body in by_name.items():
                merged.setdefault(kind, {})[name] = body
    return merged


def _merge_one_label(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: body for item in blocks for name, body in item.items()}


@cache
def load_infra() -> Infra:
    """Parse every .tf file of infra/ into one Infra."""
    everything: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(INFRA.glob("*.tf")):
        for kind, blocks in parse_hcl(path.read_text()).items():
            everything.setdefault(kind, []).extend(blocks)
    return Infra(
        resources=_merge_two_labels(everything.get("resource", [])),
        data=_merge_two_labels(everything.get("data", [])),
        modules=_merge_one_label(everything.get("module", [])),
        locals={key: value for item in everything.get("locals", []) for key, value in item.items()},
        variables=_merge_one_label(everything.get("variable", [])),
        outputs=_merge_one_label(everything.get("output", [])),
        terraform=everything.get("terraform", []),
    )
