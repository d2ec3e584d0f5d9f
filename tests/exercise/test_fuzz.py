"""Reading a Schemathesis JSON report: failures, errors and an early stop are never a pass."""

from typing import Any

from ecsotel.exercise.fuzz import read_report, section


def report(**changes: Any) -> dict[str, Any]:
    """A clean report of 7 operations and 893 cases, with `changes` applied."""
    base: dict[str, Any] = {
        "stop_reason": "completed",
        "operations": {"tested": 7},
        "test_cases": {"generated": 893},
        "phases": {"stateful": {"status": "success"}},
        "failures": [],
        "errors": [],
    }
    return base | changes


def test_a_clean_report_has_no_failures() -> None:
    result = read_report(report())
    assert (result.operations, result.generated, result.failures) == (7, 893, [])
    assert result.summary() == "7 operations, 893 cases, 0 failures, 0 errors, stateful success"


def test_failures_name_the_check_and_operations() -> None:
    failure = {"code": "ST101", "title": "Server error", "operations": ["POST /api/todos/"]}
    assert read_report(report(failures=[failure])).failures == [
        "ST101 Server error: POST /api/todos/"
    ]


def test_an_interrupted_run_is_an_error() -> None:
    assert read_report(report(stop_reason="interrupted")).errors != []


def test_an_errored_operation_is_an_error() -> None:
    assert read_report(report(errors=[{"message": "schema unreachable"}])).errors != []


def test_a_run_passes_only_clean_complete_and_with_every_case() -> None:
    assert read_report(report()).passed(examples=200)
    assert not read_report(report()).passed(examples=1000)
    failure = {"code": "ST101", "title": "Server error", "operations": ["POST /api/todos/"]}
    assert not read_report(report(failures=[failure])).passed(examples=200)
    assert not read_report(report(stop_reason="interrupted")).passed(examples=200)
    stateful_failed = report(phases={"stateful": {"status": "failure"}})
    assert not read_report(stateful_failed).passed(examples=200)


def test_the_section_tables_each_api_and_fails_on_any_failure() -> None:
    clean = read_report(report())
    failing = read_report(report(failures=[{"code": "X", "title": "t", "operations": ["o"]}]))

    text = section({"fastapi-app": clean}, examples=200, seed=11)

    assert "| fastapi-app | 7 | 893 | 0 | 0 | success |" in text
    assert "200 cases per operation, seed 11" in text
    assert "Verdict: passed." in text
    assert "Verdict: FAILED." in section({"fastapi-app": failing}, examples=200, seed=11)
    # Fewer cases than asked for is no pass either.
    assert "Verdict: FAILED." in section({"fastapi-app": clean}, examples=1000, seed=11)
