"""FAULT_RATE: the share of API requests that fail as a real bug would; 0 injects nothing."""

from collections.abc import Iterator

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.db import get_session
from app.core.faults import fault_dependencies
from app.main import create_app
from app.telemetry import Telemetry
from tests.telemetry.recorded import server_spans

PROBE_TAG = "cafe0123"


def client_for(rate: float, engine: Engine, telemetry: Telemetry, session: Session) -> TestClient:
    """An app built with FAULT_RATE `rate` sparing PROBE_TAG, on the test's rolled-back session."""
    app = create_app(engine=engine, telemetry=telemetry, fault_rate=rate, fault_spare_tag=PROBE_TAG)

    def _session() -> Iterator[Session]:
        yield session

    app.dependency_overrides[get_session] = _session
    telemetry.tracer_provider.force_flush()
    return TestClient(app, raise_server_exceptions=False)


def test_a_rate_of_zero_injects_nothing_even_for_the_lowest_draw() -> None:
    # A draw of 0.0 fails every request at any rate above 0.
    assert fault_dependencies(0.0, PROBE_TAG, draw=lambda: 0.0) == []
    assert Settings(database_url="postgresql://u:p@h/db").fault_rate == 0


def test_the_app_without_fault_rate_answers_every_request(
    engine: Engine, telemetry: Telemetry, db_session: Session
) -> None:
    client = client_for(0.0, engine, telemetry, db_session)

    statuses = {client.get("/api/todos/").status_code for _ in range(50)}

    assert statuses == {200}


def test_a_faulted_request_answers_500_and_leaves_an_error_span(
    engine: Engine, telemetry: Telemetry, db_session: Session, spans: InMemorySpanExporter
) -> None:
    client = client_for(1.0, engine, telemetry, db_session)
    spans.clear()

    response = client.post("/api/todos/", json={"title": "never stored"})

    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error"}
    (span,) = server_spans(telemetry, spans)
    assert span.name == "POST /api/todos/"
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes is not None
    assert span.attributes["http.response.status_code"] == 500
    (event,) = [event for event in span.events if event.name == "exception"]
    assert event.attributes is not None
    assert str(event.attributes["exception.type"]).endswith("InjectedFault")
    assert client.get("/readyz").status_code == 200


def test_a_rate_fails_the_draws_below_it() -> None:
    draws = iter([0.04, 0.05, 0.9])
    (dependency,) = fault_dependencies(0.05, draw=lambda: next(draws))
    inject = dependency.dependency
    assert inject is not None
    request = Request({"type": "http", "headers": []})

    with pytest.raises(RuntimeError, match=r"injected fault \(FAULT_RATE=0.05\)"):
        inject(request)
    inject(request)
    inject(request)


def test_requests_in_a_probe_trace_are_spared_and_others_are_not(
    engine: Engine, telemetry: Telemetry, db_session: Session
) -> None:
    client = client_for(1.0, engine, telemetry, db_session)
    probe = f"00-6a1b2c3d{PROBE_TAG}0718293a4b5c6d7e8f9-1122334455667788-01"
    ordinary = "00-6a1b2c3d4e5f60718293a4b5c6d7e8f9-1122334455667788-01"
    # The tag elsewhere in the id is no mark.
    elsewhere = f"00-6a1b2c3d4e5f6071{PROBE_TAG}b5c6d7e8f9-1122334455667788-01"

    assert client.get("/api/todos/", headers={"traceparent": probe}).status_code == 200
    assert client.get("/api/todos/", headers={"traceparent": ordinary}).status_code == 500
    assert client.get("/api/todos/", headers={"traceparent": elsewhere}).status_code == 500
    assert client.get("/api/todos/").status_code == 500


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FAULT_RATE", "-0.1"),
        ("FAULT_RATE", "1.5"),
        ("FAULT_RATE", "often"),
        ("FAULT_SPARE_TAG", "probe"),
        ("FAULT_SPARE_TAG", "12345678901234567890123456"),
    ],
)
def test_a_fault_setting_out_of_its_range_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ValidationError, match=variable.lower()):
        Settings(database_url="postgresql://u:p@h/db")
