"""verify's report: every check is declared before anything runs, so none can go missing.

A check that never ran (its stage stopped early, the app or AWS was unreachable)
is reported as FAILED with the reason it did not run; the report passes only
when every declared check ran and passed.
"""

from dataclasses import dataclass, field

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree


@dataclass
class Check:
    """One verified claim: declared first, then run (passed or not) or left not run."""

    name: str
    ran: bool = False
    passed: bool = False
    detail: str = ""

    def outcome(self) -> str:
        """passed, FAILED, or FAILED (not run: why)."""
        if not self.ran:
            return f"FAILED (not run: {self.detail or 'no reason recorded'})"
        return "passed" if self.passed else "FAILED"


@dataclass
class Report:
    """The declared checks, in order, and the trace trees to show."""

    checks: dict[str, Check] = field(default_factory=dict)
    trees: list[Tree] = field(default_factory=list)

    @classmethod
    def declare(cls, names: list[str]) -> "Report":
        """A report of these checks, none run yet."""
        if len(set(names)) != len(names):
            raise ValueError("a check is declared twice")
        return cls(checks={name: Check(name) for name in names})

    def add(self, name: str, passed: bool, detail: str = "") -> bool:
        """Record that a declared check ran; return whether it passed."""
        check = self.checks.get(name)
        if check is None:
            raise KeyError(f"check {name!r} was not declared")
        check.ran, check.passed, check.detail = True, passed, detail
        return passed

    def not_run(self, names: list[str], why: str) -> None:
        """Mark each of these checks that has not run as not run, with the reason."""
        for name in names:
            check = self.checks[name]
            if not check.ran and not check.detail:
                check.detail = why

    def failed(self) -> list[Check]:
        """Every check that did not run, or ran and failed."""
        return [check for check in self.checks.values() if not (check.ran and check.passed)]

    @property
    def passed(self) -> bool:
        """Whether every declared check ran and passed (and there was at least one)."""
        return bool(self.checks) and not self.failed()

    def print(self, console: Console) -> None:
        """A table of the checks, then the traces as trees."""
        table = Table(title="verify", show_lines=False)
        table.add_column("check")
        table.add_column("result")
        table.add_column("detail", overflow="fold")
        for check in self.checks.values():
            outcome = escape(check.outcome())
            mark = "[green]passed[/]" if check.ran and check.passed else f"[bold red]{outcome}[/]"
            table.add_row(check.name, mark, escape(check.detail) if check.ran else "")
        console.print(table)
        for tree in self.trees:
            console.print(tree)
