"""The garbage collector's settings for the server (app/core/runtime.py)."""

import subprocess
import sys
from typing import Any

import pytest
import uvicorn

import app.__main__ as start

# In a child interpreter: freezing this test process would keep every later test's
# objects alive for good.
PROBE = """
import gc
import app.main
from app.core.runtime import tune_garbage_collector
before = gc.get_threshold()
leftover = []
leftover.append(leftover)  # a cycle: start-up garbage to be collected, not frozen
del leftover
tune_garbage_collector()
print(before[0], gc.get_threshold()[0], gc.get_threshold()[1:] == before[1:], gc.get_freeze_count())
print(gc.collect())
"""


def test_start_up_objects_are_frozen_and_young_collections_are_rare() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    first, second = done.stdout.splitlines()
    default, tuned, older_kept, frozen = first.split()

    assert (int(default), int(tuned), older_kept) == (700, 10_000, "True")
    # Importing the app built tens of thousands of objects (modules, classes): frozen.
    assert int(frozen) > 20_000
    # Nothing left for a collection to find: the cycle went before the freeze.
    assert second == "0"


def test_the_start_command_tunes_the_collector_after_building_the_app(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []

    def record(name: str, result: Any = None) -> Any:
        def called(*_: Any, **__: Any) -> Any:
            calls.append(name)
            return result

        return called

    monkeypatch.setattr(start, "get_settings", record("settings", _Settings()))
    monkeypatch.setattr(start, "configure_logging", record("logging"))
    monkeypatch.setattr(start, "setup_telemetry", record("telemetry"))
    monkeypatch.setattr(start, "create_db_engine", record("engine"))
    monkeypatch.setattr(start, "run_migrations", record("migrations"))
    monkeypatch.setattr(start, "create_app", record("app"))
    monkeypatch.setattr(start, "tune_garbage_collector", record("gc"))
    monkeypatch.setattr(uvicorn, "run", record("serve"))

    start.main()

    assert calls[-3:] == ["app", "gc", "serve"]


class _Settings:
    log_level = "INFO"
    host = "127.0.0.1"
    port = 8000
    fault_rate = 0.0
    fault_spare_tag = ""
