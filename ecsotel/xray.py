"""Read traces back from X-Ray and turn their segment documents into trees.

Works the same against AWS and the local stack: moto's X-Ray returns the
documents exactly as the collector sent them, so nothing here is local-only.
"""

import json
import secrets
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from rich.tree import Tree

if TYPE_CHECKING:  # the stubs are a development dependency
    from mypy_boto3_xray import XRayClient

Document = dict[str, Any]


@dataclass(frozen=True)
class TraceId:
    """One trace id in both forms: W3C (traceparent) and X-Ray (`1-<epoch>-<random>`)."""

    hex: str

    @classmethod
    def new(cls, tag: str = "") -> "TraceId":
        """A fresh id that X-Ray accepts: its first 32 bits are the current epoch second.

        `tag` (hex digits) follows the epoch in place of random ones: the tail-sampling
        gateway keeps every trace whose id carries its tag (ecsotel.local.sampling).
        """
        return cls(f"{int(time.time()):08x}{tag}{secrets.token_hex(12)[len(tag) :]}")

    @property
    def xray(self) -> str:
        """The X-Ray form."""
        return f"1-{self.hex[:8]}-{self.hex[8:]}"

    def headers(self) -> dict[str, str]:
        """Request headers that make the receiving service continue this trace.

        Both forms: the load balancer keeps an incoming X-Amzn-Trace-Id root, and the
        apps' propagators read either header.
        """
        parent = secrets.token_hex(8)
        return {
            "traceparent": f"00-{self.hex}-{parent}-01",
            "X-Amzn-Trace-Id": f"Root={self.xray};Parent={parent};Sampled=1",
        }

    def alb_headers(self) -> dict[str, str]:
        """The header exactly as an ALB adds it to a new request: a Root, no Parent, no Sampled.

        The apps must make this Root the trace id of a new root segment, so that the
        id in the load balancer's access logs is the X-Ray trace.
        """
        return {"X-Amzn-Trace-Id": f"Root={self.xray}"}


def trace_documents(client: "XRayClient", trace_id: str) -> list[Document]:
    """Every segment document X-Ray holds for one trace (empty while none arrived)."""
    response = client.batch_get_traces(TraceIds=[trace_id])
    return [
        json.loads(segment["Document"])
        for trace in response.get("Traces", [])
        for segment in trace.get("Segments", [])
        if "Document" in segment
    ]


def documents_by_trace(client: "XRayClient", xray_ids: Iterable[str]) -> dict[str, list[Document]]:
    """The segment documents of many traces (X-Ray form ids), five per call; [] where none."""
    wanted = list(dict.fromkeys(xray_ids))
    found: dict[str, list[Document]] = {trace_id: [] for trace_id in wanted}
    for i in range(0, len(wanted), 5):  # BatchGetTraces takes at most 5 ids
        for trace in client.batch_get_traces(TraceIds=wanted[i : i + 5]).get("Traces", []):
            found[trace["Id"]] = [
                json.loads(segment["Document"])
                for segment in trace.get("Segments", [])
                if "Document" in segment
            ]
    return found


def recent_trace_ids(client: "XRayClient", minutes: float) -> list[str]:
    """Ids of the traces of the last `minutes`, newest first (GetTraceSummaries)."""
    end = datetime.now(UTC) + timedelta(seconds=5)
    start = end - timedelta(minutes=minutes)
    summaries: list[tuple[float, str]] = []
    paginator = client.get_paginator("get_trace_summaries")
    for page in paginator.paginate(StartTime=start, EndTime=end, Sampling=False):
        for summary in page.get("TraceSummaries", []):
            if "Id" in summary:
                summaries.append((_epoch_of(summary["Id"]), summary["Id"]))
    return [trace_id for _, trace_id in sorted(summaries, reverse=True)]


def _epoch_of(trace_id: str) -> float:
    try:
        return float(int(trace_id.split("-")[1], 16))
    except (IndexError, ValueError):
        return 0.0


