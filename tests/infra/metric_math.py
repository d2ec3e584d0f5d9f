"""CloudWatch metric math over one value per query id: enough to evaluate infra/'s alarms.

An alarm whose one period is its window sees one datapoint per metric: a number, or
nothing when the metric published no datapoint in it (the ALB publishes no 5xx count
in a period without a 5xx). Arithmetic with nothing is nothing (the alarm then treats
the period as missing data); FILL(m, v) turns nothing into v; a division by zero is
nothing too.
"""

import ast
import operator
from collections.abc import Callable, Mapping

Value = float | None
OPERATORS: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def evaluate(expression: str, values: Mapping[str, Value]) -> Value:
    """The expression's value; KeyError for an id that `values` does not define."""
    return _evaluate(ast.parse(expression, mode="eval").body, values)


def _evaluate(node: ast.expr, values: Mapping[str, Value]) -> Value:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        left, right = _evaluate(node.left, values), _evaluate(node.right, values)
        if left is None or right is None or (isinstance(node.op, ast.Div) and right == 0):
            return None
        return OPERATORS[type(node.op)](left, right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "FILL":
        found, fill = (_evaluate(argument, values) for argument in node.args)
        return fill if found is None else found
    raise ValueError(f"metric math this model does not know: {ast.unparse(node)}")
