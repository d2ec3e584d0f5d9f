"""What a piece of work costs per call: the thread's CPU time, or instructions under callgrind.

CPU time moves with whatever else runs on the machine; valgrind's callgrind counts
the instructions a process executes, the same from run to run. Run a bench under
``valgrind --tool=callgrind --callgrind-out-file=/dev/null`` with its
``--callgrind`` option: it then asks callgrind (``callgrind_control``) to zero its
counters before the measured calls and reads them after, every thread's.
"""

import os
import re
import statistics
import subprocess
import time
from collections.abc import Callable


def callgrind(*args: str) -> str:
    """Ask the callgrind this process runs under (callgrind_control) and return its answer."""
    answer = subprocess.run(
        ["callgrind_control", *args, str(os.getpid())],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    if "OK" not in answer and "Totals" not in answer:
        raise RuntimeError(f"not under callgrind? callgrind_control said: {answer.strip()}")
    return answer


def instructions() -> int:
    """Instructions counted since the last zero, every thread's."""
    totals = callgrind("-e", "Ir").split("Totals:", 1)[1]
    return sum(int(n.replace(",", "")) for n in re.findall(r"Th \d+\s+([\d,]+)", totals))


def cpu_us(call: Callable[[], object], calls: int, rounds: int) -> float:
    """Median over rounds of the thread's CPU time per call, in microseconds."""
    for _ in range(calls // 10):
        call()
    per_round = []
    for _ in range(rounds):
        start = time.thread_time()
        for _ in range(calls):
            call()
        per_round.append((time.thread_time() - start) / calls * 1e6)
    return statistics.median(per_round)


def instructions_per_call(call: Callable[[], object], calls: int) -> float:
    """Instructions per call (every thread's), after a warm-up; run under callgrind."""
    for _ in range(calls // 10):
        call()
    callgrind("-z")
    for _ in range(calls):
        call()
    return instructions() / calls


def per_call(call: Callable[[], object], calls: int, rounds: int, counted: bool) -> float:
    """Instructions per call when `counted` (under callgrind), else CPU microseconds."""
    return instructions_per_call(call, calls) if counted else cpu_us(call, calls, rounds)
