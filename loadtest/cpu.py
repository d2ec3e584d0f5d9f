"""CPU time spent by each component of the stack, from /proc (Linux).

Every service runs in its own session (ecsotel starts each with start_new_session),
so a session's CPU is the service's: PostgreSQL's per-connection processes included.
This is what maps the local figures onto 0.5 vCPU Fargate tasks.
"""

import os
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid_dir: Path) -> list[str] | None:
    try:
        text = (pid_dir / "stat").read_text()
    except OSError:  # the process ended between listing and reading
        return None
    # The command name may contain spaces and parentheses: fields start after the last ")".
    return text[text.rindex(")") + 2 :].split()


def cpu_seconds(sessions: dict[str, int]) -> dict[str, float]:
    """User + system CPU seconds of every live process in each named session (by leader pid)."""
    names = {sid: name for name, sid in sessions.items()}
    totals = dict.fromkeys(sessions, 0.0)
    for pid_dir in Path("/proc").iterdir():
        if not pid_dir.name.isdigit():
            continue
        fields = _stat_fields(pid_dir)
        if fields is None or int(fields[3]) not in names:
            continue
        name = names[int(fields[3])]
        ticks = int(fields[11]) + int(fields[12])
        if int(pid_dir.name) == sessions[name]:
            ticks += int(fields[13]) + int(fields[14])  # children it has waited for
        totals[name] += ticks / CLOCK_TICKS
    return totals
