"""Whether the machine is idle enough to measure on: its load, its steal, everyone else's CPU.

On a shared machine a bench's ratios are noise: the same code measured anywhere
from 0.51 to 1.01 beside other sessions' builds. `watching` records the machine
before a bench (the load average once it has settled, then a few seconds of CPU)
and every few seconds during it: the steal (CPU time the hypervisor gave to other
machines) and the CPU of every process outside the bench's own process tree (its
servers, wrk, PostgreSQL and the collector are all its descendants). The CPU of
processes that came and went between two readings is not lost: "others" is the
machine's busy time less the tree's, whose reaped children count in their parent.
`MachineRecord.busy_reasons` names what made the machine busy, if anything.
"""

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from devkit.polling import WaitTimeout, poll_until

from ecsotel.exercise.harness.procfs import ProcessTimes, every_process, machine_cpu


@dataclass(frozen=True)
class IdleLimits:
    """What an idle machine stays within."""

    # The 1-minute load average before the bench (during it, the bench's own load counts).
    load_average: float = 1.0
    # Other processes' CPU, in cores: before, and on average during the bench.
    others_core: float = 0.10
    # ... and in any one interval during it (a neighbour's burst skews those windows).
    others_peak_core: float = 0.5
    # The share of CPU time stolen by the hypervisor, before and during.
    steal: float = 0.05


@dataclass(frozen=True)
class Sample:
    """One reading of the machine."""

    at: float
    busy: float
    steal: float
    total: float
    # CPU seconds of the bench's process tree, reaped children included.
    ours: float
    # Every other process: PID to (name, CPU seconds).
    others: dict[int, tuple[str, float]]


@dataclass(frozen=True)
class Window:
    """The machine between two readings."""

    seconds: float
    others_core: float
    steal: float
    # The busiest other processes by name, in cores, busiest first.
    top: tuple[tuple[str, float], ...]

    def text(self) -> str:
        """Other processes' CPU (and who), and the steal, as a phrase."""
        who = ", ".join(f"{name} {core:.2f}" for name, core in self.top)
        return (
            f"other processes {self.others_core:.2f} core{f' ({who})' if who else ''}, "
            f"steal {self.steal:.1%}"
        )


def sample(root: int) -> Sample:
    """Read the machine, counting `root` and its descendants as ours."""
    processes = every_process()
    cpu = machine_cpu()
    children: dict[int, list[ProcessTimes]] = {}
    for process in processes:
        children.setdefault(process.parent, []).append(process)
    tree, ours = {root}, 0.0
    pending = [p for p in processes if p.pid == root]
    while pending:
        process = pending.pop()
        ours += process.own + process.reaped
        tree.add(process.pid)
        pending += children.get(process.pid, [])
    others = {p.pid: (p.name, p.own) for p in processes if p.pid not in tree}
    return Sample(time.monotonic(), cpu.busy, cpu.steal, cpu.total, ours, others)


def window(first: Sample, last: Sample, top: int = 3) -> Window:
    """What the machine did between two readings."""
    seconds = max(last.at - first.at, 1e-6)
    by_name: dict[str, float] = {}
    for pid, (name, spent) in last.others.items():
        if pid in first.others:
            by_name[name] = by_name.get(name, 0.0) + spent - first.others[pid][1]
    # The kernel's per-process and machine-wide counts are sampled apart and can
    # disagree by a few ticks: the larger of the two, so that no neighbour hides.
    others = max((last.busy - first.busy) - (last.ours - first.ours), sum(by_name.values()), 0.0)
    busiest = tuple(
        (name, core)
        for name, core in sorted(
            ((n, spent / seconds) for n, spent in by_name.items()), key=lambda e: -e[1]
        )[:top]
        if core >= 0.01
    )
    total = last.total - first.total
    steal = (last.steal - first.steal) / total if total > 0 else 0.0
    return Window(seconds, others / seconds, steal, busiest)


@dataclass(frozen=True)
class MachineRecord:
    """The machine before and during a bench."""

    load_before: float
    before: Window
    # The whole bench, and its busiest interval; None when nothing ran.
    during: Window | None = None
    peak: Window | None = None

    def busy_reasons(self, limits: IdleLimits) -> list[str]:
        """Why the machine was not idle (empty when it was)."""
        reasons = []
        if self.load_before > limits.load_average:
            reasons.append(f"load average {self.load_before:.2f} before")
        for label, seen in (("before", self.before), ("during", self.during)):
            if seen is not None and (
                seen.others_core > limits.others_core or seen.steal > limits.steal
            ):
                reasons.append(f"{seen.text()} {label}")
        if self.peak is not None and self.peak.others_core > limits.others_peak_core:
            reasons.append(f"{self.peak.text()} for {self.peak.seconds:.0f} s during")
        return reasons

    def line(self) -> str:
        """The machine as the report prints it beside the verdict."""
        text = f"load average {self.load_before:.2f} before; {self.before.text()} before"
        if self.during is not None:
            text += f"; {self.during.text()} during ({self.during.seconds / 60:.0f} min)"
        if self.peak is not None:
            text += f", at most {self.peak.others_core:.2f} core in {self.peak.seconds:.0f} s"
        return text


class Watch:
    """Readings of the machine every `interval` seconds, in a thread of its own."""

    def __init__(self, root: int, interval: float) -> None:
        self.root = root
        self.interval = interval
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="machine-watch", daemon=True)

    def _run(self) -> None:
        while True:
            self.samples.append(sample(self.root))
            if self._stop.wait(self.interval):
                self.samples.append(sample(self.root))
                return

    def start(self) -> None:
        """Begin reading."""
        self._thread.start()

    def stop(self) -> None:
        """Take the last reading and stop."""
        self._stop.set()
        self._thread.join()

    def windows(self) -> tuple[Window | None, Window | None]:
        """The whole watch and its busiest interval (None before two readings)."""
        if len(self.samples) < 2:
            return None, None
        steps = [window(a, b) for a, b in zip(self.samples, self.samples[1:], strict=False)]
        return window(self.samples[0], self.samples[-1]), max(steps, key=lambda w: w.others_core)


def settled_load(limits: IdleLimits, wait: float) -> float:
    """The 1-minute load average, after waiting up to `wait` s for it to fall within the limit.

    The load average decays over about a minute: a bench started right after a build
    or another bench waits for it, rather than being judged on what has already ended.
    """
    if wait > 0:
        with suppress(WaitTimeout):
            poll_until(
                lambda: os.getloadavg()[0] <= limits.load_average,
                f"the load average to fall to {limits.load_average}",
                timeout=wait,
                interval=1.0,
            )
    return os.getloadavg()[0]


@contextmanager
def watching(
    limits: IdleLimits,
    *,
    idle_wait: float = 120.0,
    before_seconds: float = 5.0,
    interval: float = 10.0,
    root: int | None = None,
) -> Iterator[list[MachineRecord]]:
    """Record the machine before and during the block; the record is in the yielded list after.

    `root` is the process whose tree is the bench's own (this process by default).
    """
    root = os.getpid() if root is None else root
    load = settled_load(limits, idle_wait)
    first = sample(root)
    # The measuring window itself, not a wait for anything.
    time.sleep(before_seconds)
    before = window(first, sample(root))
    during = Watch(root, interval)
    record: list[MachineRecord] = []
    during.start()
    try:
        yield record
    finally:
        during.stop()
        whole, peak = during.windows()
        record.append(MachineRecord(load, before, whole, peak))
