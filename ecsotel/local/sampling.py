"""Where traces are sampled, at the head or at the tail, and the collectors each one runs.

"head" is the design's default: each app's sidecar exports what its app recorded.
Locally the apps record every trace (moto has no X-Ray sampling API), unless told a
share (`head_sampler_env`, the drill's comparison). "tail" is Terraform's
trace_sampling = "tail", run from the same binary and configs as on ECS: fastapi-app
and nextjs-app each export to a sidecar of their own (the pipeline's base config with
collector/config.tail.yaml over it), whose loadbalancing exporter sends every span of
a trace to the same one of two gateway instances (the base config with
collector/config.gateway.yaml over it); the gateway keeps or drops the trace whole and
exports it as the pipeline does. Two instances, so that traces whose spans reach them
from two sidecars prove the routing.
"""

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, get_args

import yaml

from ecsotel.local import collector
from ecsotel.local.collector import CollectorPorts, Pipeline
from ecsotel.local.moto import REGION, LocalAws
from ecsotel.local.ports import Ports
from ecsotel.local.process import ServiceSpec
from ecsotel.paths import COLLECTOR_DIR

Sampling = Literal["head", "tail"]
SAMPLINGS: tuple[Sampling, ...] = get_args(Sampling)
TAIL_CONFIG = COLLECTOR_DIR / "config.tail.yaml"
GATEWAY_CONFIG = COLLECTOR_DIR / "config.gateway.yaml"


def _policies() -> dict[str, dict[str, Any]]:
    gateway = yaml.safe_load(GATEWAY_CONFIG.read_text(encoding="utf-8"))
    return {policy["name"]: policy for policy in gateway["processors"]["tail_sampling"]["policies"]}


def keep_tag() -> str:
    """The 8 hex digits after a trace id's epoch that make the gateway keep its trace."""
    (condition,) = _policies()["marked"]["ottl_condition"]["span"]
    found = re.fullmatch(r'Substring\(trace_id\.string, 8, 8\) == "([0-9a-f]{8})"', condition)
    if found is None:
        raise ValueError(f"config.gateway.yaml: the marked policy changed form: {condition}")
    return found.group(1)


def gateway_default(variable: str) -> str:
    """The default config.gateway.yaml gives one of its variables (Terraform sets them all)."""
    text = GATEWAY_CONFIG.read_text(encoding="utf-8")
    found = re.search(r"\$\{env:" + re.escape(variable) + r":-([^}]+)\}", text)
    if found is None:
        raise ValueError(f"config.gateway.yaml has no default for {variable}")
    return found.group(1)


def share_percent() -> float:
    """The gateway's default share of ordinary traces kept, in percent."""
    return float(gateway_default("OTELCOL_TAIL_SHARE_PERCENT"))


def decision_wait_seconds() -> float:
    """How long the gateway holds a trace without a root span before deciding, by default."""
    return float(gateway_default("OTELCOL_TAIL_DECISION_WAIT").removesuffix("s"))


def head_sampler_env(share: float) -> dict[str, str]:
    """The apps' SDK sampler keeping `share` (0-1) of new traces at the head, as both read it."""
    return {
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": str(share),
    }


def running_sampling(ports: Ports) -> Sampling:
    """Which sampling the local stack runs: "tail" exactly when a gateway answers."""
    return "tail" if any(collector.healthy(g.health) for g in ports.gateways.values()) else "head"


def resolver(gateways: Iterable[CollectorPorts]) -> str:
    """The loadbalancing exporter's static resolver for these instances, as YAML."""
    hostnames = ", ".join(f'"127.0.0.1:{gateway.grpc}"' for gateway in gateways)
    return f"{{static: {{hostnames: [{hostnames}]}}}}"


def collector_specs(
    *, pipeline: Pipeline, sampling: Sampling, aws: LocalAws, ports: Ports, queue_dir: Path
) -> list[ServiceSpec]:
    """The collectors of a pipeline and a sampling mode, in start order.

    On "otlp" the CloudWatch endpoints' stand-in comes first, and every other collector
    exports to it with a sending queue in `queue_dir` (its own folder with "tail").
    With "tail": the gateway instances, then the two sidecars that route to them.
    """
    standin_endpoint = f"http://127.0.0.1:{ports.standin_otlp_http}"
    standin = []
    if pipeline == "otlp":
        standin = [collector.standin_spec(aws=aws, ports=ports.standin)]
    if sampling == "head" and pipeline != "otlp":
        return [collector.collector_spec(aws=aws, ports=ports.collector)]
    if sampling == "head":
        sidecar = collector.otlp_sidecar_spec(
            ports=ports.collector,
            endpoint=standin_endpoint,
            queue_dir=queue_dir,
            region=REGION,
            sampling_endpoint=aws.endpoint,
        )
        return [*standin, sidecar]

    def on_pipeline(
        name: str, listening: CollectorPorts, overlay: Path, env: dict[str, str]
    ) -> ServiceSpec:
        if pipeline != "otlp":
            return collector.collector_spec(
                aws=aws, ports=listening, name=name, overlay=overlay, env=env
            )
        return collector.otlp_sidecar_spec(
            ports=listening,
            endpoint=standin_endpoint,
            queue_dir=queue_dir / name,
            region=REGION,
            sampling_endpoint=aws.endpoint,
            env=env,
            name=name,
            overlay=overlay,
        )

    routes = {"OTELCOL_GATEWAY_RESOLVER": resolver(ports.gateways.values())}
    gateways = [
        on_pipeline(name, listening, GATEWAY_CONFIG, {})
        for name, listening in ports.gateways.items()
    ]
    return [
        *standin,
        *gateways,
        on_pipeline("api-sidecar", ports.collector, TAIL_CONFIG, routes),
        on_pipeline("web-sidecar", ports.web_sidecar, TAIL_CONFIG, routes),
    ]
