"""Terraform type constraints (as text) parsed into schemas, and values checked against them.

Why: Terraform converts a module argument to the input's declared type, and object types
silently DROP attributes they do not declare. A misspelt `readOnlyRootFilesystem` in a container
definition would vanish without an error, so the tests check attribute names as well as
argument names against the pinned module's own declarations.
"""

import re
from dataclasses import dataclass, field
from typing import Any

TOKEN = re.compile(r'\s*("(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_\-]*|-?\d+(?:\.\d+)?|[(){}\[\],=:])')


@dataclass
class Schema:
    """`kind` is object, collection (list/set/map: one element schema), tuple or primitive."""

    kind: str
    attributes: dict[str, "Schema"] = field(default_factory=dict)
    element: "Schema | None" = None


PRIMITIVE = Schema("primitive")


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = TOKEN.findall(text)
        self.position = 0

    def peek(self) -> str:
        return self.tokens[self.position] if self.position < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if expected is not None and token != expected:
            raise ValueError(f"expected {expected!r}, found {token!r} at token {self.position}")
        self.position += 1
        return token

    def skip_value(self) -> None:
        """Skip one default value of optional(): any balanced run of tokens."""
        depth = 0
        while self.peek():
            item = self.peek()
            if item in "([{":
                depth += 1
            elif item in ")]}":
                if depth == 0:
                    return
                depth -= 1
            elif item == "," and depth == 0:
                return
            self.take()

    def parse_type(self) -> Schema:
        name = self.take()
        if name in ("string", "number", "bool", "any"):
            return PRIMITIVE
        self.take("(")
        if name == "optional":
            schema = self.parse_type()
            if self.peek() == ",":
                self.take(",")
                self.skip_value()
        elif name in ("list", "set", "map"):
            schema = Schema("collection", element=self.parse_type())
        elif name == "object":
            schema = Schema("object", attributes=self.parse_attributes())
        elif name == "tuple":
            self.take("[")
            while self.peek() != "]":
                self.parse_type()
                if self.peek() == ",":
                    self.take(",")
            self.take("]")
            schema = Schema("tuple")
        else:
            raise ValueError(f"unknown type constructor {name!r}")
        self.take(")")
        return schema

    def parse_attributes(self) -> dict[str, Schema]:
        self.take("{")
        attributes: dict[str, Schema] = {}
        while self.peek() != "}":
            name = self.take()
            self.take("=")
            attributes[name] = self.parse_type()
            if self.peek() == ",":
                self.take(",")
        self.take("}")
        return attributes


def parse_type(text: str) -> Schema:
    """Parse a type constraint such as `map(object({a = optional(string, "x")}))`."""
    parser = _Parser(text)
    schema = parser.parse_type()
    if parser.peek():
        raise ValueError(f"trailing tokens after the type: {parser.tokens[parser.position :]}")
    return schema


def unknown_attributes(value: Any, schema: Schema, path: str) -> list[str]:
    """Paths of attributes in `value` that `schema` does not declare (expressions are skipped)."""
    if schema.kind == "object" and isinstance(value, dict):
        problems = [f"{path}.{key}" for key in value if key not in schema.attributes]
        for key, item in value.items():
            if key in schema.attributes:
                problems += unknown_attributes(item, schema.attributes[key], f"{path}.{key}")
        return problems
    if schema.kind == "collection" and schema.element is not None:
        if isinstance(value, dict):
            items = list(value.items())
        elif isinstance(value, list):
            items = [(str(index), item) for index, item in enumerate(value)]
        else:
            return []
        problems = []
        for key, item in items:
            problems += unknown_attributes(item, schema.element, f"{path}[{key}]")
        return problems
    return []
