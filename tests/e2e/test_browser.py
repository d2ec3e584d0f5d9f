"""The web UI in the machine's Chromium, against the whole local stack.

Each test arranges its todos through the backend's REST API (a small factory)
and acts through the browser only; the todos it made are deleted after it (the
e2e conftest's `own_todos`), so the tests share one stack and one database in
any order. One test saves docs/screenshot.png.
"""

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, Request, expect, sync_playwright

from ecsotel.exercise.seed import PREFIX, seed
from ecsotel.local.stack import Stack
from ecsotel.paths import CACHE_DIR, REPO_ROOT
from ecsotel.proof.browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.e2e

# The README's picture is refreshed only on request (UPDATE_SCREENSHOT=1), so that
# running the tests leaves the work tree clean.
SCREENSHOT = (
    REPO_ROOT / "docs" / "screenshot.png"
    if os.environ.get("UPDATE_SCREENSHOT") == "1"
    else CACHE_DIR / "e2e" / "screenshot.png"
)
# Long enough for the backend to restart and the page's 3 s poll to notice.
RECOVERY_TIMEOUT_MS = 60_000


@dataclass
class Todos:
    """Creates todos through the backend's API (the test's own, deleted after it)."""

    backend_url: str

    def create(self, title: str, *, completed: bool = False) -> int:
        """A new todo with `title`; its id."""
        response = httpx.post(f"{self.backend_url}/api/todos/", json={"title": title}, timeout=10)
        response.raise_for_status()
        todo_id = int(response.json()["id"])
        if completed:
            done = httpx.put(
                f"{self.backend_url}/api/todos/{todo_id}", json={"completed": True}, timeout=10
            )
            done.raise_for_status()
        return todo_id

    def get(self, todo_id: int) -> httpx.Response:
        """The backend's answer for one todo."""
        return httpx.get(f"{self.backend_url}/api/todos/{todo_id}", timeout=10)


@dataclass
class BrowserPage:
    """A page on the frontend that records every request the browser makes."""

    page: Page
    origin: str
    requests: list[Request] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def foreign_requests(self) -> list[str]:
        """URLs of network requests that went anywhere but the Next.js origin."""
        return [
            r.url
            for r in self.requests
            if urlsplit(r.url).scheme in {"http", "https", "ws", "wss"}
            and _origin(r.url) != self.origin
        ]

    def item(self, todo_id: int) -> "ItemLocator":
        """The rendered row of one todo."""
        return ItemLocator(self.page, todo_id)


@dataclass
class ItemLocator:
    """Locators inside one todo row."""

    page: Page
    todo_id: int

    @property
    def row(self) -> Locator:
        """The row itself."""
        return self.page.locator(f'[data-testid="todo-item"][data-todo-id="{self.todo_id}"]')

    @property
    def title(self) -> Locator:
        """The title text of the row."""
        return self.row.locator(".todo-title")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _title(label: str) -> str:
    return f"{label} {secrets.token_hex(3)}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def todos(stack: Stack) -> Todos:
    """The todo factory for one test."""
    return Todos(stack.backend_url)


@pytest.fixture
def open_page(browser: Browser, stack: Stack) -> Iterator[Callable[..., BrowserPage]]:
    """Opens `/` in a fresh browser context (desktop size unless told otherwise)."""
    contexts = []

    def open_(width: int = 1100, height: int = 760) -> BrowserPage:
        context = browser.new_context(
            base_url=stack.frontend_url, viewport={"width": width, "height": height}
        )
        contexts.append(context)
        page = context.new_page()
        recorded = BrowserPage(page, _origin(stack.frontend_url))
        # Playwright needs a Python function here, not a builtin like list.append.
        page.on("request", lambda request: recorded.requests.append(request))
        # Uncaught exceptions and console errors (a hydration mismatch shows up here).
        page.on("pageerror", lambda error: recorded.errors.append(str(error)))
        page.on(
            "console",
            lambda message: (
                recorded.errors.append(message.text) if message.type == "error" else None
            ),
        )
        # CSP violations also reach the console, but the event names the directive.
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e =>"
            " console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`))"
        )
        page.goto("/")
        return recorded

    yield open_
    for context in contexts:
        context.close()


