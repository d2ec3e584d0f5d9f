"""Arithmetic Terraform expressions (+ - * / floor) over variables and locals, evaluated."""

import ast
import math
import operator
import re
from typing import Any

from tests.infra.terraform_model import Infra

OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}
OPERATORS |= {ast.Div: operator.truediv}


def number(infra: Infra, value: Any) -> float:
    """Evaluate an arithmetic Terraform expression over variables and locals (+ - * / floor)."""
    value = infra.resolve(value)
    if isinstance(value, int | float):
        return value
    text = re.fullmatch(r"\$\{(.*)\}", str(value), re.DOTALL)
    assert text, f"not a number or an expression: {value!r}"
    return _evaluate(infra, ast.parse(text.group(1), mode="eval").body)


def _evaluate(infra: Infra, node: ast.expr) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        left, right = _evaluate(infra, node.left), _evaluate(infra, node.right)
        return float(OPERATORS[type(node.op)](left, right))
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return number(infra, infra.lookup(f"{node.value.id}.{node.attr}"))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "floor":
        return math.floor(_evaluate(infra, node.args[0]))
    raise AssertionError(f"cannot evaluate {ast.unparse(node)}")


def interpolate_locals(infra: Infra, value: str) -> str:
    """`value` with each `${local.x}` whose local is arithmetic replaced by its number."""

    def replace(match: re.Match[str]) -> str:
        try:
            result = number(infra, infra.lookup(match.group(1)))
        except (AssertionError, KeyError):
            return match.group(0)
        return str(int(result)) if float(result).is_integer() else str(result)

    return re.sub(r"\$\{(local\.\w+)\}", replace, value)
