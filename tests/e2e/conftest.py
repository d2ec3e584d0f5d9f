"""The whole local stack, started once for the cross-service tests by the same code as `make up`.

Every component's output goes to .cache/e2e/stack.log (read it when a test fails).
`make test-e2e` runs the tests in a random order, so none may lean on another: each
owns the todos it makes (`own_todos`), starts again what it stops, and a test that
stops a whole stack starts one of its own.
"""

from collections.abc import Iterator

import pytest

from ecsotel.exercise.seed import newest_id, remove_newer
from ecsotel.local.ports import Ports
from ecsotel.local.process import log_file
from ecsotel.local.stack import Stack, running_stack
from ecsotel.paths import CACHE_DIR

LOG_FILE = CACHE_DIR / "e2e" / "stack.log"


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """PostgreSQL, moto, the collector, the backend and the frontend, healthy.

    Every component gets a free port, so the tests run beside a `make up`.
    """
    with log_file(LOG_FILE) as log, running_stack(log, Ports.free()) as running:
        yield running


@pytest.fixture(autouse=True)
def own_todos(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test on the shared stack owns its todos: whatever it created is deleted after it.

    So every test starts from the list the session began with (empty), whatever ran
    before it, and may count rows; the drills' load, Schemathesis and a test that
    failed half-way leave todos nobody else could track.
    """
    if "stack" not in request.fixturenames:
        yield
        return
    stack: Stack = request.getfixturevalue("stack")
    before = newest_id(stack)
    yield
    remove_newer(stack, before)
