"""Action to trace: how long after a response its trace is complete in (local) X-Ray.

Starts the whole local stack (PostgreSQL, moto, the real collector, both apps with
collector/app-env.json) on free ports, then, one at a time, creates a todo through
the API-route proxy with the ALB's Root-only header and polls X-Ray until that
trace holds both apps and the SQL call (verify's own completeness test). The time
from the response to the complete trace covers both SDKs' batch delays, the
collector's batch and the export; polling every 50 ms bounds its resolution.
"""

import statistics
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import httpx
from devkit.polling import poll_until

from ecsotel import xray
from ecsotel.local.ports import Ports
from ecsotel.local.process import log_file
from ecsotel.local.sampling import Sampling, keep_tag
from ecsotel.local.stack import running_stack
from ecsotel.proof.checks import TraceFindings

if TYPE_CHECKING:
    from mypy_boto3_xray import XRayClient


def _complete(client: "XRayClient", trace: xray.TraceId) -> bool:
    documents = xray.trace_documents(client, trace.xray)
    return TraceFindings(xray.build_tree(documents)).complete()


def action_to_trace(samples: int, folder: Path, sampling: Sampling = "head") -> dict[str, float]:
    """p50, p95 and max seconds from a create's response to its complete trace.

    With "tail", through the gateways; each create is marked for keeping (keep_tag).
    """
    seconds: list[float] = []
    stack_log, ports = log_file(folder / f"stack-{sampling}.log"), Ports.free()
    with stack_log as log, running_stack(log, ports, sampling=sampling) as stack:
        xray_client = boto3.client("xray", **stack.aws.client_settings())
        with httpx.Client(base_url=stack.frontend_url, timeout=30) as client:
            client.get("/").raise_for_status()  # the first render compiles and caches
            for number in range(samples):
                trace = xray.TraceId.new(keep_tag())
                response = client.post(
                    "/api/todos", json={"title": f"latency {number}"}, headers=trace.alb_headers()
                )
                response.raise_for_status()
                answered = time.monotonic()
                poll_until(
                    partial(_complete, xray_client, trace),
                    f"trace {trace.xray} complete in X-Ray",
                    timeout=30,
                    interval=0.05,
                )
                seconds.append(time.monotonic() - answered)
    ranked = sorted(seconds)
    return {
        "samples": len(ranked),
        "p50_s": statistics.median(ranked),
        "p95_s": ranked[max(0, round(0.95 * len(ranked)) - 1)],
        "max_s": ranked[-1],
    }
