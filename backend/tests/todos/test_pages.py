"""Keyset pages of GET /api/todos/: the cursor contract, its 422s, and the stats."""

import base64
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.todos import cursor as cursors
from tests.todos.test_router import create

LINK = re.compile(r'^<(?P<url>/api/todos/\?[^>]+)>; rel="next"$')


def seed(session: Session, count: int, *, created_at: str = "2026-01-01T00:00:00Z") -> list[int]:
    """Insert ``count`` todos sharing one created_at (ties broken by id); their ids."""
    rows = session.execute(
        text(
            "INSERT INTO todo (title, created_at) "
            "SELECT 'seed ' || n, CAST(:at AS timestamptz) FROM generate_series(1, :count) n "
            "RETURNING id"
        ),
        {"at": created_at, "count": count},
    )
    ids = sorted(row.id for row in rows)
    session.commit()
    return ids


def next_url(response: Any) -> str | None:
    """The URL of the Link rel="next" header, or None on the last page."""
    link = response.headers.get("link")
    if link is None:
        return None
    match = LINK.match(link)
    assert match, f"not a rel=next Link: {link!r}"
    return match["url"]


def walk(client: TestClient, url: str) -> tuple[list[int], list[int]]:
    """Follow Link to the end; every id seen, and each page's size."""
    ids: list[int] = []
    sizes: list[int] = []
    next_: str | None = url
    while next_ is not None:
        response = client.get(next_)
        assert response.status_code == 200, response.text
        ids += [todo["id"] for todo in response.json()]
        sizes.append(len(response.json()))
        next_ = next_url(response)
    return ids, sizes


def test_pages_cover_the_list_once_in_order(client: TestClient, db_session: Session) -> None:
    ids = seed(db_session, 7)

    seen, sizes = walk(client, "/api/todos/?limit=3")

    assert seen == ids
    assert sizes == [3, 3, 1]


def test_default_page_is_100_and_the_body_stays_an_array(
    client: TestClient, db_session: Session
) -> None:
    ids = seed(db_session, 101)

    response = client.get("/api/todos/")

    assert isinstance(response.json(), list)
    assert [todo["id"] for todo in response.json()] == ids[:100]
    assert next_url(response) == f"/api/todos/?limit=100&cursor={_cursor_of(response)}"


def test_last_page_has_no_link(client: TestClient, db_session: Session) -> None:
    seed(db_session, 3)

    response = client.get("/api/todos/?limit=3")

    assert len(response.json()) == 3
    assert "link" not in response.headers


def test_inserts_and_deletes_between_pages_neither_repeat_nor_skip(
    client: TestClient, db_session: Session
) -> None:
    older = seed(db_session, 3, created_at="2026-01-01T00:00:00Z")
    newer = seed(db_session, 3, created_at="2026-01-02T00:00:00Z")
    first = client.get("/api/todos/?limit=2")
    link = next_url(first)
    assert link is not None

    # Between pages: a row of the first page and a row ahead are deleted; an older
    # row (before the cursor) and a newer one (after it) are inserted.
    client.delete(f"/api/todos/{older[0]}")
    client.delete(f"/api/todos/{newer[0]}")
    seed(db_session, 1, created_at="2025-12-31T00:00:00Z")
    latest = create(client, "inserted after the first page")
    rest, _ = walk(client, link)

    seen = [todo["id"] for todo in first.json()] + rest
    assert seen == [*older[:2], older[2], *newer[1:], latest["id"]]
    assert len(seen) == len(set(seen))


def test_ties_on_created_at_are_broken_by_id(client: TestClient, db_session: Session) -> None:
    ids = seed(db_session, 5)

    seen, sizes = walk(client, "/api/todos/?limit=1")

    assert seen == ids
    assert sizes == [1, 1, 1, 1, 1]


@pytest.mark.parametrize("limit", ["0", "-1", "501", "10000", "ten"])
def test_limit_out_of_range_returns_422_naming_limit(client: TestClient, limit: str) -> None:
    response = client.get(f"/api/todos/?limit={limit}")

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "limit"]


def _cursor_of(response: Any) -> str:
    url = next_url(response)
    assert url is not None
    return url.split("cursor=", 1)[1]


def _tampered(cursor: str) -> str:
    """The same cursor with its id changed and the checksum left as it was."""
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    version, sort, micros, todo_id, digest = raw.split("|")
    edited = f"{version}|{sort}|{micros}|{int(todo_id) + 1}|{digest}"
    return base64.urlsafe_b64encode(edited.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("make_cursor", "message"),
    [
        (lambda good: "not a cursor!", "malformed"),
        (lambda good: good[:-4], "altered"),
        (lambda good: "x" * 201, "at most 200 characters"),
        (_tampered, "altered"),
        (
            lambda good: cursors.encode(
                cursors.Position(datetime(2026, 1, 1, tzinfo=UTC), 1), sort="-created_at,id"
            ),
            "another sort",
        ),
    ],
    ids=["garbage", "truncated", "too long", "tampered", "other sort"],
)
def test_bad_cursor_returns_422_naming_cursor(
    client: TestClient, db_session: Session, make_cursor: Any, message: str
) -> None:
    seed(db_session, 3)
    good = _cursor_of(client.get("/api/todos/?limit=1"))

    response = client.get("/api/todos/", params={"cursor": make_cursor(good)})

    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["query", "cursor"]
    assert message in detail["msg"]


def test_a_cursor_survives_the_round_trip() -> None:
    position = cursors.Position(datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC), 42)

    assert cursors.decode(cursors.encode(position)) == position


def test_stats_counts_open_and_done(client: TestClient) -> None:
    create(client, "open one")
    create(client, "open two")
    create(client, "done", completed=True)

    response = client.get("/api/todos/stats")

    assert response.status_code == 200
    assert response.json() == {"total": 3, "open": 2, "done": 1}


def test_stats_of_an_empty_list_are_zero(client: TestClient) -> None:
    assert client.get("/api/todos/stats").json() == {"total": 0, "open": 0, "done": 0}


def test_openapi_documents_the_page_parameters_and_their_422(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/todos/"]["get"]

    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert parameters["limit"]["schema"]["maximum"] == 500
    assert parameters["limit"]["schema"]["minimum"] == 1
    assert "cursor" in parameters
    assert "cursor" in operation["responses"]["422"]["description"]
    assert "Link" in operation["responses"]["200"]["headers"]
