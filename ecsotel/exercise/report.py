"""The generated reports: every measured figure of the project lives in one of two files.

docs/performance.md holds what telemetry, data and load cost (`make bench`,
`make bench-list`, `make load`, `make soak-renders`); docs/resilience.md what the
system does under faults (`make drills`, `make pipeline-drill`, `make soak`,
`make fuzz`). Each command replaces only its own `## ` sections and leaves the
others as they are, and each section says which command wrote it, when, and on
what machine: prose elsewhere links here instead of quoting a figure.
"""

import os
import platform
import re
import time
from pathlib import Path

from ecsotel.paths import REPO_ROOT

PERFORMANCE = REPO_ROOT / "docs" / "performance.md"
RESILIENCE = REPO_ROOT / "docs" / "resilience.md"
HEADS = {
    "performance.md": (
        "# Performance\n\nWhat telemetry, a growing list and load cost, each section written by "
        "the command it names (`ecsotel/exercise/`); do not edit by hand.\n"
    ),
    "resilience.md": (
        "# Resilience\n\nWhat users and telemetry see under faults, outages and long runs, each "
        "section written by the command it names (`ecsotel/exercise/`; what each requires: "
        "[hardening.md](hardening.md)); do not edit by hand.\n"
    ),
}


def hardware() -> str:
    """CPU model, core count, memory and kernel, as one line."""
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return (
        f"{model}, {os.cpu_count()} cores, {pages / 2**30:.0f} GiB, "
        f"{platform.system()} {platform.release()}"
    )


def machine() -> str:
    """The hardware and the load average now, as one line."""
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return f"{hardware()}; load average {load} at the end"


def measured_by(command: str) -> str:
    """The line that closes a section: which command, when (UTC) and on what machine."""
    day = time.strftime("%Y-%m-%d", time.gmtime())
    return f"Written by `{command}` on {day}. Machine: {machine()}."


def table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def sections(text: str) -> tuple[str, dict[str, str]]:
    """The text before the first `## ` heading, and each `## ` section by its title."""
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    found = {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}
    return parts[0], found


def write_sections(path: Path, own: dict[str, str], retired: tuple[str, ...] = ()) -> None:
    """Replace (or add, at the end) the sections `own` names; keep every other one in place.

    Sections named in `retired` (a title the command no longer writes) are removed.
    """
    _, existing = sections(path.read_text(encoding="utf-8") if path.exists() else "")
    merged = {
        title: own.get(title, content)
        for title, content in existing.items()
        if title not in retired
    }
    merged.update({title: content for title, content in own.items() if title not in merged})
    head = HEADS.get(path.name, f"# {path.stem}\n")
    body = "".join(f"## {title}\n\n{content.strip()}\n\n" for title, content in merged.items())
    path.write_text(head + "\n" + body.rstrip() + "\n", encoding="utf-8")
