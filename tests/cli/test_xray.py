"""Trace ids and trace trees built from X-Ray segment documents."""

import time

from rich.console import Console

from ecsotel.xray import Document, TraceId, build_tree, path_from_click, render


def segment(service: str, id_: str, parent: str | None, *subsegments: Document) -> Document:
    """An X-Ray segment document as the collector's awsxray exporter writes it."""
    document: Document = {
        "name": service,
        "id": id_,
        "trace_id": "1-5f84c7a1-0123456789abcdef01234567",
        "start_time": 100.0,
        "end_time": 100.5,
        "subsegments": list(subsegments),
    }
    if parent:
        document["parent_id"] = parent
    return document


def subsegment(name: str, id_: str, start: float, **extra: object) -> Document:
    """A subsegment (a client call inside a service)."""
    return {"name": name, "id": id_, "start_time": start, "end_time": start + 0.1, **extra}


def test_trace_id_has_both_forms_and_an_epoch_prefix() -> None:
    trace = TraceId.new()

    assert len(trace.hex) == 32
    assert trace.xray == f"1-{trace.hex[:8]}-{trace.hex[8:]}"
    assert abs(int(trace.hex[:8], 16) - time.time()) < 60
    headers = trace.headers()
    assert headers["traceparent"].startswith(f"00-{trace.hex}-")
    assert headers["X-Amzn-Trace-Id"].startswith(f"Root={trace.xray};Parent=")


def test_alb_headers_are_the_root_only_form_a_load_balancer_sends() -> None:
    trace = TraceId("5759e988bd862e3fe1be46a994272793")

    assert trace.alb_headers() == {"X-Amzn-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793"}


def test_backend_segment_hangs_under_the_frontend_call_that_made_it() -> None:
    sql = subsegment("todo@127.0.0.1", "c3", 100.2, sql={"database_type": "postgresql"})
    frontend = segment(
        "nextjs-app",
        "a1",
        None,
        subsegment("render", "a2", 100.05),
        subsegment("fetch POST", "a3", 100.1),
    )
    backend = segment("fastapi-app", "b1", "a3", sql)

    [root] = build_tree([backend, frontend])

    assert (root.service, root.name) == ("nextjs-app", "nextjs-app")
    assert [child.id for child in root.children] == ["a2", "a3"]
    [called] = root.children[1].children
    assert (called.service, called.id) == ("fastapi-app", "b1")
    assert called.children[0].sql == {"database_type": "postgresql"}
    assert called.children[0].service == "fastapi-app"


def test_segment_whose_parent_never_arrived_is_a_root() -> None:
    roots = build_tree([segment("fastapi-app", "b1", "missing")])

    assert [root.id for root in roots] == ["b1"]


def test_status_follows_xray_flags() -> None:
    [ok, error, fault] = build_tree(
        [
            {"name": "s", "id": "1", "start_time": 1.0, "end_time": 2.0},
            {"name": "s", "id": "2", "start_time": 2.0, "end_time": 3.0, "error": True},
            {"name": "s", "id": "3", "start_time": 3.0, "end_time": 4.0, "fault": True},
        ]
    )

    assert (ok.status, error.status, fault.status) == ("ok", "error", "fault")
    assert ok.duration_ms == 1000.0


def test_standalone_subsegment_documents_belong_to_their_parents_service() -> None:
    frontend = segment("nextjs-app", "a1", None)
    call: Document = {**subsegment("POST /api/todos/", "a2", 100.1), "parent_id": "a1"}
    call["type"] = "subsegment"
    backend = segment("fastapi-app", "b1", "a2")
    query: Document = {**subsegment("todo", "b2", 100.2), "parent_id": "b1", "type": "subsegment"}

    [root] = build_tree([query, backend, call, frontend])

    [called] = root.children
    assert (called.name, called.service) == ("POST /api/todos/", "nextjs-app")
    [backend_span] = called.children
    assert backend_span.service == "fastapi-app"
    assert [(span.name, span.service) for span in backend_span.children] == [
        ("todo", "fastapi-app")
    ]


def _browser_trace(*, sql: bool = True, root: str = "nextjs-browser") -> list[Document]:
    """A click's trace: the browser's segment, its request, nextjs-app, fastapi-app, SQL."""
    query = subsegment(
        "todo", "c2", 100.3, **({"sql": {"database_type": "postgresql"}} if sql else {})
    )
    return [
        segment(root, "r1", None, subsegment("server_action create", "r2", 100.01)),
        segment("nextjs-app", "a1", "r2", subsegment("POST /api/todos/", "a2", 100.1)),
        segment("fastapi-app", "b1", "a2", query),
    ]


def test_path_from_click_follows_the_browser_segment_down_to_sql() -> None:
    path = path_from_click(build_tree(_browser_trace()), "server_action create")

    assert path is not None
    assert [span.id for span in path] == ["r1", "r2", "a1", "b1", "c2"]


def test_path_from_click_is_none_without_sql_or_without_the_browser_root() -> None:
    assert path_from_click(build_tree(_browser_trace(sql=False)), "server_action create") is None
    other_root = build_tree(_browser_trace(root="nextjs-app"))
    assert path_from_click(other_root, "server_action create") is None
    assert path_from_click(build_tree(_browser_trace()), "PUT /api/todos/id") is None


def test_a_browser_segment_is_rendered_with_its_click() -> None:
    root = segment("nextjs-browser", "r1", None)
    root["metadata"] = {
        "default": {"app.interaction.type": "click", "app.interaction.action": "create"}
    }
    console = Console(width=100, record=True)

    console.print(render(build_tree([root]), "trace"))

    assert "nextjs-browser click create" in console.export_text()
