"""The real collector (built by `make collector`) exporting to moto, for the contract tests.

Both run on free ports, so the tests do not clash with a running `make up`.
Their output goes to .cache/collector-tests/services.log (read it when a test fails).
"""

from collections.abc import Iterator

import boto3
import pytest
from devkit.ports import free_port
from mypy_boto3_logs import CloudWatchLogsClient
from mypy_boto3_xray import XRayClient

from ecsotel.local.collector import BINARY, CollectorPorts, collector_spec
from ecsotel.local.moto import LocalAws
from ecsotel.local.process import LogWriter, log_file, start
from ecsotel.paths import CACHE_DIR

LOG_FILE = CACHE_DIR / "collector-tests" / "services.log"


@pytest.fixture(scope="session")
def service_log() -> Iterator[LogWriter]:
    """Writes every service's output, prefixed, to LOG_FILE."""
    with log_file(LOG_FILE) as write:
        yield write


@pytest.fixture(scope="session")
def aws(service_log: LogWriter) -> Iterator[LocalAws]:
    """moto, standing in for X-Ray and CloudWatch Logs."""
    local_aws = LocalAws(port=free_port())
    service = start(local_aws.spec(), service_log)
    try:
        yield local_aws
    finally:
        service.stop()


@pytest.fixture(scope="session")
def collector(aws: LocalAws, service_log: LogWriter) -> Iterator[CollectorPorts]:
    """The collector running collector/config.yaml, healthy; yields where it listens."""
    if not BINARY.exists():
        pytest.fail(f"{BINARY} is missing: run `make collector` first")
    ports = CollectorPorts.free()
    # A short batch timeout keeps the tests quick; everything else is the ECS config.
    service = start(collector_spec(aws=aws, ports=ports, batch_timeout="100ms"), service_log)
    try:
        yield ports
    finally:
        service.stop()


@pytest.fixture(scope="session")
def xray(aws: LocalAws) -> XRayClient:
    """An X-Ray client for moto, with the collector's credentials (moto keeps data per account)."""
    return boto3.client("xray", **aws.client_settings())


@pytest.fixture(scope="session")
def logs(aws: LocalAws) -> CloudWatchLogsClient:
    """A CloudWatch Logs client for moto, with the collector's credentials."""
    return boto3.client("logs", **aws.client_settings())
