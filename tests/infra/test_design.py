"""The Terraform says what the design says: network, database, images, services, telemetry, IAM."""

import ipaddress
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.infra.terraform_model import ROOT, Infra, block, load_infra

COLLECTOR = "aws-otel-collector"
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - the apps listen on the task's own interface
SERVICES = {"fastapi_service": "fastapi-app", "nextjs_service": "nextjs-app"}
# Actions that have no resource-level permissions: "*" is the API's only option for them.
UNSCOPABLE_ACTIONS = {
    "ecr:GetAuthorizationToken",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:PutSpans",
    "xray:PutSpansForIndexing",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "cloudwatch:PutMetricData",
    "s3:ListAllMyBuckets",
}


@pytest.fixture(scope="module")
def infra() -> Infra:
    """The parsed root module."""
    return load_infra()


def containers(infra: Infra, module: str) -> dict[str, dict[str, Any]]:
    """Container definitions of a service module, by container name, references resolved."""
    definitions = infra.resolve(infra.modules[module]["container_definitions"])
    return {definition.get("name", key): definition for key, definition in definitions.items()}


def environment(container: dict[str, Any]) -> dict[str, str]:
    """A container's environment as a dict (the parts the model could evaluate)."""
    items = container.get("environment", [])
    return {item["name"]: item["value"] for item in items if isinstance(item, dict)}


def subnets(infra: Infra, local: str) -> list[ipaddress.IPv4Network]:
    """Evaluate `[for i, az in local.azs : cidrsubnet(local.vpc_cidr, BITS, i [+ OFFSET])]`."""
    expression = infra.locals[local]
    found = re.fullmatch(
        r"\$\{\[for i, az in local\.azs : "
        r"cidrsubnet\(local\.vpc_cidr, (\d+), i(?: \+ (\d+))?\)\]\}",
        expression,
    )
    assert found, f"local.{local} is not derived per zone from the VPC CIDR: {expression}"
    bits, offset = int(found.group(1)), int(found.group(2) or 0)
    vpc = ipaddress.IPv4Network(infra.locals["vpc_cidr"])
    all_subnets = list(vpc.subnets(prefixlen_diff=bits))
    return [all_subnets[i + offset] for i in range(zone_count(infra))]


def zone_count(infra: Infra) -> int:
    """How many zones local.azs takes."""
    found = re.fullmatch(
        r"\$\{slice\(data\.aws_availability_zones\.available\.names, 0, (\d+)\)\}",
        infra.locals["azs"],
    )
    assert found, f"local.azs is not a slice of the available zones: {infra.locals['azs']}"
    return int(found.group(1))


# --- network ----------------------------------------------------------------------


def test_vpc_is_10_0_0_0_16_over_three_zones(infra: Infra) -> None:
    """VPC 10.0.0.0/16 across three availability zones."""
    vpc = infra.modules["vpc"]
    assert infra.resolve(vpc["cidr"]) == "10.0.0.0/16"
    assert vpc["azs"] == "${local.azs}"
    assert zone_count(infra) == 3


def test_three_public_and_three_private_subnets_inside_the_vpc_without_overlap(
    infra: Infra,
) -> None:
    """Three public (load balancer) and three private (tasks, database) subnets."""
    vpc = infra.modules["vpc"]
    assert vpc["public_subnets"] == "${local.public_subnets}"
    assert vpc["private_subnets"] == "${local.private_subnets}"
    public, private = subnets(infra, "public_subnets"), subnets(infra, "private_subnets")
    assert len(public) == 3
    assert len(private) == 3
    network = ipaddress.IPv4Network(infra.locals["vpc_cidr"])
    every = public + private
    assert all(subnet.subnet_of(network) for subnet in every)
    assert not any(a.overlaps(b) for i, a in enumerate(every) for b in every[i + 1 :])


def test_one_nat_gateway(infra: Infra) -> None:
    """A single NAT gateway serves all private subnets."""
    vpc = infra.modules["vpc"]
    assert vpc["enable_nat_gateway"] is True
    assert vpc["single_nat_gateway"] is True
    assert vpc["one_nat_gateway_per_az"] is False


