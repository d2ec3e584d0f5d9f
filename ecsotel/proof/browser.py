"""`verify --browser`: the machine's Chromium clicks Add and a toggle, and the
traces must start at the click: a `nextjs-browser` segment with nextjs-app,
fastapi-app and SQL beneath, for the Server Action and for the API route.

The browser traces a sampled share of page views (10 % on AWS), so the page is
reloaded until its SDK has started; nothing in the app can force sampling.
"""

import secrets
from functools import partial
from typing import TYPE_CHECKING

from devkit.polling import WaitTimeout, poll_until

from ecsotel import xray
from ecsotel.proof.driver import VerifyError
from ecsotel.proof.report import Report

if TYPE_CHECKING:  # the stubs are a development dependency
    from mypy_boto3_xray import XRayClient
    from playwright.sync_api import Page, Request

# Debian's Chromium, never a downloaded browser build (the browser tests use it too);
# these flags keep it from calling home (updates, sync, field trials), which would
# also break the tests' origin check.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
# The performance mark the page's SDK sets once it has started.
STARTED = "() => performance.getEntriesByName('browser-telemetry-started').length > 0"
# Enough page views that a 10 % sample misses all of them less than once in 60 runs.
MAX_PAGE_VIEWS = 40
# X-Ray drops braces from names: the toggle's span `PUT /api/todos/{id}` reads so.
REQUESTS = {"Server Action": "server_action create", "API route": "PUT /api/todos/id"}

SAMPLED = "browser: a page view sampled (SDK started)"
CLICKED = "browser: Add and the toggle clicked, each request with a traceparent"
BROWSER_CHECKS = [
    SAMPLED,
    CLICKED,
    *(f"browser: {what} trace rooted at {xray.BROWSER} down to SQL" for what in REQUESTS),
]


def sdk_started(page: "Page", timeout: float) -> bool:
    """Whether the page's SDK marks its start within `timeout` seconds.

    Polled from here with `evaluate`, not with `wait_for_function`: that evaluates a
    string inside the page, which the app's CSP (no 'unsafe-eval') rightly forbids.
    """
    try:
        poll_until(lambda: page.evaluate(STARTED), "the browser SDK to start", timeout=timeout)
    except WaitTimeout:
        return False
    return True


def _open_sampled(page: "Page", base_url: str) -> int:
    """Loads the page until its SDK starts; the number of page views it took (0: never)."""
    for view in range(1, MAX_PAGE_VIEWS + 1):
        page.goto(base_url)
        if sdk_started(page, timeout=5):
            return view
    return 0


def _trace_of(request: "Request") -> str | None:
    """The X-Ray trace id in a request's W3C traceparent."""
    traceparent = request.headers.get("traceparent", "")
    parts = traceparent.split("-")
    return xray.TraceId(parts[1]).xray if len(parts) == 4 else None


def drive(base_url: str, report: Report) -> dict[str, str]:
    """Clicks Add, then the new todo's toggle, then Delete; the trace id of each request."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as error:
        raise VerifyError("playwright is not installed: `make verify BROWSER=1` adds it") from error
    traces: dict[str, str] = {}
    title = f"verify in the browser {secrets.token_hex(3)}"
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Error as error:
            raise VerifyError(f"cannot start {CHROMIUM}: {error.message}") from error
        try:
            page = chromium.new_page()
            views = _open_sampled(page, base_url)
            if not report.add(SAMPLED, views > 0, f"after {views} page view(s)"):
                return traces
            page.get_by_label("New todo").fill(title)
            with page.expect_request(lambda r: "next-action" in r.headers) as action:
                page.get_by_role("button", name="Add").click()
            row = page.get_by_test_id("todo-item").filter(has_text=title)
            row.wait_for()
            with page.expect_response(lambda r: r.request.method == "PUT") as put:
                row.get_by_role("button", name=f"Mark “{title}” as done").click()
            # The row ignores clicks while a change and its refresh run: a Delete
            # clicked then is dropped, and verify would leave its todo behind.
            row.and_(page.locator("li:not([aria-busy])")).wait_for()
            # The spans leave in batches: wait for one export before the page goes.
            with page.expect_response(lambda r: "/api/telemetry/" in r.url, timeout=15_000):
                row.get_by_role("button", name="Delete").click()
                row.wait_for(state="detached")  # the DELETE succeeded
            sent = {"Server Action": action.value, "API route": put.value.request}
            for what, request in sent.items():
                if trace := _trace_of(request):
                    traces[what] = trace
            report.add(CLICKED, len(traces) == len(REQUESTS), ", ".join(traces.values()))
        except Error as error:
            raise VerifyError(f"the browser flow stopped: {error.message}") from error
        finally:
            chromium.close()
    return traces


def check(client: "XRayClient", report: Report, traces: dict[str, str], timeout: float) -> None:
    """Polls X-Ray until each trace holds the path from the click down to SQL."""
    for what, request_span in REQUESTS.items():
        name = f"browser: {what} trace rooted at {xray.BROWSER} down to SQL"
        trace = traces.get(what)
        if not trace:
            report.add(name, False, "no traceparent on the request")
            continue
        roots: list[xray.Span] = []
        try:
            poll_until(
                partial(_path_arrived, client, trace, request_span, roots),
                f"{what} trace {trace}: {xray.BROWSER} > {request_span} > nextjs-app > SQL",
                timeout=timeout,
            )
        except WaitTimeout as error:
            report.add(name, False, str(error))
            continue
        report.add(name, True, trace)
        report.trees.append(xray.render(roots, f"{what} from the click: {trace}"))


def _path_arrived(client: "XRayClient", trace: str, span: str, roots: list[xray.Span]) -> bool:
    """Reads the trace into `roots`; whether it holds the whole path from the click."""
    roots[:] = xray.build_tree(xray.trace_documents(client, trace))
    return xray.path_from_click(roots, span) is not None
