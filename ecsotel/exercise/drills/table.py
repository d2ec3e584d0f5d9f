"""The drills' table: how long each stage lasts, and one row per drill with its verdict.

A row counts what users saw (failed and designed answers, acknowledged todos lost,
the time to recover) and what the frontend logged; a drill passes only when every
outcome it requires held.
"""

from collections import Counter
from dataclasses import dataclass

import httpx

from ecsotel.exercise.drills.checks import LogErrors, frontend_log_errors
from ecsotel.exercise.harness.traffic import REFUSED, Outcome, Traffic
from ecsotel.local.stack import Stack


@dataclass(frozen=True)
class Timing:
    """How long each stage of a drill lasts, in seconds."""

    warm: float
    outage: float
    settle: float


FULL = {
    "collector": Timing(5, 30, 10),
    "postgres": Timing(5, 15, 10),
    "backend": Timing(5, 10, 10),
    "rolling": Timing(5, 0, 10),
    "rotation": Timing(5, 0, 10),
}
SHORT = {name: Timing(2, min(timing.outage, 3), 3) for name, timing in FULL.items()}


@dataclass(frozen=True)
class Row:
    """One drill's line of the table."""

    drill: str
    sent: int
    failed: Counter[int]
    designed: Counter[int]
    lost_todos: int
    recovery_s: float | None
    frontend: LogErrors
    notes: str
    # Required outcomes of this drill alone that did not hold, each in a sentence.
    problems: tuple[str, ...] = ()

    def cells(self) -> list[str]:
        """The row as table cells."""
        failed = ", ".join(f"{n} x {_status(s)}" for s, n in sorted(self.failed.items()))
        designed = ", ".join(f"{n} x {_status(s)}" for s, n in sorted(self.designed.items()))
        recovery = "never" if self.recovery_s is None else f"{self.recovery_s:.1f} s"
        return [
            self.drill,
            str(self.sent),
            failed or "0",
            designed or "-",
            str(self.lost_todos),
            recovery,
            f"{len(self.frontend.unexpected)} (designed: {self.frontend.designed})",
            self.notes,
        ]

    @property
    def passed(self) -> bool:
        """The outcomes every drill requires: no failure, no loss, recovery, a clean log."""
        return (
            not self.failed
            and self.lost_todos == 0
            and self.recovery_s is not None
            and not self.frontend.unexpected
            and not self.problems
        )


def _status(status: int) -> str:
    return {REFUSED: "refused", 0: "no answer"}.get(status, str(status))


HEADER = [
    "drill",
    "sent",
    "failed",
    "designed errors",
    "acked todos lost",
    "recovery",
    "frontend log errors",
    "notes",
]


def recovery_seconds(outcomes: list[Outcome], since: float) -> float | None:
    """From `since` to the first request after which every request succeeded (None: never)."""
    after = [o for o in outcomes if o.started >= since]
    bad = [o.started for o in after if o.failed]
    if not bad:
        return 0.0
    good = [o for o in after if o.started > max(bad)]
    return good[0].started - since if good else None


def lost_todos(stack: Stack, acknowledged: list[int]) -> int:
    """Todos answered 201 that the backend no longer has (every page of the list)."""
    listed: set[int] = set()
    url: str | None = f"{stack.backend_url}/api/todos/?limit=500"
    while url:
        page = httpx.get(url, timeout=30)
        listed |= {todo["id"] for todo in page.json()}
        following = page.links.get("next", {}).get("url")
        url = str(page.url.join(following)) if following else None
    return len(set(acknowledged) - listed)


def build_row(
    stack: Stack,
    drill: str,
    traffic: Traffic,
    frontend: list[str],
    restored: float,
    designed: set[int],
    notes: str,
    excused: frozenset[Outcome] = frozenset(),
    problems: tuple[str, ...] = (),
) -> Row:
    """The row; `excused`: requests whose failure the drill accounts for in its notes."""
    sent = traffic.snapshot()
    outcomes = [o for o in sent if o not in excused]
    statuses = Counter(o.status for o in outcomes)
    return Row(
        drill=drill,
        sent=len(sent),
        failed=Counter(
            {s: n for s, n in statuses.items() if (s == 0 or s >= 500) and s not in designed}
        ),
        designed=Counter({s: n for s, n in statuses.items() if s in designed}),
        lost_todos=lost_todos(stack, traffic.acknowledged),
        recovery_s=recovery_seconds(outcomes, restored),
        frontend=frontend_log_errors(frontend),
        notes=notes,
        problems=problems,
    )
