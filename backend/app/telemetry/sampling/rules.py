"""X-Ray sampling rules: what one matches, parsed from GetSamplingRules' documents.

Matching follows X-Ray's documented semantics (and the JS contrib sampler): a rule
applies to this service when its ServiceName, ServiceType and ResourceARN match the
resource; to a request when its HTTPMethod, URLPath, Host and every one of its
Attributes match the span's start attributes. Patterns are globs, ``*`` any run of
characters and ``?`` exactly one, case-insensitive; ``*`` alone also matches a value
the service does not know (no ARN off AWS).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.sdk.resources import Resource
from opentelemetry.util.types import Attributes

# The segment origins X-Ray matches ServiceType against, by OpenTelemetry's cloud.platform.
SERVICE_TYPES = {
    "aws_ecs": "AWS::ECS::Container",
    "aws_ec2": "AWS::EC2::Instance",
    "aws_eks": "AWS::EKS::Container",
    "aws_elastic_beanstalk": "AWS::ElasticBeanstalk::Environment",
    "aws_lambda": "AWS::Lambda::Function",
}
# The resource attributes that name the ARN a rule's ResourceARN is matched against.
_ARN_ATTRIBUTES = ("aws.ecs.container.arn", "aws.ecs.cluster.arn", "aws.eks.cluster.arn")


@dataclass(frozen=True)
class Service:
    """What a rule's service fields are matched against: fixed for the process."""

    name: str
    type: str | None = None
    arn: str | None = None

    @classmethod
    def from_resource(cls, resource: Resource) -> "Service":
        """Read service.name, cloud.platform and the ECS/EKS ARN from the resource."""
        found = resource.attributes
        platform = found.get("cloud.platform")
        arns = (found.get(key) for key in _ARN_ATTRIBUTES)
        return cls(
            name=str(found.get("service.name", "")),
            type=SERVICE_TYPES.get(platform) if isinstance(platform, str) else None,
            arn=next((arn for arn in arns if isinstance(arn, str)), None),
        )


class Glob:
    """An X-Ray pattern: ``*`` and ``?`` wildcards, case-insensitive, whole value."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
        self._regex = None if pattern == "*" else re.compile("".join(parts), re.I | re.S)

    def matches(self, value: object) -> bool:
        """Whether ``value`` (a string, or anything for ``*``) fits the pattern."""
        if self._regex is None:
            return True
        return isinstance(value, str) and self._regex.fullmatch(value) is not None


@dataclass(frozen=True)
class SamplingRule:
    """One ``SamplingRule`` as GetSamplingRules returns it (format version 1)."""

    name: str
    priority: int
    fixed_rate: float
    reservoir_size: int
    # Patterns; "*" matches anything.
    service_name: str = "*"
    service_type: str = "*"
    resource_arn: str = "*"
    host: str = "*"
    http_method: str = "*"
    url_path: str = "*"
    attributes: tuple[tuple[str, str], ...] = ()
    # Compiled once; equality (an unchanged rule keeps its state) is on the fields above.
    _globs: dict[str, Glob] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        fields = ("service_name", "service_type", "resource_arn", "host", "http_method")
        globs = {name: Glob(getattr(self, name)) for name in (*fields, "url_path")}
        globs.update({f"attribute:{key}": Glob(value) for key, value in self.attributes})
        object.__setattr__(self, "_globs", globs)

    def applies_to(self, service: Service) -> bool:
        """Whether the rule's service fields match this service."""
        globs = self._globs
        return (
            globs["service_name"].matches(service.name)
            and globs["service_type"].matches(service.type)
            and globs["resource_arn"].matches(service.arn)
        )

    def matches(self, attributes: Attributes) -> bool:
        """Whether the rule's request fields match a span's start attributes."""
        found: Mapping[str, Any] = attributes or {}
        globs = self._globs
        return (
            globs["http_method"].matches(found.get("http.request.method"))
            # A span without a path is taken as "/", as X-Ray's SDKs do.
            and globs["url_path"].matches(found.get("url.path", "/"))
            and globs["host"].matches(found.get("server.address"))
            and all(globs[f"attribute:{key}"].matches(found.get(key)) for key, _ in self.attributes)
        )


def parse_rule(document: Mapping[str, Any]) -> SamplingRule | None:
    """A rule from one ``SamplingRule`` document; None for a format other than version 1.

    Raises KeyError, TypeError or ValueError for a document that is not one.
    """
    if document.get("Version") != 1:
        return None
    attributes = document.get("Attributes") or {}
    if not isinstance(attributes, dict):
        raise TypeError("Attributes is not an object")
    rate = float(document["FixedRate"])
    if not 0 <= rate <= 1:
        raise ValueError(f"FixedRate {rate} outside 0..1")
    return SamplingRule(
        name=str(document["RuleName"]),
        priority=int(document["Priority"]),
        fixed_rate=rate,
        reservoir_size=int(document["ReservoirSize"]),
        service_name=str(document["ServiceName"]),
        service_type=str(document["ServiceType"]),
        resource_arn=str(document["ResourceARN"]),
        host=str(document["Host"]),
        http_method=str(document["HTTPMethod"]),
        url_path=str(document["URLPath"]),
        attributes=tuple(sorted((str(k), str(v)) for k, v in attributes.items())),
    )


def parse_rules(records: list[Any]) -> list[SamplingRule]:
    """The version-1 rules of GetSamplingRules' records, by Priority then RuleName."""
    rules = [parse_rule(record["SamplingRule"]) for record in records]
    return sorted((rule for rule in rules if rule is not None), key=lambda r: (r.priority, r.name))
