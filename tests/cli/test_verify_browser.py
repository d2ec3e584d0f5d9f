"""verify --browser's trace check, fed traces that start at the click and traces that do not."""

import json
from typing import Any

from ecsotel.proof import browser
from ecsotel.proof.report import Report
from tests.cli.test_xray import segment, subsegment


class FakeXRay:
    """Answers BatchGetTraces with fixed segment documents, as moto and X-Ray do."""

    def __init__(self, documents: list[dict[str, Any]]) -> None:
        self.documents = documents

    def batch_get_traces(self, TraceIds: list[str]) -> dict[str, Any]:
        """Every document, in X-Ray's response shape."""
        segments = [{"Document": json.dumps(document)} for document in self.documents]
        return {"Traces": [{"Id": TraceIds[0], "Segments": segments}]}


def _trace(root: str, request: str) -> list[dict[str, Any]]:
    sql = subsegment("todo", "c2", 100.3, sql={"database_type": "postgresql"})
    return [
        segment(root, "r1", None, subsegment(request, "r2", 100.01)),
        segment("nextjs-app", "a1", "r2", subsegment("call", "a2", 100.1)),
        segment("fastapi-app", "b1", "a2", sql),
    ]


def _check(documents: list[dict[str, Any]]) -> Report:
    report = Report.declare(browser.BROWSER_CHECKS)
    traces = {"Server Action": "1-a-b", "API route": "1-c-d"}
    browser.check(FakeXRay(documents), report, traces, timeout=0.3)  # type: ignore[arg-type]
    return report


def test_a_trace_rooted_at_the_click_passes() -> None:
    report = _check(_trace("nextjs-browser", "server_action create"))

    action, api = (report.checks[name] for name in browser.BROWSER_CHECKS[2:])
    assert (action.ran, action.passed) == (True, True)
    assert (api.ran, api.passed) == (True, False), "the API route's request span never arrived"
    assert "PUT /api/todos/id" in api.detail


def test_a_trace_rooted_at_the_server_fails() -> None:
    report = _check(_trace("nextjs-app", "server_action create"))

    action = report.checks[browser.BROWSER_CHECKS[2]]
    assert (action.ran, action.passed) == (True, False)
    assert "timed out" in action.detail
