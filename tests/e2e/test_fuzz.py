"""Schemathesis against the running stack: the backend's OpenAPI and the frontend's proxy.

Seeded and bounded (FUZZ_EXAMPLES per operation, 20 here); `make fuzz` raises the
budget. Every phase runs (coverage, fuzzing, stateful links inferred from the
documents) with every check; the required result is no failure at all. The
console output with reproduction commands is in .cache/fuzz/*.log.
"""

import os

import pytest

from ecsotel.local.stack import Stack
from ecsotel.paths import CACHE_DIR, REPO_ROOT
from tools.fuzz import fuzz

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
SEED = int(os.environ.get("FUZZ_SEED", "11"))
# Node 20's HTTP parser answers a method it does not know (QUERY) with a bare 400
# before any code of ours runs: a 4xx, not the 405 this check wants. TRACE, which
# Next.js failed with a 500, is answered 405 by lib/http-server.ts and still sent
# by the coverage phase, so server errors on odd methods are still caught.
FRONTEND_EXCLUDED = ("unsupported_method",)
# The list's `cursor` is opaque: only a cursor the API issued is valid, which no
# schema can express, so a schema-valid made-up cursor is rightly refused (422).
# Every other check, server errors and schema conformance first, still runs.
CURSOR_EXCLUDED = ("positive_data_acceptance",)


def test_backend_api_survives_fuzzing(stack: Stack) -> None:
    result = fuzz(
        f"{stack.backend_url}/openapi.json",
        stack.backend_url,
        examples=EXAMPLES,
        seed=SEED,
        report=CACHE_DIR / "fuzz" / "backend.json",
        exclude_checks=CURSOR_EXCLUDED,
    )
    print(f"fastapi-app: {result.summary()}")
    assert result.failures == []
    assert result.errors == []
    assert result.stateful == "success"
    assert result.generated >= EXAMPLES


def test_frontend_proxy_survives_fuzzing(stack: Stack) -> None:
    result = fuzz(
        str(REPO_ROOT / "frontend" / "openapi.yaml"),
        stack.frontend_url,
        examples=EXAMPLES,
        seed=SEED,
        report=CACHE_DIR / "fuzz" / "frontend.json",
        exclude_checks=FRONTEND_EXCLUDED,
    )
    print(f"nextjs-app /api: {result.summary()}")
    assert result.failures == []
    assert result.errors == []
    assert result.stateful == "success"
    assert result.generated >= EXAMPLES
