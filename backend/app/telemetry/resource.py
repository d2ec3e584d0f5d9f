"""The resource every signal carries: the service's name, and on ECS its task, hashed once.

Why not the SDK's ``Resource`` as it is: the OTLP encoders hash it once per span, and
each hash serialises every attribute to JSON: 40,000 instructions a span here, 149,000
with ECS's 22 attributes, against 1,500 hashed once (callgrind; reproduce, in
backend/: ``valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python
-m bench.pieces --callgrind``; without valgrind and ``--callgrind``, CPU time).
Cost to keep: ``_HashedOnce``, 10 lines; re-check on SDK upgrades that a Resource is
still immutable and that ``tests/telemetry/test_resource.py`` still sees the SDK re-hash.
Delete when: the SDK caches the hash itself (open-telemetry/opentelemetry-python#5577).
"""

from opentelemetry.sdk.extension.aws.resource.ecs import AwsEcsResourceDetector
from opentelemetry.sdk.resources import Resource, get_aggregated_resources

from app.core.config import Settings


class _HashedOnce(Resource):
    """A Resource that computes its hash once (it never changes after it is made)."""

    def __init__(self, resource: Resource) -> None:
        super().__init__(resource.attributes, resource.schema_url)
        self._hash = super().__hash__()

    def __hash__(self) -> int:
        return self._hash


def service_resource(settings: Settings) -> Resource:
    """``service.name`` and ``OTEL_RESOURCE_ATTRIBUTES``, plus the ECS task's on ECS."""
    base = Resource.create({"service.name": settings.otel_service_name})
    if settings.ecs_container_metadata_uri_v4:
        # Cluster, task ARN, container, log group (links X-Ray to the task's logs).
        base = get_aggregated_resources(
            [AwsEcsResourceDetector()], initial_resource=base, timeout=3
        )
    return _HashedOnce(base)
