"""From what `make load` measured to tasks and dollars at rest and at 100 to 10,000 req/s.

The measured inputs are the CPU milliseconds each component spent per request and
the mean response size; everything else here is either AWS's price list or a
stated estimate. The prices are AWS's public on-demand prices for ap-northeast-1
(Tokyo), USD, as published in 2025 and quoted, not fetched (the build machine has
no internet): this module is their one home, and every estimate says so where it
is used. docs/capacity.md explains the model.
"""

import math
from dataclasses import dataclass

HOURS_PER_MONTH = 730
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600

# Quoted prices (USD).
FARGATE_VCPU_HOUR = 0.05056
FARGATE_GB_HOUR = 0.00553
AURORA_ACU_HOUR = 0.15
NAT_HOUR = 0.062
NAT_GB = 0.062
ALB_HOUR = 0.0243
ALB_LCU_HOUR = 0.008
IPV4_HOUR = 0.005
XRAY_PER_MILLION_TRACES = 5.0
SECRET_MONTH = 0.40
CLOUDWATCH_METRIC_MONTH = 0.30

# The deployment's shape (infra/variables.tf's defaults).
TASK_VCPU = 0.5
TASK_GB = 1.0
CPU_TARGET = 0.60  # autoscaling_cpu_target
CONNECTIONS_PER_TASK = 20  # db_pool_size + db_max_overflow
MIN_ACU = 0.5
# Aurora PostgreSQL's max_connections is LEAST(memory / 9531392, 5000); an ACU is 2 GiB.
CONNECTIONS_PER_ACU = 2 * 2**30 / 9531392
RESERVED_CONNECTIONS = 10
PUBLIC_IPV4 = 4  # the ALB in three zones and the NAT gateway

# Estimates, not measured here.
TELEMETRY_BYTES_PER_REQUEST = 5_000  # spans and EMF leaving through the NAT gateway
CLOUDWATCH_METRICS = 40  # from EMF and Container Insights
EMF_PER_TASK_MONTH = 0.50  # log ingestion of the EMF documents
FIXED_MONTH = 2.0  # ECR storage and the odd API call

# The load's mix (ecsotel/exercise/load/locustfile.py) and infra/sampling.tf's rules:
# the share of requests per method, and each method's (reservoir per second, rate).
MIX = {"GET": 0.60, "POST": 0.20, "PUT": 0.15, "DELETE": 0.05}
SAMPLING_RULES = {
    "GET": (1.0, 0.05),
    "POST": (1.0, 0.10),
    "PUT": (1.0, 0.10),
    "DELETE": (1.0, 0.10),
}
# At rest (the smallest deployment, no traffic), then three orders of magnitude.
LEVELS = (0, 100, 1_000, 10_000)


@dataclass(frozen=True)
class Measured:
    """What the load measured: CPU ms per request by component, and the mean response."""

    frontend_ms: float
    backend_ms: float
    collector_ms: float  # one collector for both apps locally; each sidecar takes half
    response_bytes: float


def per_task(app_ms: float, collector_ms: float) -> float:
    """Requests a second one task serves at the autoscaling target."""
    budget_ms = 1000 * TASK_VCPU * CPU_TARGET
    return budget_ms / (app_ms + collector_ms / 2)


def traces_per_second(rate: float, *, every_request: bool = False) -> float:
    """Traces X-Ray records per second at `rate` requests a second, under the rules."""
    if every_request:
        return rate
    total = 0.0
    for method, share in MIX.items():
        reservoir, fixed = SAMPLING_RULES[method]
        arriving = rate * share
        total += min(arriving, reservoir) + fixed * max(0.0, arriving - reservoir)
    return total


@dataclass(frozen=True)
class Plan:
    """The deployment that serves one level, and what it costs a month."""

    rate: float
    frontend_tasks: int
    backend_tasks: int
    connections: int
    acu: float
    cost: dict[str, float]

    @property
    def total(self) -> float:
        """The month's total with the sampling rules (not tracing every request)."""
        return sum(value for name, value in self.cost.items() if name != "X-Ray, every request")


def plan(rate: float, measured: Measured) -> Plan:
    """Tasks, connections, Aurora capacity and each line of the bill at `rate` req/s."""
    frontend = max(1, math.ceil(rate / per_task(measured.frontend_ms, measured.collector_ms)))
    backend = max(1, math.ceil(rate / per_task(measured.backend_ms, measured.collector_ms)))
    connections = backend * CONNECTIONS_PER_TASK
    acu = max(
        MIN_ACU, math.ceil(2 * (connections + RESERVED_CONNECTIONS) / CONNECTIONS_PER_ACU) / 2
    )
    task_month = (TASK_VCPU * FARGATE_VCPU_HOUR + TASK_GB * FARGATE_GB_HOUR) * HOURS_PER_MONTH
    processed_gb_hour = rate * measured.response_bytes * 3600 / 1e9
    telemetry_gb = rate * TELEMETRY_BYTES_PER_REQUEST * SECONDS_PER_MONTH / 1e9
    xray = XRAY_PER_MILLION_TRACES * SECONDS_PER_MONTH / 1e6
    cost = {
        "Fargate nextjs-app": frontend * task_month,
        "Fargate fastapi-app": backend * task_month,
        "Aurora Serverless v2": acu * AURORA_ACU_HOUR * HOURS_PER_MONTH,
        # One LCU is 1 GB of processed bytes an hour for these targets.
        "Application Load Balancer": (ALB_HOUR + processed_gb_hour * ALB_LCU_HOUR)
        * HOURS_PER_MONTH,
        "NAT gateway": NAT_HOUR * HOURS_PER_MONTH + telemetry_gb * NAT_GB,
        "X-Ray, the sampling rules": traces_per_second(rate) * xray,
        "X-Ray, every request": traces_per_second(rate, every_request=True) * xray,
        "CloudWatch": CLOUDWATCH_METRICS * CLOUDWATCH_METRIC_MONTH
        + (frontend + backend) * EMF_PER_TASK_MONTH,
        "IPv4, Secrets Manager, ECR": PUBLIC_IPV4 * IPV4_HOUR * HOURS_PER_MONTH
        + SECRET_MONTH
        + FIXED_MONTH,
    }
    return Plan(rate, frontend, backend, connections, acu, cost)
