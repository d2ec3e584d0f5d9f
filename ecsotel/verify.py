"""`verify`: drive the app through its frontend, then prove that its telemetry arrived.

One code path for the local stack and AWS: only the AWS clients' settings differ
(the environment's credentials and region, or the local endpoint when the app
runs on this machine). The checks go through the frontend URL only, as a user's
browser would: the page, Server Actions (submitted as a browser without
JavaScript submits a form) and the API-route proxy.
"""

import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlparse

import boto3
import httpx
from bs4 import BeautifulSoup, Tag
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from ecsotel import xray
from ecsotel.collector import emf_destination
from ecsotel.localaws import LocalAws
from ecsotel.polling import WaitTimeout, poll_until

if TYPE_CHECKING:  # the stubs are a development dependency
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_xray import XRayClient

# What the collector's awsemf exporter declares: read from collector/config.yaml,
# the file the ECS sidecars run too, so verify checks what was really declared.
EMF_NAMESPACE, EMF_LOG_GROUP = emf_destination()
# Each service's metrics that one round of verify's actions must produce.
EXPECTED_METRICS = {
    "fastapi-app": {"http.server.request.duration", "app.todos.created"},
    "nextjs-app": {"http.server.request.duration", "app.server_action.invocations"},
}
SERVICES = ("nextjs-app", "fastapi-app")


class VerifyError(RuntimeError):
    """The app did not behave as a user expects; later checks cannot run."""


@dataclass
class Check:
    """One verified claim."""

    name: str
    passed: bool
    detail: str = ""


@dataclass
class Report:
    """Every check, in order, and the trace trees to show."""

    checks: list[Check] = field(default_factory=list)
    trees: list[Tree] = field(default_factory=list)

    def add(self, name: str, passed: bool, detail: str = "") -> bool:
        """Record a check; return whether it passed."""
        self.checks.append(Check(name, passed, detail))
        return passed

    @property
    def passed(self) -> bool:
        """Whether every check passed (and there was at least one)."""
        return bool(self.checks) and all(check.passed for check in self.checks)

    def print(self, console: Console) -> None:
        """A table of the checks, then the traces as trees."""
        table = Table(title="verify", show_lines=False)
        table.add_column("check")
        table.add_column("result")
        table.add_column("detail", overflow="fold")
        for check in self.checks:
            mark = "[green]passed[/]" if check.passed else "[bold red]FAILED[/]"
            table.add_row(check.name, mark, check.detail)
        console.print(table)
        for tree in self.trees:
            console.print(tree)


def is_local(base_url: str) -> bool:
    """Whether the app runs on this machine (then AWS is the local stand-in)."""
    return urlparse(base_url).hostname in {"localhost", "127.0.0.1", "::1"}


def aws_session(local: bool) -> tuple["XRayClient", "CloudWatchLogsClient", str]:
    """X-Ray and CloudWatch Logs clients, and a line saying which AWS they reach.

    `local` (and no AWS endpoint in the environment): the local stack's endpoint
    and dummy credentials; otherwise boto3's standard chain, unchanged.
    """
    settings: dict[str, Any] = {}
    if local and "AWS_ENDPOINT_URL" not in os.environ:
        env = LocalAws().client_env()
        settings = {
            "endpoint_url": env["AWS_ENDPOINT_URL"],
            "region_name": env["AWS_REGION"],
            "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
        }
    session = boto3.session.Session()
    xray_client = session.client("xray", **settings)
    logs_client = session.client("logs", **settings)
    where = settings.get("endpoint_url") or os.environ.get("AWS_ENDPOINT_URL") or "AWS"
    return xray_client, logs_client, f"{where} ({xray_client.meta.region_name})"


# --- the app, through the frontend only ----------------------------------------


def _form(soup: BeautifulSoup | Tag, testid: str) -> Tag:
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


def _items(html: str) -> dict[str, Tag]:
    soup = BeautifulSoup(html, "html.parser")
    return {
        str(item.get("data-todo-id")): item
        for item in soup.select('[data-testid="todo-item"]')
        if isinstance(item, Tag)
    }


def _find_item(client: httpx.Client, title: str) -> tuple[str, Tag] | None:
    for todo_id, item in _items(client.get("/").text).items():
        if title in item.get_text(" "):
            return todo_id, item
    return None