def test_security_group_rules_reference_groups_never_cidrs(infra: Infra) -> None:
    """Between our own groups, rules name groups; only the load balancer is open to the internet."""
    for kind in ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"):
        for rule in infra.resources[kind].values():
            assert "referenced_security_group_id" in rule
            assert "cidr_ipv4" not in rule
    assert "aws_security_group_rule" not in infra.resources
    alb_ingress = infra.modules["alb"]["security_group_ingress_rules"]
    assert [(r["from_port"], r["to_port"]) for r in alb_ingress.values()] == [(80, 80)]


# --- database ---------------------------------------------------------------------


def test_aurora_serverless_v2_postgresql_scales_from_half_to_two_acu(infra: Infra) -> None:
    """Aurora PostgreSQL, Serverless v2 instance class, 0.5-2 ACU."""
    cluster = infra.resource("aws_rds_cluster", "this")
    assert cluster["engine"] == "aurora-postgresql"
    scaling = infra.resolve(block(cluster["serverlessv2_scaling_configuration"]))
    assert (scaling["min_capacity"], scaling["max_capacity"]) == (0.5, 2)
    assert infra.resource("aws_rds_cluster_instance", "this")["instance_class"] == "db.serverless"


def test_database_keeps_credentials_in_secrets_manager_encrypted_with_backups(infra: Infra) -> None:
    """RDS-managed master secret, encrypted storage, backups, deletion protection as a variable."""
    cluster = infra.resource("aws_rds_cluster", "this")
    assert cluster["manage_master_user_password"] is True
    assert "master_password" not in cluster
    assert cluster["storage_encrypted"] is True
    assert infra.resolve(cluster["backup_retention_period"]) >= 1
    assert cluster["deletion_protection"] == "${var.db_deletion_protection}"
    assert cluster["db_subnet_group_name"] == "${aws_db_subnet_group.this.name}"
    assert (
        infra.resource("aws_db_subnet_group", "this")["subnet_ids"]
        == "${module.vpc.private_subnets}"
    )


def test_database_admits_5432_only_from_the_fastapi_service(infra: Infra) -> None:
    """The database's group has no inline rules; its one ingress rule comes from FastAPI's group."""
    database_group = "${aws_security_group.database.id}"
    assert infra.resource("aws_rds_cluster", "this")["vpc_security_group_ids"] == [database_group]
    assert "ingress" not in infra.resource("aws_security_group", "database")
    rule = infra.resource("aws_vpc_security_group_ingress_rule", "this")
    assert rule["for_each"] == (
        "${merge(local.security_group_rules, local.gateway_security_group_rules)}"
    )
    into_database = [
        r for r in infra.locals["security_group_rules"].values() if r["target"] == database_group
    ]
    assert into_database == [
        {
            "description": into_database[0]["description"],
            "source": "${module.fastapi_service.security_group_id}",
            "target": database_group,
            "port": 5432,
        }
    ]


# --- images and containers --------------------------------------------------------


def test_ecr_repositories_are_immutable_and_scanned_with_a_lifecycle_policy(infra: Infra) -> None:
    """ECR repositories nextjs-app and fastapi-app."""
    assert re.findall(r'"([a-z-]+)"', infra.locals["repositories"]) == ["nextjs-app", "fastapi-app"]
    repository = infra.resource("aws_ecr_repository", "this")
    assert repository["for_each"] == "${local.repositories}"
    assert repository["name"] == "${each.key}"
    assert repository["image_tag_mutability"] == "IMMUTABLE"
    assert block(repository["image_scanning_configuration"])["scan_on_push"] is True
    assert (
        infra.resource("aws_ecr_lifecycle_policy", "this")["for_each"]
        == "${aws_ecr_repository.this}"
    )


def test_cluster_is_named_ecs_opentelemetry_cluster(infra: Infra) -> None:
    """The cluster's name, with the default prefix."""
    assert infra.resolve(infra.modules["ecs_cluster"]["name"]) == "ecs-opentelemetry-cluster"


def test_fastapi_is_registered_in_cloud_map_as_fastapi_local(infra: Infra) -> None:
    """Private DNS namespace `local` in the VPC, service `fastapi`, used by the FastAPI service."""
    namespace = infra.resource("aws_service_discovery_private_dns_namespace", "this")
    assert (namespace["name"], namespace["vpc"]) == ("local", "${module.vpc.vpc_id}")
    assert infra.resource("aws_service_discovery_service", "fastapi")["name"] == "fastapi"
    registry = infra.modules["fastapi_service"]["service_registries"]
    assert registry["registry_arn"] == "${aws_service_discovery_service.fastapi.arn}"


