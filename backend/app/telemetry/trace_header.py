"""The load balancer's ``X-Amzn-Trace-Id``, continued even when it names no parent.

Why not the contrib ``AwsXRayPropagator`` alone: it refuses the ``Root=1-<epoch>-<random>``
header, without ``Parent``, that an ALB adds to every request arriving without one (a
remote parent needs a span id), so every request a browser starts would get a trace
id of its own, none of them the one in the ALB's access logs (reproduce, in backend/:
``uv run pytest tests/telemetry/test_trace_header.py -k contrib``).
Cost to keep: this module, 70 lines; on upgrades of opentelemetry-propagator-aws-xray
and opentelemetry-sdk-extension-aws re-check that ``extract`` and
``AwsXRayIdGenerator.generate_trace_id`` are still the methods to extend.
Delete when: the contrib propagator takes a Root-only header as the trace id of a new
root span (then ``test_contrib_propagator_still_refuses_a_root_only_header`` fails).

``AlbTraceHeaderPropagator`` extracts as the contrib one does and, for a Root-only
header, puts the Root into the context under ``ALB_TRACE_ROOT``; ``AlbRootIdGenerator``
gives a new root span that trace id when the current context carries it: the span is a
root (no parent) in the ALB's trace. ``Root=...;Parent=...;Sampled=...`` keeps the
contrib behaviour unchanged.
"""

import re
from typing import TypeVar

from opentelemetry import context, trace
from opentelemetry.context import Context, set_value
from opentelemetry.propagators.aws.aws_xray_propagator import TRACE_HEADER_KEY, AwsXRayPropagator
from opentelemetry.propagators.textmap import Getter, default_getter
from opentelemetry.sdk.extension.aws.trace import AwsXRayIdGenerator

CarrierT = TypeVar("CarrierT")

ALB_TRACE_ROOT = context.create_key("alb-trace-root")
# Root=1-<8 hex digits: epoch seconds>-<24 hex digits>, as X-Ray writes it.
_ROOT = re.compile(r"(?:^|;)\s*Root=1-([0-9a-fA-F]{8})-([0-9a-fA-F]{24})\s*(?:;|$)")


def root_trace_id(header: str) -> int | None:
    """The trace id in a header's ``Root`` field, or None when absent or malformed."""
    match = _ROOT.search(header)
    if match is None:
        return None
    trace_id = int(match[1] + match[2], 16)
    return trace_id or None


class AlbTraceHeaderPropagator(AwsXRayPropagator):
    """The X-Ray propagator, plus the ALB's Root-only header as a trace id for a new root."""

    def extract(
        self,
        carrier: CarrierT,
        context: Context | None = None,
        getter: Getter[CarrierT] = default_getter,
    ) -> Context:
        """Extract as X-Ray does; a header with a Root and no usable parent leaves the Root."""
        extracted = super().extract(carrier, context, getter)
        if trace.get_current_span(extracted).get_span_context().is_valid:
            return extracted
        values = getter.get(carrier, TRACE_HEADER_KEY)
        if not values or len(values) != 1:
            return extracted
        root = root_trace_id(values[0])
        return extracted if root is None else set_value(ALB_TRACE_ROOT, root, extracted)


class AlbRootIdGenerator(AwsXRayIdGenerator):
    """X-Ray trace ids, except a new root span under an ALB Root takes that Root."""

    def generate_trace_id(self) -> int:
        """The current context's ALB Root, else a new epoch-prefixed X-Ray id."""
        root = context.get_value(ALB_TRACE_ROOT)
        return root if isinstance(root, int) else super().generate_trace_id()