def drive_server_actions(client: httpx.Client, report: Report, trace: xray.TraceId) -> None:
    """Create (in `trace`), toggle and delete a todo through Server Actions."""
    page = client.get("/", headers=xray.TraceId.new().headers())
    if not report.add("page renders", page.status_code == 200, f"GET / -> {page.status_code}"):
        raise VerifyError("the page did not render")
    title = f"verify server action {secrets.token_hex(3)}"
    soup = BeautifulSoup(page.text, "html.parser")
    created = submit_form(
        client, str(page.url), _form(soup, "create-todo-form"), {"title": title}, trace.headers()
    )
    found = _find_item(client, title)
    report.add(
        "Server Action: create",
        created.status_code < 400 and found is not None,
        f"POST / -> {created.status_code}; trace {trace.xray}",
    )
    if found is None:
        raise VerifyError("the todo created through a Server Action is not on the page")
    todo_id, item = found
    toggled = submit_form(client, str(page.url), _form(item, "toggle-todo-form"), {}, {})
    after = _find_item(client, title)
    done = after is not None and after[1].get("data-completed") == "true"
    report.add("Server Action: toggle", toggled.status_code < 400 and done, f"todo {todo_id}")
    if after is not None:
        deleted = submit_form(client, str(page.url), _form(after[1], "delete-todo-form"), {}, {})
        gone = todo_id not in _items(client.get("/").text)
        report.add("Server Action: delete", deleted.status_code < 400 and gone, f"todo {todo_id}")


def drive_api_routes(client: httpx.Client, report: Report, trace: xray.TraceId) -> None:
    """Create (in `trace`), complete and delete a todo through the API-route proxy."""
    title = f"verify api route {secrets.token_hex(3)}"
    created = client.post("/api/todos", json={"title": title}, headers=trace.headers())
    ok = created.status_code == 201 and created.json().get("title") == title
    report.add("API route: POST /api/todos", ok, f"-> {created.status_code}; trace {trace.xray}")
    if not ok:
        raise VerifyError(f"the API route did not create a todo: {created.text[:200]}")
    todo_id = created.json()["id"]
    updated = client.put(f"/api/todos/{todo_id}", json={"completed": True})
    report.add(
        "API route: PUT /api/todos/{id}",
        updated.status_code == 200 and updated.json().get("completed") is True,
        f"-> {updated.status_code}",
    )
    deleted = client.delete(f"/api/todos/{todo_id}")
    missing = client.get(f"/api/todos/{todo_id}")
    report.add(
        "API route: DELETE /api/todos/{id}",
        deleted.status_code == 204 and missing.status_code == 404,
        f"-> {deleted.status_code}, then GET -> {missing.status_code}",
    )


# --- telemetry -----------------------------------------------------------------


@dataclass(frozen=True)
class TraceFindings:
    """What one trace shows about the path nextjs-app -> fastapi-app -> PostgreSQL."""

    roots: list[xray.Span]

    def spans(self) -> list[xray.Span]:
        """Every segment and subsegment."""
        return [span for root in self.roots for span in root.walk()]

    def services(self) -> set[str]:
        """The services that sent segments."""
        return {span.service for span in self.spans()}

    def linked(self) -> bool:
        """Whether a fastapi-app segment is the child of a nextjs-app (sub)segment."""
        return any(
            parent.service == "nextjs-app" and child.service == "fastapi-app"
            for parent in self.spans()
            for child in parent.children
        )

    def sql_under_backend(self) -> xray.Span | None:
        """A PostgreSQL call recorded under fastapi-app."""
        for span in self.spans():
            database = json.dumps(span.sql or {}).lower()
            if span.service == "fastapi-app" and "postgres" in database:
                return span
        return None

    def complete(self) -> bool:
        """Whether everything the check needs has arrived."""
        return (
            set(SERVICES) <= self.services()
            and self.linked()
            and self.sql_under_backend() is not None
        )


def check_trace(
    client: "XRayClient", report: Report, trace: xray.TraceId, what: str, timeout: float
) -> None:
    """Poll X-Ray until the trace is complete; record each of its claims."""
    findings = TraceFindings([])

    def arrived() -> bool:
        nonlocal findings
        findings = TraceFindings(xray.build_tree(xray.trace_documents(client, trace.xray)))
        return findings.complete()

    _wait(report, f"{what}: trace {trace.xray} complete in X-Ray", arrived, timeout)
    services = findings.services()
    report.add(
        f"{what}: segments of nextjs-app and fastapi-app",
        set(SERVICES) <= services,
        ", ".join(sorted(services)) or "no segments",
    )
    report.add(f"{what}: fastapi-app is a child of nextjs-app", findings.linked())
    sql = findings.sql_under_backend()
    report.add(
        f"{what}: PostgreSQL SQL subsegment under fastapi-app",
        sql is not None,
        (sql.sql or {}).get("sanitized_query", sql.name) if sql else "",
    )
    report.trees.append(xray.render(findings.roots, f"{what}: {trace.xray}"))
    summaries = xray.recent_trace_ids(client, minutes=15)
    report.add(
        f"{what}: listed by GetTraceSummaries",
        trace.xray in summaries,
        f"{len(summaries)} traces in the last 15 minutes",
    )


