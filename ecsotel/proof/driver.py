"""Drive the app through its frontend only, as a user's browser would.

The page, Server Actions (submitted as a browser without JavaScript submits a
form) and the API-route proxy. Each stage records its declared checks; when it
cannot go on it raises VerifyError, and the caller marks the rest as not run.
"""

import secrets
from urllib.parse import urljoin

import httpx
from bs4 import BeautifulSoup, Tag

from ecsotel import xray
from ecsotel.proof.report import Report

PAGE = "page renders"
ACTION_CREATE = "Server Action: create"
ACTION_TOGGLE = "Server Action: toggle"
ACTION_DELETE = "Server Action: delete"
SERVER_ACTION_CHECKS = [PAGE, ACTION_CREATE, ACTION_TOGGLE, ACTION_DELETE]
API_CREATE = "API route: POST /api/todos"
API_UPDATE = "API route: PUT /api/todos/{id}"
API_DELETE = "API route: DELETE /api/todos/{id}"
API_ROUTE_CHECKS = [API_CREATE, API_UPDATE, API_DELETE]


class VerifyError(RuntimeError):
    """The app did not behave as a user expects; later checks of the stage cannot run."""


def find_form(soup: BeautifulSoup | Tag, testid: str) -> Tag:
    """The form with this data-testid, or VerifyError naming the one that is missing."""
    form = soup.find("form", attrs={"data-testid": testid})
    if not isinstance(form, Tag):
        raise VerifyError(f"the page has no form data-testid={testid!r}")
    return form


def submit_form(
    client: httpx.Client, page_url: str, form: Tag, values: dict[str, str], headers: dict[str, str]
) -> httpx.Response:
    """Submit a form as a browser without JavaScript does: every named input, multipart.

    A Server Action form carries Next.js's hidden `$ACTION_*` inputs, so posting
    its fields to its action URL runs the action (progressive enhancement).
    """
    fields: list[tuple[str, tuple[None, str]]] = []
    for element in form.find_all(["input", "textarea", "button"]):
        name = element.get("name")
        if not isinstance(name, str) or element.name == "button":
            continue
        value = values.get(name, element.get("value") or "")
        fields.append((name, (None, str(value))))
    action = form.get("action")
    url = urljoin(page_url, action if isinstance(action, str) else "")
    return client.post(url, files=fields, headers=headers)


def todo_items(html: str) -> dict[str, Tag]:
    """The page's todo items by id."""
    soup = BeautifulSoup(html, "html.parser")
    return {
        str(item.get("data-todo-id")): item
        for item in soup.select('[data-testid="todo-item"]')
        if isinstance(item, Tag)
    }


# The list is oldest first, one page at a time: a new todo is on the last page.
MAX_PAGES = 200


def _find_item(client: httpx.Client, title: str) -> tuple[str, Tag] | None:
    url = "/"
    for _ in range(MAX_PAGES):
        html = client.get(url).text
        for todo_id, item in todo_items(html).items():
            if title in item.get_text(" "):
                return todo_id, item
        more = BeautifulSoup(html, "html.parser").find("a", attrs={"data-testid": "show-more"})
        if not isinstance(more, Tag):
            return None
        url = str(more.get("href"))
    return None


def drive_server_actions(client: httpx.Client, report: Report, trace: xray.TraceId) -> None:
    """Render the page; create (in `trace`), toggle and delete a todo through Server Actions."""
    page = client.get("/")
    if not report.add(PAGE, page.status_code == 200, f"GET / -> {page.status_code}"):
        raise VerifyError(f"the page did not render (GET / -> {page.status_code})")
    title = f"verify server action {secrets.token_hex(3)}"
    soup = BeautifulSoup(page.text, "html.parser")
    create_form = find_form(soup, "create-todo-form")
    created = submit_form(client, str(page.url), create_form, {"title": title}, trace.headers())
    found = _find_item(client, title)
    report.add(
        ACTION_CREATE,
        created.status_code < 400 and found is not None,
        f"POST / -> {created.status_code}; trace {trace.xray}",
    )
    if found is None:
        raise VerifyError("the todo created through a Server Action is not on the page")
    todo_id, item = found
    toggled = submit_form(client, str(page.url), find_form(item, "toggle-todo-form"), {}, {})
    after = _find_item(client, title)
    done = after is not None and after[1].get("data-completed") == "true"
    report.add(ACTION_TOGGLE, toggled.status_code < 400 and done, f"todo {todo_id}")
    if after is None:
        raise VerifyError(f"todo {todo_id} left the page after its toggle")
    deleted = submit_form(client, str(page.url), find_form(after[1], "delete-todo-form"), {}, {})
    gone = _find_item(client, title) is None
    report.add(ACTION_DELETE, deleted.status_code < 400 and gone, f"todo {todo_id}")


def drive_api_routes(client: httpx.Client, report: Report, trace: xray.TraceId) -> None:
    """Create (in `trace`), complete and delete a todo through the API-route proxy.

    The create carries only the header an ALB adds to a new request (`Root=...`, no
    parent), so the trace checks prove that the apps continue the ALB's trace id.
    """
    title = f"verify api route {secrets.token_hex(3)}"
    created = client.post("/api/todos", json={"title": title}, headers=trace.alb_headers())
    ok = created.status_code == 201 and _json_field(created, "title") == title
    report.add(API_CREATE, ok, f"-> {created.status_code}; ALB-form trace {trace.xray}")
    if not ok:
        body = " ".join(created.text.split())[:120]
        raise VerifyError(f"the API route did not create a todo ({created.status_code}: {body})")
    todo_id = created.json()["id"]
    updated = client.put(f"/api/todos/{todo_id}", json={"completed": True})
    report.add(
        API_UPDATE,
        updated.status_code == 200 and _json_field(updated, "completed") is True,
        f"-> {updated.status_code}",
    )
    deleted = client.delete(f"/api/todos/{todo_id}")
    missing = client.get(f"/api/todos/{todo_id}")
    report.add(
        API_DELETE,
        deleted.status_code == 204 and missing.status_code == 404,
        f"-> {deleted.status_code}, then GET -> {missing.status_code}",
    )


def _json_field(response: httpx.Response, name: str) -> object:
    """A field of a JSON object body; None when the body is not one (an error page)."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get(name) if isinstance(body, dict) else None
