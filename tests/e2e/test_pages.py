"""Pages of the list through the frontend, without JavaScript: Show more, Link, 422s, size.

Each test seeds its todos straight into the database (ecsotel.exercise.seed); the e2e
conftest deletes them after it, so each test starts from the empty list.
"""

import re
from collections.abc import Iterator

import httpx
import pytest
from bs4 import BeautifulSoup, Tag

from ecsotel import xray
from ecsotel.exercise.seed import remove_seeded, seed
from ecsotel.local.stack import Stack
from ecsotel.proof.driver import SERVER_ACTION_CHECKS, drive_server_actions, submit_form
from ecsotel.proof.report import Report

pytestmark = pytest.mark.e2e

BYTES_PER_TODO_MAX = 1_500
LINK = re.compile(r'^</api/todos\?limit=(?P<limit>\d+)&cursor=(?P<cursor>[\w-]+)>; rel="next"$')


@pytest.fixture
def client(stack: Stack) -> Iterator[httpx.Client]:
    """A client of the frontend, as a browser without JavaScript is."""
    with httpx.Client(base_url=stack.frontend_url, timeout=30) as frontend:
        yield frontend


def rows(html: str) -> list[Tag]:
    """The todo rows of a rendered page."""
    return [row for row in BeautifulSoup(html, "html.parser").select('[data-testid="todo-item"]')]


def ids(html: str) -> list[int]:
    """The ids of the rows of a rendered page, in order."""
    return [int(str(row["data-todo-id"])) for row in rows(html)]


def show_more(html: str) -> str | None:
    """The href of the page's "Show more" link, or None."""
    link = BeautifulSoup(html, "html.parser").find("a", attrs={"data-testid": "show-more"})
    return str(link["href"]) if isinstance(link, Tag) else None


def test_show_more_without_javascript_walks_every_page(stack: Stack, client: httpx.Client) -> None:
    seed(stack, 150)

    first = client.get("/")
    href = show_more(first.text)
    assert href is not None
    assert href.startswith("/?after=")
    second = client.get(href)

    assert len(ids(first.text)) == 100
    assert len(ids(second.text)) == 50
    assert show_more(second.text) is None
    walked = ids(first.text) + ids(second.text)
    assert walked == sorted(walked)
    assert len(set(walked)) == 150
    assert "100 open · 50 done" in first.text


def test_server_actions_work_on_the_second_page(stack: Stack, client: httpx.Client) -> None:
    seed(stack, 101)
    href = show_more(client.get("/").text)
    assert href is not None
    page = client.get(href)
    (row,) = rows(page.text)
    todo_id = row["data-todo-id"]
    form = row.find("form", attrs={"data-testid": "toggle-todo-form"})
    assert isinstance(form, Tag)

    posted = submit_form(client, str(page.url), form, {}, {"referer": str(page.url)})

    # Post/redirect/get, back to the page the form was on.
    assert posted.status_code == 303
    assert posted.headers["location"] == href
    after = httpx.get(f"{stack.backend_url}/api/todos/{todo_id}", timeout=10).json()
    assert after["completed"] is True
    (reloaded,) = rows(client.get(href).text)
    assert reloaded["data-completed"] == "true"


def test_the_proxy_forwards_limit_cursor_and_link(stack: Stack, client: httpx.Client) -> None:
    seed(stack, 7)
    seen: list[int] = []
    url: str | None = "/api/todos?limit=3"
    links = []
    while url is not None:
        response = client.get(url)
        assert response.status_code == 200
        seen += [todo["id"] for todo in response.json()]
        link = response.headers.get("link")
        links.append(link)
        match = LINK.match(link) if link else None
        assert link is None or match, f"not the proxy's Link: {link!r}"
        url = link[1 : link.index(">")] if link else None

    assert len(seen) == 7
    assert seen == sorted(seen)
    assert len(links) == 3
    assert links[-1] is None


@pytest.mark.parametrize(
    ("query", "parameter"),
    [("limit=0", "limit"), ("limit=10000", "limit"), ("cursor=bm90LWEtY3Vyc29y", "cursor")],
)
def test_the_proxy_passes_the_422_naming_the_parameter(
    client: httpx.Client, query: str, parameter: str
) -> None:
    response = client.get(f"/api/todos?{query}")

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", parameter]


def test_a_bad_after_shows_a_way_back_not_an_error(client: httpx.Client) -> None:
    response = client.get("/?after=tampered")

    assert response.status_code == 200
    assert 'data-testid="bad-cursor"' in response.text


def test_a_todo_costs_at_most_1_5_kb_of_html(stack: Stack, client: httpx.Client) -> None:
    seed(stack, 100)
    full = client.get("/")
    remove_seeded(stack)
    bare = client.get("/")

    added = len(ids(full.text)) - len(ids(bare.text))
    per_todo = (len(full.content) - len(bare.content)) / added
    assert added > 0
    assert per_todo <= BYTES_PER_TODO_MAX, f"{per_todo:.0f} B of HTML per todo"


def test_verify_finds_its_todo_on_the_last_page(stack: Stack, client: httpx.Client) -> None:
    # Oldest first: with 150 todos, the one verify creates is on the second page.
    seed(stack, 150)
    report = Report.declare(SERVER_ACTION_CHECKS)

    drive_server_actions(client, report, xray.TraceId.new())

    assert report.passed, [f"{check.name}: {check.detail}" for check in report.failed()]


def test_a_failed_change_without_javascript_says_why(stack: Stack, client: httpx.Client) -> None:
    seed(stack, 1)
    page = client.get("/")
    (row,) = rows(page.text)
    details = row.find("details")
    assert isinstance(details, Tag)
    form = details.find("form")
    assert isinstance(form, Tag)

    # Spaces pass the browser's `required` check, not the trimmed 1-200 rule.
    posted = submit_form(client, str(page.url), form, {"title": "   "}, {})

    assert posted.status_code == 303
    assert posted.headers["location"] == "/?notice=invalid"
    soup = BeautifulSoup(client.get("/?notice=invalid").text, "html.parser")
    notice = soup.find("p", attrs={"data-testid": "notice"})
    assert isinstance(notice, Tag)
    assert notice.get_text() == "Titles are 1 to 200 characters."
    assert notice.get("role") == "alert"


def test_a_notice_code_is_never_echoed(client: httpx.Client) -> None:
    page = client.get("/?notice=%3Cb%3Eyour+account+is+locked%3C%2Fb%3E")

    assert page.status_code == 200
    assert 'data-testid="notice"' not in page.text
    assert "account is locked" not in page.text


def test_the_favicon_every_browser_asks_for_is_served(client: httpx.Client) -> None:
    # A fresh browser's first page asks for it: a 404 is a console error on that page.
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/")