def test_create_adds_the_todo_to_the_list(open_page: Callable[..., BrowserPage]) -> None:
    ui = open_page()
    title = _title("Buy oat milk")

    # Keyboard only: type, then Enter submits the form.
    ui.page.get_by_label("New todo").fill(title)
    ui.page.get_by_label("New todo").press("Enter")

    item = ui.page.get_by_test_id("todo-item").filter(has_text=title)
    expect(item).to_have_count(1)
    # The form is cleared for the next todo.
    expect(ui.page.get_by_label("New todo")).to_have_value("")


def test_blank_title_shows_an_accessible_error(open_page: Callable[..., BrowserPage]) -> None:
    ui = open_page()
    field_ = ui.page.get_by_label("New todo")

    # Spaces pass the browser's `required` check but not the trimmed 1-200 rule.
    field_.fill("   ")
    ui.page.get_by_role("button", name="Add").click()

    error = ui.page.get_by_test_id("create-todo-error")
    expect(error).to_have_text("Enter a title.")
    expect(error).to_have_attribute("aria-live", "polite")
    expect(field_).to_have_attribute("aria-invalid", "true")
    described_by = field_.get_attribute("aria-describedby") or ""
    assert error.get_attribute("id") in described_by.split()


def test_rename_changes_the_title(open_page: Callable[..., BrowserPage], todos: Todos) -> None:
    todo_id = todos.create(_title("Call the plumber"))
    renamed = _title("Call the electrician")
    ui = open_page()
    item = ui.item(todo_id)

    item.row.get_by_text("Rename").click()
    item.row.get_by_label("New title").fill(renamed)
    item.row.get_by_role("button", name="Save").click()

    expect(item.title).to_have_text(renamed)
    assert todos.get(todo_id).json()["title"] == renamed


def test_toggle_completes_through_the_api_route(
    open_page: Callable[..., BrowserPage], todos: Todos
) -> None:
    title = _title("Water the plants")
    todo_id = todos.create(title)
    ui = open_page()
    item = ui.item(todo_id)

    with ui.page.expect_response(
        lambda r: r.request.method == "PUT" and r.url.endswith(f"/api/todos/{todo_id}")
    ) as put:
        item.row.get_by_role("button", name=f"Mark “{title}” as done").click()

    # Optimistic: the row shows the new state at once, before the PUT has answered.
    expect(item.row).to_have_attribute("data-completed", "true")
    assert put.value.request.post_data_json == {"completed": True}
    assert put.value.status == 200
    ui.page.reload()
    expect(item.row).to_have_attribute("data-completed", "true")
    assert todos.get(todo_id).json()["completed"] is True


def test_delete_removes_the_todo(open_page: Callable[..., BrowserPage], todos: Todos) -> None:
    todo_id = todos.create(_title("Return the library book"))
    ui = open_page()
    item = ui.item(todo_id)

    item.row.get_by_role("button", name="Delete").click()

    expect(item.row).to_have_count(0)
    assert todos.get(todo_id).status_code == 404


def test_backend_down_shows_a_notice_and_the_page_recovers(
    open_page: Callable[..., BrowserPage], todos: Todos, stack: Stack
) -> None:
    todo_id = todos.create(_title("Survive an outage"))
    with stack.paused("backend"):
        ui = open_page()
        notice = ui.page.get_by_test_id("backend-down")
        expect(notice).to_contain_text("The todo service is unreachable")
        expect(notice).to_have_attribute("role", "alert")
        expect(ui.item(todo_id).row).to_have_count(0)

    # No reload: the page polls the same-origin proxy and refreshes by itself.
    expect(notice).to_be_hidden(timeout=RECOVERY_TIMEOUT_MS)
    expect(ui.item(todo_id).row).to_have_count(1)


def test_layout_fits_a_phone_screen(open_page: Callable[..., BrowserPage], todos: Todos) -> None:
    todos.create(_title("A long title that has to wrap on a narrow phone screen " * 2))
    ui = open_page(width=375, height=740)

    expect(ui.page.get_by_test_id("todo-item").first).to_be_visible()
    overflow = ui.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a 375px phone screen"


