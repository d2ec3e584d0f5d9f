"""The AWS clients that `verify` and `traces` read telemetry with.

One code path for the local stack and AWS: only the clients' settings differ (the
environment's credentials and region, or the local stand-in's endpoint when the
app runs on this machine).
"""

import os
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import boto3

from ecsotel.local.moto import LocalAws
from ecsotel.local.ports import Ports

if TYPE_CHECKING:  # the stubs are a development dependency
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_xray import XRayClient


def is_local(base_url: str) -> bool:
    """Whether the app runs on this machine (then AWS is the local stand-in)."""
    return urlparse(base_url).hostname in {"localhost", "127.0.0.1", "::1"}


def telemetry_clients(local: bool) -> tuple["XRayClient", "CloudWatchLogsClient", str]:
    """X-Ray and CloudWatch Logs clients, and a line saying which AWS they reach.

    `local` (and no AWS endpoint in the environment): the local stack's moto, on the
    port `up` uses (STACK_AWS_PORT), with its dummy credentials; otherwise boto3's
    standard chain, unchanged.
    """
    settings: dict[str, Any] = {}
    if local and "AWS_ENDPOINT_URL" not in os.environ:
        settings = LocalAws(port=Ports.from_env().aws).client_settings()
    session = boto3.session.Session()
    xray_client = session.client("xray", **settings)
    logs_client = session.client("logs", **settings)
    where = settings.get("endpoint_url") or os.environ.get("AWS_ENDPOINT_URL") or "AWS"
    return xray_client, logs_client, f"{where} ({xray_client.meta.region_name})"