def emf_events(client: "CloudWatchLogsClient", since_ms: int) -> list[dict[str, Any]]:
    """Every EMF document written to the metrics log group since `since_ms`."""
    documents = []
    paginator = client.get_paginator("filter_log_events")
    for page in paginator.paginate(logGroupName=EMF_LOG_GROUP, startTime=since_ms):
        for event in page.get("events", []):
            try:
                document = json.loads(event.get("message", ""))
            except json.JSONDecodeError:
                continue
            if isinstance(document, dict) and "_aws" in document:
                documents.append(document)
    return documents


def metrics_by_service(documents: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Metric names per `service.name`, from the declared namespace only."""
    found: dict[str, set[str]] = {}
    for document in documents:
        for directive in document["_aws"].get("CloudWatchMetrics", []):
            if directive.get("Namespace") != EMF_NAMESPACE:
                continue
            service = str(document.get("service.name", "?"))
            names = {metric["Name"] for metric in directive.get("Metrics", [])}
            found.setdefault(service, set()).update(names)
    return found


def check_metrics(
    client: "CloudWatchLogsClient", report: Report, since_ms: int, timeout: float
) -> None:
    """Poll CloudWatch Logs until both services' EMF metrics arrived; check their shape."""
    documents: list[dict[str, Any]] = []

    def arrived() -> bool:
        nonlocal documents
        documents = emf_events(client, since_ms)
        found = metrics_by_service(documents)
        return all(
            names <= found.get(service, set()) for service, names in EXPECTED_METRICS.items()
        )

    _wait(report, f"EMF metrics of both services in {EMF_LOG_GROUP}", arrived, timeout)
    found = metrics_by_service(documents)
    for service, names in EXPECTED_METRICS.items():
        report.add(
            f"EMF: {service} metrics in {EMF_NAMESPACE}",
            names <= found.get(service, set()),
            ", ".join(sorted(found.get(service, set()))),
        )
    directives = [d for doc in documents for d in doc["_aws"].get("CloudWatchMetrics", [])]
    limits = all(
        len(d.get("Metrics", [])) <= 100 and all(len(s) <= 30 for s in d.get("Dimensions", []))
        for d in directives
    )
    report.add("EMF: at most 100 metrics a document, 30 dimensions a set", limits)
    dimensioned = all(
        "service.name" in dimension_set
        for d in directives
        for dimension_set in d.get("Dimensions", [])
    )
    report.add("EMF: every dimension set names the service", dimensioned)


def _wait(report: Report, name: str, arrived: Callable[[], bool], timeout: float) -> bool:
    """Poll until `arrived`; record the wait as a check and return whether it passed."""
    started = time.monotonic()
    try:
        poll_until(arrived, name, timeout=timeout, interval=1)
    except WaitTimeout as error:
        return report.add(name, False, str(error))
    return report.add(name, True, f"after {time.monotonic() - started:.1f}s")


def run(base_url: str, timeout: float = 90.0) -> tuple[Report, str]:
    """Drive the app, then check the traces and metrics; return the report and the AWS used."""
    report = Report()
    xray_client, logs_client, where = aws_session(local=is_local(base_url))
    since_ms = int(time.time() * 1000) - 5_000
    action_trace, api_trace = xray.TraceId.new(), xray.TraceId.new()
    try:
        with httpx.Client(base_url=base_url, timeout=15) as client:
            drive_server_actions(client, report, action_trace)
            drive_api_routes(client, report, api_trace)
        check_trace(xray_client, report, action_trace, "Server Action create", timeout)
        check_trace(xray_client, report, api_trace, "API route create", timeout)
        check_metrics(logs_client, report, since_ms, timeout)
    except VerifyError:
        pass  # already recorded as a failed check
    except httpx.HTTPError as error:
        report.add(f"reach {base_url}", False, repr(error))
    return report, where
