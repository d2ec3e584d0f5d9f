"""Every hand-written telemetry piece says why it is not stock, what it costs, when to go.

A reader lifting this code must be able to tell, at the top of each module, whether
it is the stock SDK wired up or a replacement, and for a replacement the measured
reason, the upkeep, and the upstream event that retires it. A module in either
telemetry folder needs those three lines or a place in STOCK_GLUE, with why.
"""

import re
from pathlib import Path

import pytest

from ecsotel.paths import REPO_ROOT

FOLDERS = ("backend/app/telemetry", "frontend/lib/telemetry")
OTHERS = ("frontend/lib/http-server.ts", "frontend/instrumentation.ts")
# Modules that only wire stock packages together (or belong to a piece whose header
# is elsewhere): no replacement, so nothing to justify or retire.
STOCK_GLUE = {
    "backend/app/telemetry/__init__.py": "the package's exports",
    "backend/app/telemetry/setup.py": "the stock SDK's providers and exporters, configured",
    "backend/app/telemetry/logs.py": "the stock logging handler and OTLP exporter, wired",
    "backend/app/telemetry/sampling/client.py": "part of the sampler (its __init__ has the header)",
    "backend/app/telemetry/sampling/reservoir.py": "part of the sampler",
    "backend/app/telemetry/sampling/rules.py": "part of the sampler",
    "backend/app/telemetry/sampling/sampler.py": "part of the sampler",
    "frontend/lib/telemetry/browser/start.ts": "the stock web SDK and instrumentations, started",
    "frontend/lib/telemetry/browser-config.ts": "one setting read on the server",
    "frontend/instrumentation.ts": "Next.js's documented hook, calling sdk.ts",
}
LINES = ("Why not ", "Cost to keep: ", "Delete when: ")


def modules() -> list[str]:
    """Every Python and TypeScript module of the telemetry folders, and the other pieces."""
    found = [
        str(path.relative_to(REPO_ROOT))
        for folder in FOLDERS
        for path in sorted((REPO_ROOT / folder).rglob("*"))
        if path.suffix in {".py", ".ts"}
    ]
    return [*found, *OTHERS]


def missing_lines(path: Path) -> list[str]:
    """Which of the three lines the module's opening comment or docstring lacks."""
    head = "\n".join(path.read_text(encoding="utf-8").splitlines()[:40])
    return [line.strip() for line in LINES if not re.search(rf"^(//\s*|\s*){line}", head, re.M)]


@pytest.mark.parametrize("module", [name for name in modules() if name not in STOCK_GLUE])
def test_each_hand_written_piece_says_why_what_it_costs_and_when_to_delete_it(
    module: str,
) -> None:
    assert missing_lines(REPO_ROOT / module) == []


def test_the_header_check_finds_a_missing_line(tmp_path: Path) -> None:
    piece = tmp_path / "piece.ts"
    piece.write_text("// Why not x: y.\n// Delete when: z.\nexport const a = 1;\n")

    assert missing_lines(piece) == ["Cost to keep:"]


def test_stock_glue_names_only_modules_that_exist() -> None:
    assert [name for name in STOCK_GLUE if not (REPO_ROOT / name).is_file()] == []
