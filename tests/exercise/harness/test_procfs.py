"""The one /proc reader: CPU per process and per session, memory, a vanished process."""

import subprocess
import sys
from collections.abc import Iterator

import pytest
from devkit.polling import poll_until

from ecsotel.exercise.harness.procfs import cpu_seconds, rss_mib, session_cpu_seconds


@pytest.fixture
def burner() -> Iterator["subprocess.Popen[bytes]"]:
    """A process that burns CPU in a session of its own until killed."""
    process = subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)
    try:
        yield process
    finally:
        process.kill()
        process.wait()


def test_cpu_is_counted_per_session_and_an_unknown_session_has_none(
    burner: "subprocess.Popen[bytes]",
) -> None:
    burned = poll_until(
        lambda: session_cpu_seconds({"burner": burner.pid})["burner"] >= 0.2 or None,
        "0.2 s of CPU in the burner's session",
        timeout=30,
    )
    assert burned
    assert session_cpu_seconds({"nobody": 2**22 + 1}) == {"nobody": 0.0}


def test_one_process_cpu_and_memory_are_read_and_a_gone_one_is_named(
    burner: "subprocess.Popen[bytes]",
) -> None:
    poll_until(lambda: cpu_seconds(burner.pid) >= 0.1, "0.1 s of the burner's CPU", timeout=30)
    assert 1 < rss_mib(burner.pid) < 200
    with pytest.raises(ProcessLookupError, match="no process"):
        cpu_seconds(2**22 + 1)