def test_browser_only_talks_to_the_nextjs_origin(
    open_page: Callable[..., BrowserPage], todos: Todos
) -> None:
    """Every flow once, recording all requests; then the README screenshot."""
    for title in ("Plan the sprint review", "Write the release notes"):
        todos.create(title)
    done_title = "Book the team lunch"
    todos.create(done_title, completed=True)
    ui = open_page()
    title = "Renew the TLS certificate"
    ui.page.get_by_label("New todo").fill(title)
    ui.page.get_by_role("button", name="Add").click()
    created = ui.page.get_by_test_id("todo-item").filter(has_text=title)
    expect(created).to_have_count(1)
    todo_id = int(created.get_attribute("data-todo-id") or "0")
    item = ui.item(todo_id)
    for state in ("done", "not done"):
        with ui.page.expect_response(lambda r: r.request.method == "PUT") as put:
            item.row.get_by_role("button", name=f"Mark “{title}” as {state}").click()
        assert put.value.status == 200
        # The row ignores clicks until the toggle and its refresh are done.
        expect(item.row).not_to_have_attribute("aria-busy", "true")
    expect(item.row).to_have_attribute("data-completed", "false")
    ui.page.mouse.move(0, 0)
    ui.page.get_by_label("New todo").focus()

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    ui.page.screenshot(path=str(SCREENSHOT), full_page=True)

    item.row.get_by_role("button", name="Delete").click()
    expect(item.row).to_have_count(0)
    assert ui.requests, "the browser made no requests at all"
    assert ui.foreign_requests() == []
    assert ui.errors == [], "the page logged errors"


def test_show_more_loads_the_next_page_through_the_proxy(
    open_page: Callable[..., BrowserPage], stack: Stack
) -> None:
    seed(stack, 105)
    ui = open_page()
    expect(ui.page.get_by_test_id("todo-item")).to_have_count(100)
    expect(ui.page.locator("header")).to_contain_text("70 open · 35 done")

    with ui.page.expect_response(lambda r: "/api/todos?cursor=" in r.url) as page_two:
        ui.page.get_by_role("link", name="Show more").click()

    assert page_two.value.status == 200
    expect(ui.page.get_by_test_id("todo-item")).to_have_count(105)
    expect(ui.page.get_by_role("link", name="Show more")).to_have_count(0)
    # A row loaded by Show more toggles and deletes like any other; the counts follow.
    last = ui.page.get_by_test_id("todo-item").last
    title = f"{PREFIX} 104"
    last_id = int(last.get_attribute("data-todo-id") or "0")
    ui.page.get_by_role("button", name=f"Mark “{title}” as done").click()
    expect(ui.item(last_id - 1).row).to_have_attribute("data-completed", "true")
    expect(ui.page.locator("header")).to_contain_text("69 open · 36 done")
    ui.item(last_id).row.get_by_role("button", name="Delete").click()
    expect(ui.item(last_id).row).to_have_count(0)
    expect(ui.page.locator("header")).to_contain_text("69 open · 35 done")
    assert ui.foreign_requests() == []
    assert ui.errors == [], "the page logged errors"


def test_page_runs_under_its_content_security_policy(
    open_page: Callable[..., BrowserPage], todos: Todos
) -> None:
    """The strict CSP is sent and the app works under it: no violation, no console error."""
    title = _title("Rotate the keys")
    todo_id = todos.create(title)
    ui = open_page()
    with ui.page.expect_response(lambda r: r.request.method == "PUT") as put:
        ui.item(todo_id).row.get_by_role("button", name=f"Mark “{title}” as done").click()
    assert put.value.status == 200
    ui.page.get_by_label("New todo").fill("   ")
    ui.page.get_by_role("button", name="Add").click()
    expect(ui.page.get_by_test_id("create-todo-error")).to_have_text("Enter a title.")

    document = ui.page.request.get("/")
    csp = document.headers["content-security-policy"]
    assert "'nonce-" in csp
    assert "'strict-dynamic'" in csp
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert document.headers["x-content-type-options"] == "nosniff"
    assert "permissions-policy" in document.headers
    assert ui.errors == [], "the page logged errors or CSP violations"
