"""The whole local stack, started once for the cross-service tests by the same code as `make up`.

Every component's output goes to .cache/e2e/stack.log (read it when a test fails).
"""

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecsotel.paths import CACHE_DIR
from ecsotel.stack import Ports, Stack, running_stack

LOG_FILE = CACHE_DIR / "e2e" / "stack.log"


@pytest.fixture(scope="session")
def stack_log() -> Path:
    """Where the stack's prefixed output is written."""
    LOG_FILE.parent.mkdir(parents=True, exist_ok=True)
    LOG_FILE.write_text("")
    return LOG_FILE


@pytest.fixture(scope="session")
def stack(stack_log: Path) -> Iterator[Stack]:
    """PostgreSQL, moto, the collector, the backend and the frontend, healthy.

    Every component gets a free port, so the tests run beside a `make up`.
    """
    lock = threading.Lock()
    with stack_log.open("a", encoding="utf-8") as log:

        def sink(service: str, line: str) -> None:
            with lock:
                log.write(f"{service:>9} | {line}\n")
                log.flush()

        with running_stack(sink, Ports.free()) as running:
            yield running


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the test that stops the shared stack after every other test."""
    items.sort(key=lambda item: item.get_closest_marker("stack_shutdown") is not None)
