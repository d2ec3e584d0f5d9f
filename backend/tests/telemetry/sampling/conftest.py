"""Fixtures for the X-Ray sampling tests: the recorded API and samplers stopped after each test."""

from collections.abc import Callable, Iterator

import pytest
from opentelemetry.sdk.resources import Resource

from app.core.config import parse_sampler_arg
from app.telemetry.sampling import XRayRemoteSampler
from tests.telemetry.sampling.xray_api import RecordedXRay, serve

SamplerFactory = Callable[..., XRayRemoteSampler]


@pytest.fixture
def xray_api() -> Iterator[RecordedXRay]:
    """The recorded sampling API, serving the fixture documents."""
    with serve(RecordedXRay()) as api:
        yield api


@pytest.fixture
def start_sampler() -> Iterator[SamplerFactory]:
    """Start X-Ray samplers from an OTEL_TRACES_SAMPLER_ARG text; all stopped at the end."""
    started: list[XRayRemoteSampler] = []

    def start(
        arg: str, *, resource: Resource | None = None, **options: object
    ) -> XRayRemoteSampler:
        sampler = XRayRemoteSampler(
            parse_sampler_arg(arg),
            resource or Resource.create({"service.name": "fastapi-app"}),
            **options,  # type: ignore[arg-type]
        )
        sampler.start()
        started.append(sampler)
        return sampler

    yield start
    for sampler in started:
        sampler.shutdown(5.0)
