"""The one /proc reader (Linux): CPU time and resident memory, of a process or the machine.

Every service the supervisor starts runs in a session of its own
(ecsotel.local.process), so a session's CPU is the service's, PostgreSQL's
per-connection processes included.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int | str) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name; None when the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # the process ended between listing and reading
        return None
    # The command name (field 2) may contain spaces and parentheses; the fields after
    # the last ")" do not. Index 0 here is the state (field 3).
    return text.rpartition(")")[2].split()


def _every_process() -> Iterator[tuple[int, str, list[str]]]:
    """PID, command name and stat fields (as `_stat_fields`) of every live process."""
    for pid_dir in Path("/proc").iterdir():
        if not pid_dir.name.isdigit():
            continue
        try:
            text = (pid_dir / "stat").read_text()
        except OSError:  # the process ended between listing and reading
            continue
        head, _, tail = text.rpartition(")")
        yield int(pid_dir.name), head.partition("(")[2], tail.split()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of one process so far."""
    fields = _stat_fields(pid)
    if fields is None:
        raise ProcessLookupError(f"no process {pid}")
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def session_cpu_seconds(sessions: dict[str, int]) -> dict[str, float]:
    """User + system CPU seconds of every live process in each named session (by leader PID).

    The leader's count includes the children it has waited for, so the CPU of a
    process that ended during the measurement is not lost.
    """
    names = {sid: name for name, sid in sessions.items()}
    totals = dict.fromkeys(sessions, 0.0)
    for pid, _, fields in _every_process():
        if int(fields[3]) not in names:
            continue
        name = names[int(fields[3])]
        ticks = int(fields[11]) + int(fields[12])
        if pid == sessions[name]:
            ticks += int(fields[13]) + int(fields[14])
        totals[name] += ticks / CLOCK_TICKS
    return totals


@dataclass(frozen=True)
class ProcessTimes:
    """One live process: its parent, its name and its CPU seconds so far."""

    pid: int
    parent: int
    name: str
    # Its own user + system time, and that of the children it has waited for.
    own: float
    reaped: float


def every_process() -> list[ProcessTimes]:
    """Every live process on the machine, kernel threads included."""
    return [
        ProcessTimes(
            pid=pid,
            parent=int(fields[1]),
            name=name,
            own=(int(fields[11]) + int(fields[12])) / CLOCK_TICKS,
            reaped=(int(fields[13]) + int(fields[14])) / CLOCK_TICKS,
        )
        for pid, name, fields in _every_process()
    ]


@dataclass(frozen=True)
class MachineCpu:
    """The machine's CPU seconds so far, all cores added up (the first line of /proc/stat)."""

    # Running processes: user, nice and system time (guest time is inside user). Not
    # irq and softirq: the kernel charges those to no process, and most of it is the
    # bench's own loopback traffic, which would otherwise count as someone else's.
    busy: float
    # Wanted by this virtual machine but given to another by the hypervisor.
    steal: float
    total: float


def machine_cpu() -> MachineCpu:
    """The machine's busy, stolen and total CPU seconds so far."""
    first = Path("/proc/stat").read_text().splitlines()[0].split()
    user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in first[1:9])
    busy = user + nice + system
    return MachineCpu(
        busy=busy / CLOCK_TICKS,
        steal=steal / CLOCK_TICKS,
        total=(busy + idle + iowait + irq + softirq + steal) / CLOCK_TICKS,
    )


def rss_mib(pid: int) -> float:
    """Resident memory of one process (VmRSS in /proc/PID/status), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")
