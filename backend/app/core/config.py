"""The one typed settings object: every value the service reads from its environment."""

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
SAMPLER_ARG = "OTEL_TRACES_SAMPLER_ARG"


@dataclass(frozen=True)
class SamplerArg:
    """The X-Ray sampler's ``OTEL_TRACES_SAMPLER_ARG``: where the sampling API is, how often."""

    # The sidecar's awsproxy extension, as ADOT's docs and the SDKs default it.
    endpoint: str = "http://127.0.0.1:2000"
    # Seconds between GetSamplingRules calls, ADOT's default.
    polling_interval: float = 300.0


class Settings(BaseSettings):
    """Configuration from environment variables, validated at start-up.

    The database is reached either through ``DATABASE_URL`` (local stack, tests) or
    through ``DB_HOST``/``DB_PORT``/``DB_NAME`` with the credentials in the Secrets
    Manager secret ``DB_SECRET_ARN`` (ECS with Aurora's managed master-user secret).
    """

    # Only the process environment: a stray .env file must not change a deployment.
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    database_url: SecretStr | None = None
    db_host: str | None = None
    db_port: int = Field(default=5432, ge=1, le=65535)
    db_name: str | None = None
    db_secret_arn: str | None = None
    # Seconds libpq waits for a TCP connection: an unreachable database must turn
    # into a prompt 503, not a request hanging for the kernel's timeout.
    db_connect_timeout: int = Field(default=3, ge=1)
    # Connections per task: pool_size kept open, max_overflow more under load. On ECS,
    # Terraform sets both and checks that max tasks x their sum fits Aurora's limit.
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)

    # boto3 reads AWS_REGION and AWS_ENDPOINT_URL itself; the region is named here
    # so a missing one fails at start-up instead of at the first connection.
    aws_region: str | None = None

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: LogLevel = "INFO"

    # The OpenTelemetry SDK reads the remaining OTEL_* variables (endpoint, timeouts,
    # sampler, resource attributes) itself; these are the ones the bootstrap decides on.
    otel_sdk_disabled: bool = False
    otel_service_name: str = "fastapi-app"
    otel_exporter_otlp_protocol: Literal["grpc", "http/protobuf"] = "http/protobuf"
    otel_propagators: str = "tracecontext,baggage,xray"
    # "xray": ParentBased(root = the X-Ray remote sampler, app/telemetry/sampling), its
    # argument ADOT's "endpoint=...,polling_interval=..." form. Any other value is the
    # SDK's own: it reads both variables from the environment itself.
    otel_traces_sampler: str = "parentbased_always_on"
    otel_traces_sampler_arg: str = ""
    # "otlp" on the OTLP pipeline: logging records are exported too (app/telemetry/logs.py).
    otel_logs_exporter: Literal["none", "otlp"] = "none"
    # Set by the ECS agent in every task; its presence enables the ECS resource detector.
    ecs_container_metadata_uri_v4: str | None = None

    # FAULT_RATE: the share of API requests that fail with a 500, to exercise the
    # telemetry (app/core/faults.py). Never on unless set.
    fault_rate: float = Field(default=0.0, ge=0, le=1)
    # FAULT_SPARE_TAG: requests in traces marked with these hex digits (verify's) are
    # never faulted. The local stack and Terraform set it to the tail-sampling
    # gateway's keep mark (collector/config.gateway.yaml).
    fault_spare_tag: str = Field(default="", pattern=r"^[0-9a-fA-F]{0,24}$")

    @property
    def xray_sampler_arg(self) -> SamplerArg | None:
        """The X-Ray sampler's settings when OTEL_TRACES_SAMPLER=xray, else None."""
        if self.otel_traces_sampler.strip().lower() != "xray":
            return None
        return parse_sampler_arg(self.otel_traces_sampler_arg)

    @model_validator(mode="after")
    def _xray_sampler_arg_parses(self) -> Self:
        """Refuse a malformed OTEL_TRACES_SAMPLER_ARG at start-up, naming it."""
        _ = self.xray_sampler_arg
        return self

    @model_validator(mode="after")
    def _one_way_to_the_database(self) -> Self:
        """Require DATABASE_URL or the complete DB_HOST/DB_NAME/DB_SECRET_ARN set."""
        parts = {
            "DB_HOST": self.db_host,
            "DB_NAME": self.db_name,
            "DB_SECRET_ARN": self.db_secret_arn,
        }
        if self.database_url is None:
            missing = [name for name, value in parts.items() if not value]
            if missing:
                raise ValueError(
                    "set DATABASE_URL, or DB_HOST, DB_NAME and DB_SECRET_ARN "
                    f"(missing: {', '.join(missing)})"
                )
            if not self.aws_region:
                raise ValueError("DB_SECRET_ARN needs AWS_REGION")
        return self


def parse_sampler_arg(text: str) -> SamplerArg:
    """Parse ADOT's ``endpoint=http://127.0.0.1:2000,polling_interval=300`` (each key optional).

    Raises ValueError with a message naming the variable, which the settings turn
    into the start-up error.
    """
    values: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, equals, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not equals or not key or not value:
            raise ValueError(f"{SAMPLER_ARG}: expected key=value, got {item!r}")
        if key not in ("endpoint", "polling_interval"):
            raise ValueError(f"{SAMPLER_ARG}: unknown key {key!r} (endpoint, polling_interval)")
        if key in values:
            raise ValueError(f"{SAMPLER_ARG}: {key} given twice")
        values[key] = value
    endpoint = values.get("endpoint", SamplerArg.endpoint).rstrip("/")
    url = urlsplit(endpoint)
    if url.scheme not in ("http", "https") or not url.hostname or url.query or url.fragment:
        raise ValueError(f"{SAMPLER_ARG}: endpoint must be an http(s) URL, got {endpoint!r}")
    interval = values.get("polling_interval", str(SamplerArg.polling_interval))
    try:
        seconds = float(interval)
    except ValueError:
        seconds = float("nan")
    # Also refuses nan and inf: a poller must wake up at a finite, positive interval.
    if not 0 < seconds < float("inf"):
        raise ValueError(f"{SAMPLER_ARG}: polling_interval must be seconds > 0, got {interval!r}")
    return SamplerArg(endpoint=endpoint, polling_interval=seconds)


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings, read from the environment once."""
    return Settings()
