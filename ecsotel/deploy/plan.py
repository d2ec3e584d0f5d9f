"""The deployment's plans: what `ecsotel deploy` and `destroy` run, as data.

deploy: terraform init; apply only the ECR repositories (the images must exist before the
services start); docker login, build and push both images tagged with the git commit; apply
everything with that tag, which registers new task definitions and rolls both services (the
ECS module waits for them to be stable); then `ecsotel verify` against the load balancer.

destroy: terraform init; switch the database's deletion protection off; terraform destroy.

Plans are built without running anything, so `--dry-run` can print them (and tests can
read them) without AWS, Docker or Terraform; deploy/runner.py runs them.
"""

import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_REGION = "ap-northeast-1"
INFRA = "infra"
# Application images: ECR repository name -> Docker build context (holding its Dockerfile).
IMAGES = {"fastapi-app": "backend", "nextjs-app": "frontend"}
# Fargate runs the tasks on X86_64 (infra/ecs.tf); build for it whatever the laptop's CPU.
PLATFORM = "linux/amd64"
# What `-target` limits the first apply to: the repositories the images are pushed to.
ECR_TARGETS = ("aws_ecr_repository.this", "aws_ecr_lifecycle_policy.this")
DATABASE = "aws_rds_cluster.this"
ECR_LOGIN_INPUT = "the ECR authorization token (boto3 ecr.get_authorization_token)"


class DeployError(Exception):
    """A prerequisite is missing or a step failed; the message says which and what to do."""


@dataclass(frozen=True)
class Step:
    """One step of a plan: a command, run from the repository root.

    `stdin` names what is piped into the command (never printed), `skip_if_pushed` names the
    ECR repository whose image at `tag` makes the step unnecessary (tags are immutable).
    """

    title: str
    argv: tuple[str, ...]
    stdin: str | None = None
    skip_if_pushed: str | None = None
    tag: str | None = None

    def describe(self) -> str:
        """The command as a person would type it."""
        line = shlex.join(self.argv)
        return f"{line}  < {self.stdin}" if self.stdin else line


@dataclass(frozen=True)
class Outputs:
    """The values of `terraform output` that the plans need."""

    ecr_repository_urls: Mapping[str, str]
    app_url: str
    region: str | None = None
    image_tag: str | None = None

    @classmethod
    def from_terraform_json(cls, document: Mapping[str, Any]) -> "Outputs":
        """Read the JSON of `terraform output -json` (each output is {"value": ...})."""
        values = {name: output["value"] for name, output in document.items()}
        return cls(
            ecr_repository_urls=values.get("ecr_repository_urls") or placeholder_urls(),
            app_url=values.get("app_url") or "<app_url output>",
            region=values.get("region"),
            image_tag=values.get("image_tag"),
        )


def placeholder_urls(region: str = DEFAULT_REGION) -> dict[str, str]:
    """Stand-ins for the repository URLs before Terraform has created them."""
    return {name: f"<account>.dkr.ecr.{region}.amazonaws.com/{name}" for name in IMAGES}


# --- plans -------------------------------------------------------------------


def terraform(*arguments: str) -> tuple[str, ...]:
    """A terraform command on infra/, non-interactive."""
    return ("terraform", f"-chdir={INFRA}", *arguments)


def tf_vars(variables: Mapping[str, str]) -> list[str]:
    """`-var name=value` for each variable, in order."""
    return [item for name, value in variables.items() for item in ("-var", f"{name}={value}")]


def init_step() -> Step:
    """terraform init (providers and modules)."""
    return Step("Terraform: download providers and modules", terraform("init", "-input=false"))


def bootstrap_steps(*, tag: str, region: str) -> list[Step]:
    """Create only the ECR repositories, so that the images can be pushed before the services."""
    targets = [f"-target={target}" for target in ECR_TARGETS]
    variables = tf_vars({"region": region, "image_tag": tag})
    apply = terraform("apply", "-auto-approve", "-input=false", *targets, *variables)
    return [init_step(), Step("Terraform: create the ECR repositories", apply)]


def image_steps(*, tag: str, outputs: Outputs) -> list[Step]:
    """Log in to ECR, then build and push each image tagged with the commit."""
    registry = next(iter(outputs.ecr_repository_urls.values())).split("/")[0]
    login = ("docker", "login", "--username", "AWS", "--password-stdin", registry)
    steps = [Step(f"Docker: log in to {registry}", login, stdin=ECR_LOGIN_INPUT)]
    for name, context in IMAGES.items():
        image = f"{outputs.ecr_repository_urls[name]}:{tag}"
        build = ("docker", "build", "--platform", PLATFORM, "--tag", image, context)
        steps.append(Step(f"Docker: build {name}", build, skip_if_pushed=name, tag=tag))
        push = ("docker", "push", image)
        steps.append(Step(f"Docker: push {name}", push, skip_if_pushed=name, tag=tag))
    return steps


def rollout_steps(*, tag: str, region: str) -> list[Step]:
    """Apply everything with the new tag: new task definitions roll both services."""
    variables = tf_vars({"region": region, "image_tag": tag})
    apply = terraform("apply", "-auto-approve", "-input=false", *variables)
    return [Step("Terraform: apply everything and roll the services to the new images", apply)]


def verify_step(outputs: Outputs) -> Step:
    """The pipeline's verify, through the load balancer, against AWS."""
    argv = ("ecsotel", "verify", "--base-url", outputs.app_url)
    return Step("Verify: traces in X-Ray and metrics in CloudWatch", argv)


def deploy_plan(*, tag: str, region: str, outputs: Outputs) -> list[Step]:
    """Every step of a deployment, in order."""
    return [
        *bootstrap_steps(tag=tag, region=region),
        *image_steps(tag=tag, outputs=outputs),
        *rollout_steps(tag=tag, region=region),
        verify_step(outputs),
    ]


def teardown_steps(*, region: str, tag: str, database: bool = True) -> list[Step]:
    """Deletion protection off (if the database exists), then destroy everything."""
    # image_tag is required but unused by a destroy; pass the deployed one so nothing changes.
    protection_off = tf_vars(
        {"region": region, "image_tag": tag, "db_deletion_protection": "false"}
    )
    steps = []
    if database:
        # Never without the database in the state: a targeted apply would create it.
        unprotect = terraform(
            "apply", "-auto-approve", "-input=false", f"-target={DATABASE}", *protection_off
        )
        steps.append(Step("Terraform: switch off the database's deletion protection", unprotect))
    destroy = terraform("destroy", "-auto-approve", "-input=false", *protection_off)
    return [*steps, Step("Terraform: destroy everything", destroy)]


def destroy_plan(*, region: str, tag: str) -> list[Step]:
    """Every step of tearing down a full deployment."""
    return [init_step(), *teardown_steps(region=region, tag=tag)]