@pytest.mark.parametrize("module", SERVICES)
def test_each_task_has_a_pinned_adot_sidecar_the_app_waits_for(infra: Infra, module: str) -> None:
    """ADOT sidecar with /healthcheck; the app starts once the sidecar is HEALTHY."""
    by_name = containers(infra, module)
    assert set(by_name) == {COLLECTOR, SERVICES[module]}
    sidecar, app = by_name[COLLECTOR], by_name[SERVICES[module]]
    assert sidecar["image"] == "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0"
    assert sidecar["essential"] is True
    assert sidecar["healthCheck"]["command"] == ["CMD", "/healthcheck"]
    assert sidecar["secrets"] == [
        {"name": "AOT_CONFIG_CONTENT", "valueFrom": "${aws_ssm_parameter.collector_config.arn}"}
    ]
    assert app["dependsOn"] == [{"containerName": COLLECTOR, "condition": "HEALTHY"}]


def test_collector_config_parameter_is_the_pipelines_collector_config(infra: Infra) -> None:
    """The SSM parameter holds the chosen pipeline's collector config (comments dropped)."""
    parameter = infra.resource("aws_ssm_parameter", "collector_config")
    assert parameter["value"] == (
        '${yamlencode(yamldecode(file("${path.module}/../collector/${local.collector_config_file}")))}'
    )
    assert (
        infra.locals["collector_config_file"]
        == '${local.otlp ? "config.otlp.yaml" : "config.yaml"}'
    )
    assert parameter["type"] == "SecureString"


@pytest.mark.parametrize("module", SERVICES)
def test_app_exports_to_the_sidecar_under_its_service_name(infra: Infra, module: str) -> None:
    """OTLP over HTTP/protobuf to the sidecar on 127.0.0.1, OTEL_SERVICE_NAME set."""
    env = environment(containers(infra, module)[SERVICES[module]])
    assert env["OTEL_SERVICE_NAME"] == SERVICES[module]
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:4318"
    assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
    assert env["AWS_REGION"] == "ap-northeast-1"


def test_fastapi_gets_the_database_by_environment_and_its_password_never(infra: Infra) -> None:
    """DB_HOST, DB_PORT, DB_NAME and the secret's ARN; no credential in the task definition."""
    env = environment(containers(infra, "fastapi_service")["fastapi-app"])
    assert env["HOST"] == ALL_INTERFACES
    assert env["DB_HOST"] == "${aws_rds_cluster.this.endpoint}"
    assert env["DB_PORT"] == "${tostring(aws_rds_cluster.this.port)}"
    assert env["DB_NAME"] == "todo"
    secret_arn = "${aws_rds_cluster.this.master_user_secret[0].secret_arn}"  # noqa: S105 - an ARN
    assert env["DB_SECRET_ARN"] == secret_arn


def test_nextjs_reaches_fastapi_at_fastapi_local(infra: Infra) -> None:
    """BACKEND_URL points at Cloud Map's name for the FastAPI service."""
    env = environment(containers(infra, "nextjs_service")["nextjs-app"])
    assert env["BACKEND_URL"] == "http://fastapi.local:8000"
    assert (env["HOSTNAME"], env["PORT"]) == (ALL_INTERFACES, "3000")


def test_browser_traces_a_tenth_of_page_views_on_aws(infra: Infra) -> None:
    """BROWSER_TRACES_SAMPLE_RATIO comes from a variable bounded to 0-1, 0.1 by default."""
    env = environment(containers(infra, "nextjs_service")["nextjs-app"])
    # The model resolves variables to their defaults.
    assert env["BROWSER_TRACES_SAMPLE_RATIO"] == "0.1"
    variable = infra.variables["browser_traces_sample_ratio"]
    assert "<= 1" in str(variable["validation"])


@pytest.mark.parametrize("module", SERVICES)
def test_no_secret_value_is_in_a_plain_environment_variable(infra: Infra, module: str) -> None:
    """Secrets travel by `secrets` (or by ARN), never as environment values."""
    for container in containers(infra, module).values():
        for name in environment(container):
            assert not re.search(r"PASSWORD|TOKEN|CONFIG_CONTENT|SECRET(?!_ARN)|KEY", name), name


