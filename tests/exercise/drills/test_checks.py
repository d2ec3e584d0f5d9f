"""The drills' new checkers, each fed a broken target: they must fail it."""

import json
import time
from collections.abc import Iterator

import boto3
import pytest
from devkit.ports import free_port
from mypy_boto3_xray import XRayClient

from ecsotel.exercise.drills.checks import frontend_log_errors, unflushed
from ecsotel.exercise.drills.rotation import Switch, count_refreshes, in_flight_during
from ecsotel.exercise.harness.traffic import Outcome
from ecsotel.local.moto import LocalAws
from ecsotel.local.process import start
from ecsotel.xray import TraceId

DESIGNED = json.dumps(
    {
        "level": "ERROR",
        "logger": "nextjs-app",
        "message": "backend call failed",
        "failure": "unreachable",
    }
)
INFO = json.dumps({"level": "INFO", "logger": "nextjs-app", "message": "server action"})


def test_clean_frontend_log_has_no_errors_and_counts_designed_ones() -> None:
    errors = frontend_log_errors([INFO, DESIGNED, "▲ Next.js 16.4.6", "✓ Ready in 0ms", DESIGNED])
    assert errors.unexpected == []
    assert errors.designed == 2


def test_stack_trace_in_frontend_log_is_an_error() -> None:
    trace = [
        "Error: Server is not running.",
        "    at t.default.Server.emit (.next/server/chunks/x.js:1:1081) {",
        "  code: 'ERR_SERVER_NOT_RUNNING'",
        "}",
    ]
    assert frontend_log_errors([INFO, *trace]).unexpected == trace[:3]


def test_error_record_other_than_the_designed_one_is_an_error() -> None:
    record = json.dumps({"level": "ERROR", "message": "shutdown failed"})
    assert frontend_log_errors([record]).unexpected == [record]


def test_nextjs_request_error_mark_is_an_error() -> None:
    line = " \u2a2f TypeError: fetch failed"
    assert frontend_log_errors([line]).unexpected == [line]


def _outcome(started: float, ended: float, status: int) -> Outcome:
    return Outcome(started, "list", status, TraceId.new(), ended=ended)


def test_only_requests_open_during_the_switch_are_excused() -> None:
    switch = Switch(began=10.0, ended=10.5, terminated=3)
    before, across, after = _outcome(8, 9, 503), _outcome(9.9, 10.6, 503), _outcome(11, 11.2, 503)
    assert in_flight_during([before, across, after], switch) == {across}


def test_refreshes_are_counted_from_the_backends_warning() -> None:
    warning = json.dumps(
        {
            "level": "WARNING",
            "message": "database rejected the cached credentials; re-reading the secret",
        }
    )
    other = json.dumps(
        {"level": "INFO", "message": "database credentials read from Secrets Manager"}
    )
    assert count_refreshes([warning, other, warning]) == 2
    assert count_refreshes([other]) == 0


@pytest.fixture(scope="module")
def xray() -> Iterator[XRayClient]:
    """An X-Ray client for a moto server of our own."""
    aws = LocalAws(port=free_port())
    service = start(aws.spec(), lambda _service, _line: None)
    try:
        yield boto3.client("xray", **aws.client_settings())
    finally:
        service.stop()


def _segment(trace: TraceId, name: str, **extra: object) -> str:
    now = time.time()
    document = {"name": name, "id": TraceId.new().hex[:16], "trace_id": trace.xray}
    return json.dumps({**document, "start_time": now, "end_time": now + 0.01, **extra})


def test_trace_missing_one_apps_server_span_is_unflushed(xray: XRayClient) -> None:
    whole, half, none = TraceId.new(), TraceId.new(), TraceId.new()
    frontend = _segment(half, "nextjs-app")
    # The backend's SQL call alone is a subsegment: not a server span.
    sql = _segment(half, "todo@127.0.0.1", type="subsegment", parent_id="0" * 16)
    xray.put_trace_segments(
        TraceSegmentDocuments=[
            _segment(whole, "nextjs-app"),
            _segment(whole, "fastapi-app"),
            frontend,
            sql,
        ]
    )
    finished = [Outcome(0, "list", 200, trace, ended=1) for trace in (whole, half, none)]
    flushed = unflushed(xray, finished, timeout=1)
    assert flushed.missing == {
        half.xray: {"fastapi-app"},
        none.xray: {"nextjs-app", "fastapi-app"},
    }
    assert flushed.note() == "spans of 3 finished requests: 1 flushed"
    assert flushed.problems()


def test_all_traces_whole_is_no_problem_and_nothing_checked_is_one(xray: XRayClient) -> None:
    trace = TraceId.new()
    xray.put_trace_segments(
        TraceSegmentDocuments=[_segment(trace, "nextjs-app"), _segment(trace, "fastapi-app")]
    )
    assert unflushed(xray, [Outcome(0, "list", 200, trace, ended=1)], timeout=5).problems() == ()
    assert unflushed(xray, [], timeout=1).problems() != ()