@dataclass
class Span:
    """One segment or subsegment, with its children, in time order."""

    id: str
    name: str
    service: str
    start: float
    end: float
    document: Document
    children: list["Span"] = field(default_factory=list)

    @property
    def duration_ms(self) -> float:
        """How long it took, in milliseconds."""
        return max(self.end - self.start, 0.0) * 1000

    @property
    def status(self) -> str:
        """`fault` (5xx), `error` (4xx), `throttle` or `ok`, as X-Ray flags it."""
        for flag in ("fault", "error", "throttle"):
            if self.document.get(flag):
                return flag
        return "ok"

    @property
    def sql(self) -> Document | None:
        """The `sql` block of a database call, if this is one."""
        sql = self.document.get("sql")
        return sql if isinstance(sql, dict) else None

    @property
    def interaction(self) -> str | None:
        """What a browser segment stands for (`click create`): its name is the service's."""
        metadata = self.document.get("metadata", {}).get("default", {})
        kind, action = metadata.get("app.interaction.type"), metadata.get("app.interaction.action")
        return f"{kind} {action}" if isinstance(kind, str) and isinstance(action, str) else None

    def walk(self) -> Iterator["Span"]:
        """This span and all below it."""
        yield self
        for child in self.children:
            yield from child.walk()


def build_tree(documents: Iterable[Document]) -> list[Span]:
    """Link segments and subsegments to their parents; return the roots in time order.

    The awsxray exporter sends each span as its own document: server spans as
    segments (named after the service), the others as `"type": "subsegment"`
    documents with a `parent_id`, which belong to the service of their parent.
    """
    spans: dict[str, Span] = {}
    parent_of: dict[str, str] = {}
    segments: set[str] = set()

    def add(document: Document, parent: str | None) -> None:
        span = Span(
            id=document["id"],
            name=document.get("name", "?"),
            service="",
            start=float(document.get("start_time", 0)),
            end=float(document.get("end_time") or document.get("start_time") or 0),
            document=document,
        )
        spans[span.id] = span
        if parent:
            parent_of[span.id] = parent
        for sub in document.get("subsegments", []):
            add(sub, span.id)

    for document in documents:
        add(document, document.get("parent_id"))
        if document.get("type") != "subsegment":
            segments.add(document["id"])

    roots: list[Span] = []
    for span in spans.values():
        parent = spans.get(parent_of.get(span.id, ""))
        (parent.children if parent else roots).append(span)

    def assign(span: Span, service: str) -> None:
        span.service = span.name if span.id in segments else service
        span.children.sort(key=lambda child: child.start)
        for child in span.children:
            assign(child, span.service)

    roots.sort(key=lambda root: root.start)
    for root in roots:
        assign(root, root.name)
    return roots


BROWSER = "nextjs-browser"


def path_from_click(roots: list[Span], request_span: str) -> list[Span] | None:
    """The path nextjs-browser > `request_span` > nextjs-app > fastapi-app > SQL, if whole.

    The root must be the browser's segment (a click), the request its subsegment,
    and nextjs-app's segment that request's child.
    """
    for root in roots:
        if root.service != BROWSER:
            continue
        for request in root.walk():
            if request.service != BROWSER or request.name != request_span:
                continue
            for app in request.children:
                if app.service != "nextjs-app":
                    continue
                for api in app.walk():
                    if api.service != "fastapi-app" or api.name != "fastapi-app":
                        continue
                    sql = next((span for span in api.walk() if span.sql), None)
                    if sql:
                        return [root, request, app, api, sql]
    return None


def render(roots: list[Span], title: str) -> Tree:
    """A rich tree: service, span name, duration, status and SQL."""
    tree = Tree(f"[bold]{title}[/]")

    def label(span: Span) -> str:
        status = {"ok": "[green]ok[/]", "error": "[yellow]error[/]"}.get(
            span.status, f"[red]{span.status}[/]"
        )
        name = f"[bold cyan]{span.service}[/]" if span.name == span.service else span.name
        if span.name == span.service and span.interaction:
            name += f" [cyan]{span.interaction}[/]"
        text = f"{name}  {span.duration_ms:.1f} ms  {status}"
        if span.sql:
            statement = span.sql.get("sanitized_query") or span.sql.get("url", "")
            text += f"\n[dim]sql: {span.sql.get('database_type', '')} {statement}[/]"
        return text

    def add(node: Tree, span: Span) -> None:
        branch = node.add(label(span))
        for child in span.children:
            add(branch, child)

    for root in roots:
        add(tree, root)
    return tree
