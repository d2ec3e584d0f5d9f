"""Regression tests for what Schemathesis found (tests/e2e/test_fuzz.py), one per finding."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("title", ["a\x00b", "\x00"])
def test_nul_in_a_title_is_a_422_not_a_500(client: TestClient, title: str) -> None:
    """PostgreSQL text cannot hold NUL: the INSERT failed with a 500."""
    response = client.post("/api/todos/", json={"title": title})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "title"]
    assert client.get("/api/todos/").json() == []


def test_a_lone_surrogate_in_a_title_is_a_422(client: TestClient) -> None:
    raw = b'{"title": "a\\ud800"}'
    response = client.post("/api/todos/", content=raw, headers={"content-type": "application/json"})

    assert response.status_code == 422


@pytest.mark.parametrize(
    "body", [{"title": None}, {"completed": None}, {"title": None, "completed": True}]
)
def test_null_in_an_update_is_refused_as_the_schema_says(
    client: TestClient, body: dict[str, Any]
) -> None:
    """The schema declared both fields optional and non-null; null was half accepted."""
    todo = client.post("/api/todos/", json={"title": "kept"}).json()

    response = client.put(f"/api/todos/{todo['id']}", json=body)

    assert response.status_code == 422
    assert client.get(f"/api/todos/{todo['id']}").json()["completed"] is False


def test_update_schema_requires_one_property(client: TestClient) -> None:
    """`{}` was schema-valid but refused; the schema now says minProperties 1."""
    schemas = client.get("/openapi.json").json()["components"]["schemas"]

    assert schemas["TodoUpdate"]["minProperties"] == 1
    assert "null" not in str(schemas["TodoUpdate"]["properties"])


@pytest.mark.parametrize(
    ("path", "allow"),
    [("/api/todos/", "GET, POST"), ("/api/todos/1", "DELETE, GET, PUT"), ("/healthz", "GET")],
)
def test_method_not_allowed_names_every_method_of_the_path(
    client: TestClient, path: str, allow: str
) -> None:
    """Starlette's 405 named only the first route's methods."""
    response = client.request("PATCH", path)

    assert response.status_code == 405
    assert response.headers["allow"] == allow


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        ("/api/todos/", "post", {"201", "400", "413", "422", "503"}),
        ("/api/todos/{todo_id}", "get", {"200", "404", "422", "503"}),
        ("/api/todos/{todo_id}", "put", {"200", "400", "404", "413", "422", "503"}),
        ("/api/todos/{todo_id}", "delete", {"204", "404", "422", "503"}),
    ],
)
def test_every_status_the_api_answers_is_documented(
    client: TestClient, path: str, method: str, statuses: set[str]
) -> None:
    """404, 400, 413 and 503 were answered but not in the OpenAPI document."""
    operation = client.get("/openapi.json").json()["paths"][path][method]

    assert set(operation["responses"]) == statuses
    assert "Retry-After" in operation["responses"]["503"]["headers"]


@pytest.mark.parametrize("title", [" ", "\x1c\x1f", "\u3000"])
def test_a_title_of_whitespace_is_schema_invalid_as_well_as_refused(
    client: TestClient, title: str
) -> None:
    """ " " matched the schema (minLength 1) but was empty once trimmed: a 422 the
    schema did not announce. The pattern now asks for one non-whitespace character."""
    pattern = client.get("/openapi.json").json()["components"]["schemas"]["TodoCreate"]
    assert re.fullmatch(pattern["properties"]["title"]["pattern"], title) is None

    assert client.post("/api/todos/", json={"title": title}).status_code == 422


def test_an_update_racing_a_delete_is_a_404_not_a_500(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The soak's concurrent toggle and delete: the UPDATE matched no row (StaleDataError)."""
    from sqlalchemy.orm.exc import StaleDataError

    from app.todos import service

    todo = client.post("/api/todos/", json={"title": "raced"}).json()

    def deleted_meanwhile(**_: Any) -> None:
        raise StaleDataError("UPDATE statement on table 'todo' expected to update 1 row(s)")

    monkeypatch.setattr(service, "update_todo", deleted_meanwhile)
    response = client.put(f"/api/todos/{todo['id']}", json={"completed": True})

    assert response.status_code == 404


@pytest.mark.parametrize("method", ["PUT", "DELETE", "POST"])
def test_writing_to_the_counts_is_405_naming_get(client: TestClient, method: str) -> None:
    response = client.request(method, "/api/todos/stats", json={"title": "x"})

    assert response.status_code == 405
    assert response.headers["allow"] == "GET"


@pytest.mark.parametrize("title", ["x" * 200 + " ", " " + "x" * 200])
def test_a_title_longer_than_max_as_sent_is_refused_though_it_fits_trimmed(
    client: TestClient, title: str
) -> None:
    """The schema's maxLength is of the string as sent; trimming first accepted these."""
    todo = client.post("/api/todos/", json={"title": "kept"}).json()

    created = client.post("/api/todos/", json={"title": title})
    updated = client.put(f"/api/todos/{todo['id']}", json={"title": title})

    assert (created.status_code, updated.status_code) == (422, 422)
    assert updated.json()["detail"][0]["msg"] == "String should have at most 200 characters"
    assert [t["title"] for t in client.get("/api/todos/").json()] == ["kept"]


@pytest.mark.parametrize("spelling", ["0{id}", "+{id}", " {id}", "{id}.0", "{id}_0"])
def test_an_id_int_reads_but_the_schema_does_not_is_refused(
    client: TestClient, spelling: str
) -> None:
    """`type: integer` is plain decimal digits; pydantic also read "01" or "+1" as 1."""
    todo = client.post("/api/todos/", json={"title": "kept"}).json()
    path = f"/api/todos/{spelling.format(id=todo['id'])}"

    responses = [client.put(path, json={"completed": True}), client.get(path), client.delete(path)]

    assert [r.status_code for r in responses] == [422, 422, 422]
    assert responses[0].json()["detail"][0]["loc"] == ["path", "todo_id"]
    assert client.get(f"/api/todos/{todo['id']}").json()["completed"] is False


@pytest.mark.parametrize("limit", ["05", "+5", "5.0"])
def test_a_limit_int_reads_but_the_schema_does_not_is_refused(
    client: TestClient, limit: str
) -> None:
    response = client.get("/api/todos/", params={"limit": limit})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "limit"]
