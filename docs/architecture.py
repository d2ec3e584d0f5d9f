"""Draw the AWS architecture of the ECS OpenTelemetry ToDo system into docs/architecture.png.

    uv run python docs/architecture.py [OUTPUT.png]     (or `make diagram`)

Needs Graphviz's `dot` (Debian: graphviz). The picture follows infra/: what it shows, the
Terraform creates (the NAT gateway that every outbound call passes is left out for clarity).
Solid edges carry requests, dashed ones telemetry, dotted ones set-up (image pulls, the
collector config, the database secret).
"""

import sys
from pathlib import Path

from diagrams import Cluster, Diagram, Edge
from diagrams.aws.compute import ECR, ElasticContainerServiceContainer
from diagrams.aws.database import Aurora
from diagrams.aws.devtools import XRay
from diagrams.aws.management import CloudwatchLogs, SystemsManagerParameterStore
from diagrams.aws.network import ALB, CloudMap
from diagrams.aws.security import SecretsManager
from diagrams.onprem.client import Users

DEFAULT_OUTPUT = Path(__file__).with_name("architecture.png")
REQUEST = {"color": "#1f6feb", "style": "bold"}
TELEMETRY = {"color": "#d1242f", "style": "dashed"}
SETUP = {"color": "#6e7781", "style": "dotted"}


def draw(output: Path) -> Path:
    """Render the diagram as PNG at `output` (its suffix is added if missing); return the file."""
    output = output.with_suffix(".png")
    # Curved edges keep their labels beside them (the default orthogonal ones do not).
    graph_attr = {"fontsize": "20", "pad": "0.4", "splines": "spline", "nodesep": "0.6"}
    with Diagram(
        "ECS OpenTelemetry ToDo on AWS (ap-northeast-1)",
        filename=str(output.with_suffix("")),
        outformat="png",
        show=False,
        direction="LR",
        graph_attr=graph_attr,
    ):
        browser = Users("browser")

        with Cluster("VPC 10.0.0.0/16 (3 AZs)"):
            with Cluster("public subnets x3"):
                alb = ALB("ALB :80\nhealth /api/health")

            with Cluster("private subnets x3"):
                with Cluster("ECS cluster ecs-opentelemetry-cluster (Fargate)"):
                    with Cluster("task nextjs-app"):
                        nextjs = ElasticContainerServiceContainer("nextjs-app :3000")
                        nextjs_adot = ElasticContainerServiceContainer("ADOT sidecar\nOTLP :4318")
                    with Cluster("task fastapi-app"):
                        fastapi = ElasticContainerServiceContainer("fastapi-app :8000")
                        fastapi_adot = ElasticContainerServiceContainer("ADOT sidecar\nOTLP :4318")

                cloud_map = CloudMap("Cloud Map\nfastapi.local")
                database = Aurora("Aurora Serverless v2\nPostgreSQL 0.5-2 ACU")

        # Regional services: what the tasks start from, and where their telemetry goes.
        with Cluster("images, config, credentials"):
            registry = ECR("ECR\nnextjs-app, fastapi-app")
            parameter = SystemsManagerParameterStore("SSM parameter\ncollector config")
            secret = SecretsManager("Secrets Manager\nDB master secret")
        with Cluster("telemetry"):
            xray = XRay("X-Ray\ntraces")
            metrics = CloudwatchLogs("CloudWatch Logs\nEMF -> metrics")

        browser >> Edge(label="HTTP", **REQUEST) >> alb >> Edge(**REQUEST) >> nextjs
        nextjs >> Edge(label="BACKEND_URL", **REQUEST) >> cloud_map
        cloud_map >> Edge(**REQUEST) >> fastapi
        fastapi >> Edge(label="SQL :5432", **REQUEST) >> database

        nextjs >> Edge(label="OTLP", **TELEMETRY) >> nextjs_adot
        fastapi >> Edge(label="OTLP", **TELEMETRY) >> fastapi_adot
        # Out of the private subnets through the one NAT gateway (not drawn).
        for sidecar in (nextjs_adot, fastapi_adot):
            sidecar >> Edge(label="awsxray", **TELEMETRY) >> xray
            sidecar >> Edge(label="awsemf", **TELEMETRY) >> metrics

        secret >> Edge(label="DB_SECRET_ARN", **SETUP) >> fastapi
        registry >> Edge(label="image pull", **SETUP) >> [nextjs, fastapi]
        parameter >> Edge(label="AOT_CONFIG_CONTENT", **SETUP) >> [nextjs_adot, fastapi_adot]
    return output


def main() -> None:
    """Draw to the path given as the first argument, or to docs/architecture.png."""
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT
    print(f"wrote {draw(output)}")


if __name__ == "__main__":
    main()
