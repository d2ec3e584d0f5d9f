"""Traces that start at the user's click: Chromium's spans, relayed by the Next.js
origin, are the roots of the same X-Ray traces as nextjs-app, fastapi-app and SQL.

The trace id is read from the `traceparent` the page sent with its request, then
the trace is read back from the stack's X-Ray (moto) and checked as a tree.
"""

import json
from collections.abc import Callable

import boto3
import pytest
from devkit.polling import WaitTimeout, poll_until
from playwright.sync_api import Request, expect

from ecsotel import xray
from ecsotel.local.stack import Stack
from ecsotel.proof.browser import sdk_started
from tests.e2e import test_browser as shared
from tests.e2e.test_browser import BrowserPage, Todos

pytestmark = pytest.mark.e2e

# The browser tests' fixtures, shared by assignment: pytest finds a module's
# fixtures among its attributes.
browser = shared.browser
open_page = shared.open_page
todos = shared.todos
_title = shared._title

BROWSER = xray.BROWSER
TRACE_TIMEOUT = 60.0


def _started(ui: BrowserPage) -> None:
    """Waits until the lazily loaded browser SDK has started (it marks the timeline)."""
    assert sdk_started(ui.page, timeout=30), "the browser SDK never started"


def _is_server_action(request: Request) -> bool:
    """A Server Action call: a POST with Next.js's action id header."""
    return request.method == "POST" and "next-action" in request.headers


def _trace_id(request: Request) -> str:
    """The X-Ray form of the trace id in a request's W3C traceparent."""
    traceparent = request.headers.get("traceparent")
    assert traceparent, f"{request.method} {request.url} carried no traceparent"
    return xray.TraceId(traceparent.split("-")[1]).xray


def _browser_trace(stack: Stack, trace_id: str, request_span: str) -> list[xray.Span]:
    """Polls X-Ray until the trace holds the whole path from the click down to SQL."""
    client = boto3.client("xray", **stack.aws.client_settings())

    arrived: list[xray.Span] = []

    def path() -> tuple[list[xray.Span], list[xray.Span]] | None:
        arrived[:] = xray.build_tree(xray.trace_documents(client, trace_id))
        found = xray.path_from_click(arrived, request_span)
        return (arrived, found) if found else None

    try:
        roots, found = poll_until(
            path,
            f"trace {trace_id}: {BROWSER} > {request_span} > nextjs-app > fastapi-app > SQL",
            timeout=TRACE_TIMEOUT,
        )
    except WaitTimeout as error:
        seen = [f"{span.service}: {span.name}" for root in arrived for span in root.walk()]
        raise WaitTimeout(f"{error}; what arrived: {seen}") from None
    assert len(roots) == 1, f"the trace has {len(roots)} roots, not one: {[r.name for r in roots]}"
    return found


def _browser_documents(path: list[xray.Span]) -> str:
    """Everything the browser tier sent in this trace, as JSON text."""
    return json.dumps([span.document for span in path[0].walk() if span.service == BROWSER])


def test_add_is_traced_from_the_click_through_the_server_action(
    open_page: Callable[..., BrowserPage], stack: Stack
) -> None:
    ui = open_page()
    _started(ui)
    title = _title("Trace the click")
    ui.page.get_by_label("New todo").fill(title)

    with ui.page.expect_request(_is_server_action) as post:
        ui.page.get_by_role("button", name="Add").click()
    created = ui.page.get_by_test_id("todo-item").filter(has_text=title)
    expect(created).to_have_count(1)

    path = _browser_trace(stack, _trace_id(post.value), "server_action create")

    assert path[0].document.get("name") == BROWSER
    assert path[0].interaction == "click create"
    sent = _browser_documents(path)
    assert title not in sent, "a todo title reached the browser's spans"
    assert "?" not in sent, "a query string reached the browser's spans"


def test_toggle_is_traced_from_the_click_through_the_api_route(
    open_page: Callable[..., BrowserPage], todos: Todos, stack: Stack
) -> None:
    title = _title("Trace the toggle")
    todo_id = todos.create(title)
    ui = open_page()
    _started(ui)
    row = ui.item(todo_id).row

    with ui.page.expect_request(lambda r: r.method == "PUT") as put:
        row.get_by_role("button", name=f"Mark “{title}” as done").click()
    expect(row).not_to_have_attribute("aria-busy", "true")

    # X-Ray keeps no braces in names: the route template /api/todos/{id} reads /api/todos/id.
    path = _browser_trace(stack, _trace_id(put.value), "PUT /api/todos/id")

    sent = _browser_documents(path)
    assert title not in sent, "a todo title reached the browser's spans"
    assert f"/api/todos/{todo_id}" not in sent, "a todo id reached the browser's spans"


def test_browser_spans_go_to_the_origin_only(
    open_page: Callable[..., BrowserPage], todos: Todos
) -> None:
    title = _title("Count the exports")
    todo_id = todos.create(title)
    ui = open_page()
    _started(ui)

    with ui.page.expect_response(lambda r: r.url.endswith("/api/telemetry/v1/traces")) as export:
        ui.item(todo_id).row.get_by_role("button", name=f"Mark “{title}” as done").click()

    assert export.value.status == 200
    assert export.value.request.headers.get("content-type") == "application/json"
    assert "traceparent" not in export.value.request.headers, "the export traced itself"
    assert ui.foreign_requests() == []
