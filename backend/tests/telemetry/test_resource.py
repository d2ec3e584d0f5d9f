"""The resource: equal to the SDK's, but hashed once (upstream re-serialises it per hash)."""

import pytest
from opentelemetry.sdk.resources import Resource

from app.telemetry import Telemetry


def test_resource_hashes_once_and_still_equals_its_attributes(
    telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch
) -> None:
    resource = telemetry.tracer_provider.resource
    same = Resource(resource.attributes, resource.schema_url)
    assert resource == same
    assert hash(resource) == hash(same)

    # The encoders hash it per span: no JSON after the first time.
    def no_json(*_args: object, **_kwargs: object) -> str:
        raise AssertionError("the resource was serialised to hash it again")

    monkeypatch.setattr("opentelemetry.sdk.resources.dumps", no_json)
    assert hash(resource) == hash(resource)
    # The SDK's own Resource still serialises per hash (upstream #5577): when this
    # fails, the SDK caches the hash and resource._HashedOnce can go.
    with pytest.raises(AssertionError):
        hash(same)
