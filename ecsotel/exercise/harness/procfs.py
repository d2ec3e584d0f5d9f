"""The one /proc reader (Linux): a process's CPU time and resident memory.

Every service the supervisor starts runs in a session of its own
(ecsotel.local.process), so a session's CPU is the service's, PostgreSQL's
per-connection processes included.
"""

import os
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
    for pid_dir in Path("/proc").iterdir():
        if not pid_dir.name.isdigit():
            continue
        fields = _stat_fields(pid_dir.name)
        if fields is None or int(fields[3]) not in names:
            continue
        name = names[int(fields[3])]
        ticks = int(fields[11]) + int(fields[12])
        if int(pid_dir.name) == sessions[name]:
            ticks += int(fields[13]) + int(fields[14])
        totals[name] += ticks / CLOCK_TICKS
    return totals


def rss_mib(pid: int) -> float:
    """Resident memory of one process (VmRSS in /proc/PID/status), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")
