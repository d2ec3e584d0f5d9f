"""verify's reading of traces and EMF documents."""

from ecsotel.proof.checks import EMF_NAMESPACE, TraceFindings, metrics_by_service
from ecsotel.xray import Document, build_tree


def linked_trace(*, with_sql: bool = True) -> list[Document]:
    """The segments of one Server Action: nextjs-app calls fastapi-app, which queries."""
    sql = {"url": "127.0.0.1:5432/todo", "database_type": "postgresql"}
    query: Document = {"name": "INSERT todo", "id": "b2", "start_time": 1.2, "end_time": 1.3}
    if with_sql:
        query["sql"] = sql
    return [
        {
            "name": "nextjs-app",
            "id": "a1",
            "start_time": 1.0,
            "end_time": 2.0,
            "subsegments": [{"name": "POST", "id": "a2", "start_time": 1.1, "end_time": 1.9}],
        },
        {
            "name": "fastapi-app",
            "id": "b1",
            "parent_id": "a2",
            "start_time": 1.15,
            "end_time": 1.85,
            "subsegments": [query],
        },
    ]


def test_complete_trace_is_linked_and_has_sql() -> None:
    findings = TraceFindings(build_tree(linked_trace()))

    assert findings.services() == {"nextjs-app", "fastapi-app"}
    assert findings.linked()
    sql = findings.sql_under_backend()
    assert sql is not None
    assert sql.id == "b2"
    assert findings.complete()


def test_trace_without_sql_is_incomplete() -> None:
    findings = TraceFindings(build_tree(linked_trace(with_sql=False)))

    assert findings.linked()
    assert not findings.complete()


def test_unlinked_backend_segment_is_not_a_child() -> None:
    documents = linked_trace()
    documents[1]["parent_id"] = "elsewhere"

    assert not TraceFindings(build_tree(documents)).linked()


def test_metrics_are_grouped_by_service_within_the_declared_namespace() -> None:
    def emf(service: str, namespace: str, *names: str) -> Document:
        return {
            "_aws": {
                "Timestamp": 0,
                "CloudWatchMetrics": [
                    {
                        "Namespace": namespace,
                        "Dimensions": [["service.name"]],
                        "Metrics": [{"Name": name, "Unit": "Count"} for name in names],
                    }
                ],
            },
            "service.name": service,
        }

    found = metrics_by_service(
        [
            emf("fastapi-app", EMF_NAMESPACE, "app.todos.created"),
            emf("fastapi-app", EMF_NAMESPACE, "http.server.request.duration"),
            emf("nextjs-app", "Other/Namespace", "app.server_action.invocations"),
        ]
    )

    assert found == {"fastapi-app": {"app.todos.created", "http.server.request.duration"}}
