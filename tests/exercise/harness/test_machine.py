"""The machine watch: a busy neighbour is seen and named, the bench's own processes are not.

A hog here is a real process burning a core, named `cpu-hog` (prctl) so that it can
be told from every other Python process on the machine.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from devkit.polling import poll_until

from ecsotel.exercise.harness.machine import (
    IdleLimits,
    MachineRecord,
    Window,
    sample,
    watching,
    window,
)
from ecsotel.exercise.harness.procfs import cpu_seconds

HOG = "import ctypes\nctypes.CDLL(None).prctl(15, b'cpu-hog', 0, 0, 0)\nwhile True: pass"
QUIET = Window(5, 0.02, 0.001, ())


@pytest.fixture
def hog() -> Iterator["subprocess.Popen[bytes]"]:
    """A process of ours (this test's child) burning a core until killed."""
    process = subprocess.Popen([sys.executable, "-c", HOG], start_new_session=True)
    try:
        poll_until(
            lambda: Path(f"/proc/{process.pid}/comm").read_text().strip() == "cpu-hog",
            "the hog to take its name",
        )
        yield process
    finally:
        process.kill()
        process.wait()


@pytest.fixture
def elsewhere() -> Iterator[int]:
    """The PID of a process tree that is not this test's: a bench of which the hog is no part."""
    process = subprocess.Popen(["sleep", "600"])
    try:
        yield process.pid
    finally:
        process.kill()
        process.wait()


def burned(pid: int, seconds: float) -> None:
    """Wait until `pid` has used `seconds` of CPU."""
    start = cpu_seconds(pid)
    poll_until(
        lambda: cpu_seconds(pid) - start >= seconds, f"{seconds} s of CPU by {pid}", timeout=60
    )


def test_a_hog_outside_the_bench_counts_as_another_process_by_name(
    hog: "subprocess.Popen[bytes]", elsewhere: int
) -> None:
    first = sample(elsewhere)
    burned(hog.pid, 0.5)
    seen = window(first, sample(elsewhere), top=20)

    assert dict(seen.top).get("cpu-hog", 0) >= IdleLimits().others_core
    assert seen.others_core >= dict(seen.top)["cpu-hog"] * 0.9


def test_the_benchs_own_processes_are_not_others(hog: "subprocess.Popen[bytes]") -> None:
    first = sample(os.getpid())
    burned(hog.pid, 0.5)
    seen = window(first, sample(os.getpid()), top=50)

    assert "cpu-hog" not in dict(seen.top)


def test_a_watch_with_a_hog_beside_it_is_busy_and_says_so(
    hog: "subprocess.Popen[bytes]", elsewhere: int
) -> None:
    with watching(
        IdleLimits(), idle_wait=0, before_seconds=1, interval=0.5, root=elsewhere
    ) as record:
        burned(hog.pid, 1.0)

    (machine,) = record
    assert machine.during is not None
    assert machine.during.others_core > IdleLimits().others_core
    assert machine.busy_reasons(IdleLimits())
    assert "other processes" in machine.line()


def test_each_limit_on_its_own_makes_the_machine_busy() -> None:
    limits = IdleLimits(load_average=1.0, others_core=0.1, others_peak_core=0.5, steal=0.05)
    idle = MachineRecord(0.5, QUIET, QUIET, QUIET)
    busy = {
        "load average 1.20 before": MachineRecord(1.2, QUIET, QUIET, QUIET),
        "other processes 0.30 core (make 0.30), steal 0.1% before": MachineRecord(
            0.5, Window(5, 0.3, 0.001, (("make", 0.3),)), QUIET, QUIET
        ),
        "other processes 0.02 core, steal 13.0% during": MachineRecord(
            0.5, QUIET, Window(900, 0.02, 0.13, ()), QUIET
        ),
        "other processes 0.60 core (cc1 0.60), steal 0.1% for 10 s during": MachineRecord(
            0.5, QUIET, QUIET, Window(10, 0.6, 0.001, (("cc1", 0.6),))
        ),
    }

    assert idle.busy_reasons(limits) == []
    for reason, record in busy.items():
        assert record.busy_reasons(limits) == [reason]
