"""The whole local stack, started once for the cross-service tests by the same code as `make up`.

Every component's output goes to .cache/e2e/stack.log (read it when a test fails).
"""

from collections.abc import Iterator

import pytest

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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the test that stops the shared stack after every other test."""
    items.sort(key=lambda item: item.get_closest_marker("stack_shutdown") is not None)
