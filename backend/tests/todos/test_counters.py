"""The business counters: todos created, completed and deleted, without attributes."""

from fastapi.testclient import TestClient
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from tests.telemetry.recorded import counter_total, data_points


def test_business_counters_count_created_completed_deleted(
    client: TestClient, metric_reader: InMemoryMetricReader
) -> None:
    before = {
        name: counter_total(metric_reader, name)
        for name in ("app.todos.created", "app.todos.completed", "app.todos.deleted")
    }

    todo = client.post("/api/todos/", json={"title": "count me"}).json()
    client.put(f"/api/todos/{todo['id']}", json={"completed": True})
    client.put(f"/api/todos/{todo['id']}", json={"completed": True})  # already done: no count
    client.delete(f"/api/todos/{todo['id']}")

    after = {name: counter_total(metric_reader, name) for name in before}
    assert {name: after[name] - before[name] for name in before} == {
        "app.todos.created": 1,
        "app.todos.completed": 1,
        "app.todos.deleted": 1,
    }
    points = data_points(metric_reader, "app.todos.created")
    assert all(dict(point.attributes) == {} for point in points)
