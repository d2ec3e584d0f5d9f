"""The drills' sections of docs/resilience.md: their tables and verdicts."""

from collections import Counter

from ecsotel.exercise.drills.checks import LogErrors
from ecsotel.exercise.drills.pipeline import FULL
from ecsotel.exercise.drills.run import drills_section, pipeline_section
from ecsotel.exercise.drills.table import Row


def row(drill: str, failed: int = 0) -> Row:
    """A drill's row; `failed` requests that got a 500."""
    return Row(
        drill=drill,
        sent=300,
        failed=Counter({500: failed} if failed else {}),
        designed=Counter({503: 40}),
        lost_todos=0,
        recovery_s=0.0,
        frontend=LogErrors([], 0),
        notes="n",
    )


def test_the_fault_drills_section_tables_every_row_and_names_the_failed_drill() -> None:
    rows = [row("PostgreSQL down 15 s"), row("backend killed", failed=2)]

    text = drills_section(rows, passed=all(r.passed for r in rows))

    assert "| PostgreSQL down 15 s | 300 | 0 | 40 x 503 | 0 | 0.0 s |" in text
    assert "Verdict: FAILED: backend killed." in text
    assert "Written by `make drills`" in text
    assert "Verdict: every drill passed." in drills_section(rows[:1], passed=True)


def test_the_pipeline_section_gives_each_pipelines_loss_and_share() -> None:
    results = {
        "otlp": {"exported_by_app": 1800, "arrived": 1800, "lost": 0},
        "xray-exporter": {"exported_by_app": 1800, "arrived": 641, "lost": 1159},
    }

    text = pipeline_section(results, FULL, [])  # type: ignore[arg-type]

    assert "| `otlp` | 1,800 | 1,800 | **0** (0%) |" in text
    assert "| `xray-exporter` | 1,800 | 641 | **1,159** (64%) |" in text
    assert "the sidecar restarted at second 45" in text
    assert "Verdict: passed." in text
    assert "Verdict: FAILED: otlp: 1 lost" in pipeline_section(results, FULL, ["otlp: 1 lost"])  # type: ignore[arg-type]
