"""verify's report: declared checks, and a pass only when every one of them ran and passed."""

import pytest

from ecsotel.proof.report import Report
from ecsotel.proof.run import declared_checks


def test_a_declared_check_that_never_ran_fails_the_report() -> None:
    report = Report.declare(["page renders", "trace arrived"])

    report.add("page renders", True)

    assert not report.passed
    assert [check.name for check in report.failed()] == ["trace arrived"]
    assert report.checks["trace arrived"].outcome() == "FAILED (not run: no reason recorded)"


def test_not_run_keeps_the_first_reason_and_spares_checks_that_ran() -> None:
    report = Report.declare(["create", "toggle", "delete"])
    report.add("create", True)

    report.not_run(["create", "toggle", "delete"], "the page has no toggle form")
    report.not_run(["toggle", "delete"], "the stage ended before this check")

    assert report.checks["create"].outcome() == "passed"
    assert report.checks["toggle"].outcome() == "FAILED (not run: the page has no toggle form)"
    assert not report.passed


def test_report_passes_only_when_every_declared_check_passed() -> None:
    report = Report.declare(["a", "b"])
    report.add("a", True)
    report.add("b", True)

    assert report.passed


def test_an_empty_report_does_not_pass() -> None:
    assert not Report.declare([]).passed


def test_recording_an_undeclared_check_is_a_programming_error() -> None:
    with pytest.raises(KeyError, match="was not declared"):
        Report.declare(["a"]).add("b", True)


def test_verify_declares_every_stage_and_both_traces() -> None:
    names = declared_checks()

    assert len(names) == len(set(names))
    assert "page renders" in names
    assert "Server Action: create" in names
    assert "API route: DELETE /api/todos/{id}" in names
    assert "Server Action create: trace complete in X-Ray" in names
    assert "API route create: PostgreSQL SQL subsegment under fastapi-app" in names
    assert any(name.startswith("EMF: fastapi-app metrics") for name in names)