@pytest.mark.parametrize("module", SERVICES)
def test_containers_are_hardened_and_get_time_to_flush(infra: Infra, module: str) -> None:
    """Read-only root filesystem, all capabilities dropped, not root, a stop timeout."""
    for name, container in containers(infra, module).items():
        assert container["readonlyRootFilesystem"] is True, name
        assert container["linuxParameters"]["capabilities"]["drop"] == ["ALL"], name
        # With the default pipeline; the OTLP pipeline's one exception, the sidecar
        # as uid 0, is tested in test_telemetry_pipeline.py.
        assert container.get("user") not in ("0", "root", "0:0"), name
        assert container["stopTimeout"] >= 10, name


def test_nextjs_gets_a_writable_cache_on_its_read_only_filesystem(infra: Infra) -> None:
    """/app/.next/cache is a scratch volume of the task."""
    service = infra.modules["nextjs_service"]
    mounts = containers(infra, "nextjs_service")["nextjs-app"]["mountPoints"]
    cache = [m for m in mounts if m["containerPath"] == "/app/.next/cache"]
    assert len(cache) == 1
    assert cache[0]["sourceVolume"] in service["volume"]


def test_load_balancer_is_internet_facing_on_80_with_the_nextjs_health_check(infra: Infra) -> None:
    """ALB :80 forwards to the Next.js tasks; health check /api/health; invalid headers dropped."""
    alb = infra.modules["alb"]
    assert alb["internal"] is False
    assert alb["drop_invalid_header_fields"] is True
    listener = alb["listeners"]["http"]
    assert (listener["port"], listener["protocol"]) == (80, "HTTP")
    target_group = alb["target_groups"][listener["forward"]["target_group_key"]]
    assert (target_group["port"], target_group["target_type"]) == ("${local.nextjs_port}", "ip")
    assert target_group["health_check"]["path"] == "/api/health"
    lb = infra.modules["nextjs_service"]["load_balancer"]["nextjs"]
    assert lb["target_group_arn"] == '${module.alb.target_groups["nextjs-app"].arn}'
    assert "load_balancer" not in infra.modules["fastapi_service"]


# --- IAM --------------------------------------------------------------------------


def key_policies(infra: Infra) -> set[str]:
    """Names of the policy documents used as KMS key policies."""
    return {
        found.group(1)
        for key in infra.resources.get("aws_kms_key", {}).values()
        if (
            found := re.fullmatch(
                r"\$\{data\.aws_iam_policy_document\.(\w+)\.json\}", key["policy"]
            )
        )
    }


def policy_statements(infra: Infra) -> list[tuple[str, dict[str, Any]]]:
    """Every statement of every identity or resource policy document (not key policies)."""
    documents = infra.data["aws_iam_policy_document"]
    return [
        (name, statement)
        for name, body in documents.items()
        if name not in key_policies(infra)
        for statement in body.get("statement", [])
    ]


def test_key_policies_let_the_account_administer_and_services_only_use_the_key(
    infra: Infra,
) -> None:
    """In a key policy "*" is the key itself; only the account root may do everything."""
    assert key_policies(infra) == {"alarms_key"}
    for name in key_policies(infra):
        for statement in infra.data["aws_iam_policy_document"][name]["statement"]:
            principal = block(statement["principals"])
            if statement["actions"] == ["kms:*"]:
                assert principal["identifiers"] == [
                    "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"
                ]
            else:
                assert principal["type"] == "Service"
                assert set(statement["actions"]) <= {"kms:Decrypt", "kms:GenerateDataKey*"}


def test_wildcard_resources_only_for_actions_without_resource_level_permissions(
    infra: Infra,
) -> None:
    """Resources are ARNs; "*" only for ECR's login, X-Ray writes, sampling reads, metric
    writes and the canary runtime's bucket listing."""
    for name, statement in policy_statements(infra):
        resources = statement.get("resources", [])
        if isinstance(resources, str):  # an expression: it must not produce a bare "*"
            assert '"*"' not in resources, (name, resources)
            continue
        if "*" in resources:
            assert set(statement["actions"]) <= UNSCOPABLE_ACTIONS, (name, statement["actions"])
            assert resources == ["*"]
        for action in statement.get("actions", []):
            assert "*" not in action, (name, action)


def test_services_use_our_roles_not_the_modules_wildcard_policies(infra: Infra) -> None:
    """The ECS module's own execution policy grants logs and ECR on "*": it is switched off."""
    for module, service in SERVICES.items():
        body = infra.modules[module]
        assert body["create_task_exec_iam_role"] is False
        assert body["task_exec_iam_role_arn"] == "${aws_iam_role.execution.arn}"
        assert body["create_tasks_iam_role"] is False
        assert body["tasks_iam_role_arn"] == f'${{aws_iam_role.task["{service}"].arn}}'


