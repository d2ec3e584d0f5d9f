"""Schemathesis against the running stack: the backend's OpenAPI and the frontend's proxy.

Seeded and bounded (FUZZ_EXAMPLES per operation, 20 here); `ecsotel fuzz` (`make
fuzz`) raises the budget on a stack of its own. What runs and which checks are
left out, each for its reason: ecsotel/exercise/fuzz.py. The required result is
no failure at all.
"""

import os

import pytest

from ecsotel.exercise.fuzz import SEED, fuzz_backend, fuzz_frontend
from ecsotel.local.stack import Stack

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", str(SEED)))


def test_backend_api_survives_fuzzing(stack: Stack) -> None:
    result = fuzz_backend(stack, examples=EXAMPLES, seed=FUZZ_SEED)
    print(f"fastapi-app: {result.summary()}")
    assert result.failures == []
    assert result.errors == []
    assert result.stateful == "success"
    assert result.generated >= EXAMPLES


def test_frontend_proxy_survives_fuzzing(stack: Stack) -> None:
    result = fuzz_frontend(stack, examples=EXAMPLES, seed=FUZZ_SEED)
    print(f"nextjs-app /api: {result.summary()}")
    assert result.failures == []
    assert result.errors == []
    assert result.stateful == "success"
    assert result.generated >= EXAMPLES
