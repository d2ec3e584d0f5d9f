"""The OTLP pipeline end to end: `up --pipeline otlp`, then `verify`, and the apps' logs with ids.

A stack of its own (free ports), beside the shared one of the other e2e tests.
"""

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from devkit.polling import poll_until

from ecsotel.local.collector import LOCAL_LOG_GROUP
from ecsotel.local.ports import Ports
from ecsotel.local.process import log_file
from ecsotel.local.stack import Stack, running_stack
from ecsotel.paths import CACHE_DIR
from tests.e2e.test_stack import passed_verify

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def otlp_stack() -> Iterator[Stack]:
    """The whole stack on the OTLP pipeline, healthy."""
    path = CACHE_DIR / "e2e" / "otlp-stack.log"
    with log_file(path) as log, running_stack(log, Ports.free(), pipeline="otlp") as running:
        yield running


@pytest.fixture(scope="module")
def verified(otlp_stack: Stack) -> str:
    """What `ecsotel verify` printed against it (it must pass)."""
    return passed_verify(otlp_stack.ports)


def test_verify_passes_on_the_otlp_pipeline_and_says_so(verified: str) -> None:
    assert "verify passed" in verified
    assert "pipeline checked: otlp" in verified
    assert "FAILED" not in verified


def test_both_apps_log_records_arrive_with_trace_and_span_ids(
    otlp_stack: Stack, verified: str
) -> None:
    logs = boto3.client("logs", **otlp_stack.aws.client_settings())

    def records_of_both() -> list[dict[str, Any]] | None:
        events = logs.filter_log_events(logGroupName=LOCAL_LOG_GROUP)["events"]
        records: list[dict[str, Any]] = [json.loads(event["message"]) for event in events]
        services = {r["resource"]["service.name"] for r in records}
        return records if {"fastapi-app", "nextjs-app"} <= services else None

    records = poll_until(records_of_both, f"log records of both apps in {LOCAL_LOG_GROUP}")
    by_body = {r["body"]: r for r in records}
    for body in ("todo created", "server action"):
        record = by_body[body]
        assert len(str(record["trace_id"])) == 32, record
        assert len(str(record["span_id"])) == 16, record
