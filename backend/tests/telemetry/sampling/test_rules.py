"""What an X-Ray sampling rule matches: the service (resource) and the request (attributes)."""

from typing import Any

import pytest
from opentelemetry.sdk.resources import Resource

from app.telemetry.sampling.rules import Glob, Service, parse_rule, parse_rules
from tests.telemetry.sampling.xray_api import load_fixture

ECS_CONTAINER = "arn:aws:ecs:us-east-1:123456789012:container/todo/abc/def"


def rule(**fields: Any) -> dict[str, Any]:
    """A SamplingRule document that matches everything, with ``fields`` changed."""
    document: dict[str, Any] = {
        "RuleName": "r",
        "Priority": 10,
        "FixedRate": 0.1,
        "ReservoirSize": 1,
        "ServiceName": "*",
        "ServiceType": "*",
        "ResourceARN": "*",
        "Host": "*",
        "HTTPMethod": "*",
        "URLPath": "*",
        "Version": 1,
        "Attributes": {},
    }
    return document | fields


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("*", None, True),
        ("/api/*", "/api/todos/7", True),
        ("/api/*", "/healthz", False),
        ("/api/todos/?", "/api/todos/7", True),
        ("/api/todos/?", "/api/todos/77", False),
        ("post", "POST", True),
        ("a.b", "axb", False),
        ("", "", True),
        ("GET", None, False),
    ],
)
def test_glob(pattern: str, value: str | None, expected: bool) -> None:
    assert Glob(pattern).matches(value) is expected


def test_ecs_resource_gives_service_type_and_arn() -> None:
    resource = Resource.create(
        {
            "service.name": "fastapi-app",
            "cloud.platform": "aws_ecs",
            "aws.ecs.container.arn": ECS_CONTAINER,
        }
    )

    service = Service.from_resource(resource)

    assert service == Service("fastapi-app", "AWS::ECS::Container", ECS_CONTAINER)


def test_service_fields_match_the_resource() -> None:
    on_ecs = Service("fastapi-app", "AWS::ECS::Container", ECS_CONTAINER)
    local = Service("fastapi-app")
    ecs_only = parse_rule(rule(ServiceType="AWS::ECS::*", ResourceARN="arn:aws:ecs:*"))
    other_service = parse_rule(rule(ServiceName="nextjs-app"))
    assert ecs_only is not None
    assert other_service is not None

    assert ecs_only.applies_to(on_ecs)
    assert not ecs_only.applies_to(local)
    assert not other_service.applies_to(on_ecs)


def test_request_fields_and_attributes_must_all_match() -> None:
    found = parse_rule(
        rule(HTTPMethod="PUT", URLPath="/api/todos/*", Host="api.*", Attributes={"tier": "gold"})
    )
    assert found is not None
    request = {
        "http.request.method": "PUT",
        "url.path": "/api/todos/3",
        "server.address": "api.example",
        "tier": "gold",
    }

    assert found.matches(request)
    assert not found.matches(request | {"tier": "free"})
    assert not found.matches({k: v for k, v in request.items() if k != "tier"})
    assert not found.matches(request | {"http.request.method": "GET"})
    assert not found.matches(request | {"server.address": "localhost"})


def test_missing_path_counts_as_root() -> None:
    found = parse_rule(rule(URLPath="/"))
    assert found is not None

    assert found.matches({})


def test_fixture_rules_come_by_priority_and_only_version_one() -> None:
    records = load_fixture("get-sampling-rules.json")["SamplingRuleRecords"]
    records = [*records, {"SamplingRule": rule(RuleName="future", Priority=1, Version=2)}]
    records.append({"SamplingRule": rule(RuleName="a-tie", Priority=100)})

    names = [found.name for found in parse_rules(records)]

    assert names == ["a-tie", "todo-writes", "Default"]


def test_a_rule_without_its_fields_is_refused() -> None:
    document = rule()
    del document["FixedRate"]

    with pytest.raises(KeyError):
        parse_rule(document)
