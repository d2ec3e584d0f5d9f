"""The drills' verdicts that read what the stack left behind: the frontend's log and X-Ray.

Kept apart from the drills so that each can be fed a broken target in a test.
"""

import contextlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from devkit.polling import WaitTimeout, poll_until

from ecsotel.exercise.harness.traffic import Outcome
from ecsotel.xray import Document

if TYPE_CHECKING:  # the stubs are a development dependency
    from mypy_boto3_xray import XRayClient

# The frontend's one designed error record: a backend call that got no answer. It is
# how the frontend reports the 502/504 it answers, each counted in the row already.
DESIGNED_FRONTEND_ERRORS = frozenset({"backend call failed"})
# What Node.js and Next.js print for an error outside our logger: `Error: ...`,
# `TypeError ...`, a stack frame (`    at f (file:1:2)`), `code: 'ERR_...'`, and
# Next.js's cross mark (U+2A2F) before a failed request's error.
_UNSTRUCTURED_ERROR = re.compile(
    r"\b\w*Error\b|^\s+at \S|\bcode: 'ERR_|\u2a2f|\bunhandled\b|\buncaught\b", re.IGNORECASE
)
_ERROR_LEVELS = {"ERROR", "FATAL", "CRITICAL"}


@dataclass(frozen=True)
class LogErrors:
    """The error lines in a stretch of a log: unexpected ones, and how many were designed."""

    unexpected: list[str]
    designed: int

    def note(self) -> str:
        """The row's words for it."""
        return f"frontend log errors {len(self.unexpected)} (designed: {self.designed})"


def frontend_log_errors(lines: Iterable[str]) -> LogErrors:
    """Lines at level ERROR and stack-trace lines; the designed record counted apart."""
    unexpected: list[str] = []
    designed = 0
    for line in lines:
        record = _json(line)
        if record is None:
            if _UNSTRUCTURED_ERROR.search(line):
                unexpected.append(line)
        elif str(record.get("level", "")).upper() in _ERROR_LEVELS:
            if record.get("message") in DESIGNED_FRONTEND_ERRORS:
                designed += 1
            else:
                unexpected.append(line)
    return LogErrors(unexpected, designed)


def _json(line: str) -> dict[str, object] | None:
    if not line.startswith("{"):
        return None
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def documents_by_trace(client: "XRayClient", trace_ids: Sequence[str]) -> dict[str, list[Document]]:
    """Every segment document of each trace, five traces per call (BatchGetTraces' limit).

    Grouped by each document's own `trace_id`: moto leaves a trace's `Id` empty until
    the segment it sorts last has an end time, so the answer's ids cannot be trusted.
    """
    found: dict[str, list[Document]] = {trace: [] for trace in trace_ids}
    for start in range(0, len(trace_ids), 5):
        response = client.batch_get_traces(TraceIds=list(trace_ids[start : start + 5]))
        for trace in response.get("Traces", []):
            for segment in trace.get("Segments", []):
                document = json.loads(segment.get("Document", "{}"))
                if document.get("trace_id") in found:
                    found[document["trace_id"]].append(document)
    return found


SERVER_SEGMENTS = frozenset({"nextjs-app", "fastapi-app"})


def absent_servers(documents: Sequence[Document]) -> frozenset[str]:
    """Which app's server span (an X-Ray segment) a trace lacks; empty when it holds both."""
    segments = {d.get("name") for d in documents if d.get("type") != "subsegment"}
    return SERVER_SEGMENTS - segments


@dataclass(frozen=True)
class Flushed:
    """Of the finished requests checked, which traces lack a server span of either app."""

    checked: int
    # Trace id → the apps whose server span never arrived.
    missing: dict[str, frozenset[str]]

    def note(self) -> str:
        """The row's words for it."""
        return (
            f"spans of {self.checked} finished requests: {self.checked - len(self.missing)} flushed"
        )

    def problems(self) -> tuple[str, ...]:
        """What the drill must fail for: a lost trace, or nothing to check at all."""
        if not self.checked:
            return ("no request finished around the signals: nothing showed the flush",)
        if self.missing:
            lacking = Counter(app for apps in self.missing.values() for app in apps)
            first = list(self.missing)[:3]
            count = len(self.missing)
            return (f"{count} finished requests lack server spans {dict(lacking)}: {first}",)
        return ()


def unflushed(client: "XRayClient", finished: Sequence[Outcome], timeout: float) -> Flushed:
    """Wait up to `timeout` for every finished request's trace to hold both apps' server spans.

    The apps flush on SIGTERM, the collector batches for half a second and moto stores
    what it is sent: a trace still incomplete after the wait was lost, not late.
    """
    missing = {outcome.trace.xray: SERVER_SEGMENTS for outcome in finished}

    def complete() -> bool:
        documents = documents_by_trace(client, list(missing))
        for trace, found in documents.items():
            if absent := absent_servers(found):
                missing[trace] = absent
            else:
                missing.pop(trace, None)
        return not missing

    # Reported, not raised: the row says how many never arrived.
    with contextlib.suppress(WaitTimeout):
        poll_until(complete, f"the traces of {len(finished)} finished requests", timeout=timeout)
    return Flushed(len(finished), dict(missing))