def test_execution_role_reads_only_our_images_logs_and_collector_config(infra: Infra) -> None:
    """Pull from these repositories, write these log groups, read this parameter."""
    statements = {
        s["sid"]: s for s in infra.data["aws_iam_policy_document"]["execution"]["statement"]
    }
    assert (
        statements["PullAppImages"]["resources"]
        == "${[for repository in aws_ecr_repository.this : repository.arn]}"
    )
    assert statements["ReadCollectorConfig"]["resources"] == (
        "${concat([aws_ssm_parameter.collector_config.arn],"
        " [for overlay in aws_ssm_parameter.collector_overlay : overlay.arn])}"
    )
    assert "local.container_log_group_arns" in statements["WriteContainerLogs"]["resources"]


def test_task_roles_write_telemetry_and_only_fastapi_reads_the_database_secret(
    infra: Infra,
) -> None:
    """X-Ray and the metrics log group for both; the secret for the FastAPI task only."""
    telemetry = {
        s["sid"]: s for s in infra.data["aws_iam_policy_document"]["telemetry"]["statement"]
    }
    assert telemetry["WriteMetricsLogGroup"]["resources"] == [
        "${aws_cloudwatch_log_group.metrics.arn}",
        "${aws_cloudwatch_log_group.metrics.arn}:*",
    ]
    assert infra.resource("aws_iam_role_policy", "telemetry")["for_each"] == "${aws_iam_role.task}"
    secret = block(infra.data["aws_iam_policy_document"]["database_secret"]["statement"])
    assert secret["actions"] == ["secretsmanager:GetSecretValue"]
    assert secret["resources"] == ["${aws_rds_cluster.this.master_user_secret[0].secret_arn}"]
    attached = [
        p
        for p in infra.resources["aws_iam_role_policy"].values()
        if "database_secret" in p["policy"]
    ]
    assert [p["role"] for p in attached] == ['${aws_iam_role.task["fastapi-app"].id}']


def test_metrics_log_group_is_the_one_the_collector_writes(infra: Infra) -> None:
    """The task roles' log permissions name the group awsemf in collector/config.yaml uses."""
    config_path = ROOT / "collector" / "config.yaml"
    if not config_path.exists():
        pytest.skip("collector/config.yaml does not exist yet")
    config = yaml.safe_load(config_path.read_text())
    emf = [body for name, body in config["exporters"].items() if name.split("/")[0] == "awsemf"]
    assert emf, "collector/config.yaml has no awsemf exporter"
    assert {body["log_group_name"] for body in emf} == {infra.locals["metrics_log_group_name"]}
    group = infra.resource("aws_cloudwatch_log_group", "metrics")
    assert group["name"] == "${local.metrics_log_group_name}"


# --- conventions ------------------------------------------------------------------


def test_every_variable_and_output_is_described(infra: Infra) -> None:
    """Descriptions on every variable and output."""
    for kind, blocks in (("variable", infra.variables), ("output", infra.outputs)):
        for name, body in blocks.items():
            assert body.get("description"), f"{kind} {name} has no description"


def test_terraform_and_provider_versions_are_pinned(infra: Infra) -> None:
    """`~>` pins for Terraform and the AWS provider."""
    terraform = infra.terraform[0]
    assert terraform["required_version"].startswith("~> ")
    aws = block(terraform["required_providers"])["aws"]
    assert (aws["source"], aws["version"][:3]) == ("hashicorp/aws", "~> ")


def test_every_checkov_skip_gives_a_reason() -> None:
    """`#checkov:skip=CHECK:reason` with a reason of some substance."""
    skips = [
        line
        for path in (ROOT / "infra").glob("*.tf")
        for line in path.read_text().splitlines()
        if "checkov:skip" in line
    ]
    assert skips
    for line in skips:
        assert re.search(r"#checkov:skip=CKV\w*_\d+:.{20,}", line), line


def test_default_region_is_tokyo(infra: Infra) -> None:
    """ap-northeast-1 unless told otherwise."""
    assert infra.variables["region"]["default"] == "ap-northeast-1"
    assert Path(ROOT / "infra" / "providers.tf").read_text().count("var.region") == 1
