"""``OTEL_TRACES_SAMPLER_ARG`` for the ``xray`` sampler, in ADOT's ``key=value,...`` form."""

from dataclasses import dataclass
from urllib.parse import urlsplit

VARIABLE = "OTEL_TRACES_SAMPLER_ARG"
# The sidecar's awsproxy extension, as ADOT's docs and the SDKs default it.
DEFAULT_ENDPOINT = "http://127.0.0.1:2000"
# Seconds between GetSamplingRules calls, ADOT's default.
DEFAULT_POLLING_INTERVAL = 300.0


@dataclass(frozen=True)
class SamplerArg:
    """Where the sampling API is and how often to fetch the rules."""

    endpoint: str = DEFAULT_ENDPOINT
    polling_interval: float = DEFAULT_POLLING_INTERVAL


def parse_sampler_arg(text: str) -> SamplerArg:
    """Parse ``endpoint=http://127.0.0.1:2000,polling_interval=300`` (each key optional).

    Raises ValueError with a message naming the variable, which the settings turn
    into the start-up error.
    """
    values: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, equals, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not equals or not key or not value:
            raise ValueError(f"{VARIABLE}: expected key=value, got {item!r}")
        if key not in ("endpoint", "polling_interval"):
            raise ValueError(f"{VARIABLE}: unknown key {key!r} (endpoint, polling_interval)")
        if key in values:
            raise ValueError(f"{VARIABLE}: {key} given twice")
        values[key] = value
    endpoint = values.get("endpoint", DEFAULT_ENDPOINT).rstrip("/")
    url = urlsplit(endpoint)
    if url.scheme not in ("http", "https") or not url.hostname or url.query or url.fragment:
        raise ValueError(f"{VARIABLE}: endpoint must be an http(s) URL, got {endpoint!r}")
    interval = values.get("polling_interval")
    if interval is None:
        return SamplerArg(endpoint=endpoint)
    try:
        seconds = float(interval)
    except ValueError:
        seconds = float("nan")
    # Also refuses nan and inf: a poller must wake up at a finite, positive interval.
    if not 0 < seconds < float("inf"):
        raise ValueError(f"{VARIABLE}: polling_interval must be seconds > 0, got {interval!r}")
    return SamplerArg(endpoint=endpoint, polling_interval=seconds)
