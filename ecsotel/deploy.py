"""`ecsotel deploy` and `ecsotel destroy`: the AWS deployment of infra/, end to end.

deploy: terraform init; apply only the ECR repositories (the images must exist before the
services start); docker login, build and push both images tagged with the git commit; apply
everything with that tag, which registers new task definitions and rolls both services (the
ECS module waits for them to be stable); then `ecsotel verify` against the load balancer.

destroy: terraform init; switch the database's deletion protection off; terraform destroy.

Both print their plan first. `--dry-run` prints it and runs nothing, so the plan can be read
(and tested) without AWS, Docker or Terraform. Commands run as argument lists from the
repository root; their output streams to the terminal.
"""

import base64
import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from ecsotel.paths import REPO_ROOT

console = Console(highlight=False)

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


# --- running -----------------------------------------------------------------


def print_plan(title: str, steps: Iterable[Step]) -> None:
    """Print the numbered plan."""
    console.rule(f"[bold]{title}")
    for number, step in enumerate(steps, start=1):
        console.print(f"{number:>2}. {escape(step.title)}")
        # soft_wrap: a long command stays one line, to be copied as it is.
        console.print(f"    [dim]$ {escape(step.describe())}[/]", soft_wrap=True)
    console.rule()


def subprocess_env(region: str) -> dict[str, str]:
    """This environment with the deployment's region."""
    return {**os.environ, "AWS_REGION": region, "AWS_DEFAULT_REGION": region}


def resolve_program(name: str) -> str:
    """The executable for argv[0]; `ecsotel` is this CLI's own script, beside this Python."""
    if name == "ecsotel":
        beside = Path(sys.executable).with_name("ecsotel")
        if beside.exists():
            return str(beside)
    return shutil.which(name) or name


def run_step(step: Step, *, region: str, stdin: str | None = None) -> None:
    """Run one step, streaming its output; raise DeployError if it fails."""
    console.print(f"[bold cyan]>> {escape(step.title)}[/]")
    console.print(f"   [dim]$ {escape(step.describe())}[/]", soft_wrap=True)
    argv = [resolve_program(step.argv[0]), *step.argv[1:]]
    result = subprocess.run(
        argv, cwd=REPO_ROOT, env=subprocess_env(region), input=stdin, text=True, check=False
    )
    if result.returncode != 0:
        raise DeployError(f"`{step.describe()}` failed with exit code {result.returncode}")


def terraform_query(*arguments: str, region: str) -> str:
    """Run a read-only terraform command on infra/ and return its output."""
    result = subprocess.run(
        [resolve_program("terraform"), *terraform(*arguments)[1:]],
        cwd=REPO_ROOT,
        env=subprocess_env(region),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise DeployError(f"terraform {' '.join(arguments)} failed: {result.stderr.strip()}")
    return result.stdout


def read_outputs(region: str) -> Outputs:
    """`terraform output -json` of the current state."""
    document = json.loads(terraform_query("output", "-json", region=region) or "{}")
    return Outputs.from_terraform_json(document)


def state_resources(region: str) -> list[str]:
    """Addresses in the Terraform state (`terraform state list`); empty when nothing is deployed."""
    return terraform_query("state", "list", region=region).split()


def git_tag(root: Path = REPO_ROOT, *, allow_dirty: bool = False) -> str:
    """The short commit of HEAD; refuses a dirty tree, whose images the commit would not name."""

    def git(*arguments: str) -> str:
        result = subprocess.run(
            ["git", *arguments], cwd=root, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise DeployError(f"git {' '.join(arguments)} failed: {result.stderr.strip()}")
        return result.stdout.strip()

    if not allow_dirty and git("status", "--porcelain", "--untracked-files=no"):
        raise DeployError(
            "the work tree has uncommitted changes: commit them first "
            "(images are tagged with the commit, and ECR tags are immutable)"
        )
    return git("rev-parse", "--short", "HEAD")


def check_prerequisites(
    *, need_docker: bool, which: Callable[[str], str | None] = shutil.which
) -> None:
    """Fail early, with what to do, when a tool or the AWS credentials are missing."""
    if which("terraform") is None:
        raise DeployError("terraform is missing: install Terraform 1.11 or newer")
    if need_docker:
        if which("docker") is None:
            raise DeployError("docker is missing: install Docker (Engine or Desktop)")
        probe = subprocess.run(["docker", "info"], capture_output=True, text=True, check=False)
        if probe.returncode != 0:
            raise DeployError("Docker is installed but its engine is not running: start it")
    overrides = sorted(name for name in os.environ if name.startswith("AWS_ENDPOINT_URL"))
    if overrides:
        raise DeployError(
            f"{', '.join(overrides)} is set (the local stack's endpoint): unset it to deploy to AWS"
        )
    import boto3

    if boto3.session.Session().get_credentials() is None:
        raise DeployError(
            "no AWS credentials: set AWS_PROFILE (after `aws configure` or `aws sso login`) "
            "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        )
    identity = boto3.client("sts").get_caller_identity()
    console.print(f"AWS account {identity['Account']} as {identity['Arn']}")


def ecr_token(region: str) -> str:
    """The password `docker login` takes for ECR (the token is base64 of "AWS:<password>")."""
    import boto3

    data = boto3.client("ecr", region_name=region).get_authorization_token()["authorizationData"]
    return base64.b64decode(data[0]["authorizationToken"]).decode().split(":", 1)[1]


def image_pushed(region: str, repository: str, tag: str) -> bool:
    """Whether ECR already holds repository:tag."""
    import boto3

    ecr = boto3.client("ecr", region_name=region)
    try:
        ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": tag}])
    except ecr.exceptions.ImageNotFoundException:
        return False
    return True


def run_steps(steps: Iterable[Step], *, region: str) -> None:
    """Run steps in order: feed the ECR token where asked, skip images already pushed."""
    for step in steps:
        if step.skip_if_pushed and step.tag and image_pushed(region, step.skip_if_pushed, step.tag):
            console.print(f"[dim]-- {step.title}: {step.skip_if_pushed}:{step.tag} is in ECR[/]")
            continue
        run_step(
            step, region=region, stdin=ecr_token(region) if step.stdin == ECR_LOGIN_INPUT else None
        )


# --- commands ----------------------------------------------------------------


def load_outputs_file(path: Path | None, region: str) -> Outputs:
    """For a dry run: outputs from a saved `terraform output -json`, or placeholders."""
    if path is None:
        return Outputs(ecr_repository_urls=placeholder_urls(region), app_url="<app_url output>")
    return Outputs.from_terraform_json(json.loads(path.read_text()))


def deploy(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan; run nothing")] = False,
    region: Annotated[str, typer.Option(help="AWS region to deploy into")] = DEFAULT_REGION,
    image_tag: Annotated[
        str | None, typer.Option(help="Image tag (default: the short git commit of HEAD)")
    ] = None,
    outputs: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="Dry run: a saved `terraform output -json` to take the URLs from",
        ),
    ] = None,
) -> None:
    """Deploy to AWS: Terraform, images to ECR, services rolled, then verify."""
    try:
        # A dry run only shows the plan, so it may be read before committing.
        tag = image_tag or git_tag(allow_dirty=dry_run)
        if dry_run:
            plan = deploy_plan(tag=tag, region=region, outputs=load_outputs_file(outputs, region))
            print_plan(f"deploy {tag} to {region} (dry run: nothing runs)", plan)
            return
        check_prerequisites(need_docker=True)
        unknown = load_outputs_file(None, region)
        print_plan(
            f"deploy {tag} to {region}", deploy_plan(tag=tag, region=region, outputs=unknown)
        )
        run_steps(bootstrap_steps(tag=tag, region=region), region=region)
        run_steps(image_steps(tag=tag, outputs=read_outputs(region)), region=region)
        run_steps(rollout_steps(tag=tag, region=region), region=region)
        final = read_outputs(region)
        run_steps([verify_step(final)], region=region)
        console.print(f"[bold green]deployed[/] {tag}: {final.app_url}")
    except DeployError as error:
        console.print(f"[bold red]deploy failed:[/] {error}")
        raise typer.Exit(1) from None


def destroy(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan; run nothing")] = False,
    region: Annotated[str, typer.Option(help="AWS region of the deployment")] = DEFAULT_REGION,
) -> None:
    """Tear the AWS deployment down: every resource `deploy` created, the database included."""
    try:
        if dry_run:
            plan = destroy_plan(region=region, tag="<image_tag output>")
            print_plan(f"destroy the deployment in {region} (dry run: nothing runs)", plan)
            return
        check_prerequisites(need_docker=False)
        run_steps([init_step()], region=region)
        resources = state_resources(region)
        if not resources:
            console.print("nothing to destroy: the Terraform state is empty")
            return
        deployed = read_outputs(region)
        where = deployed.region or region
        steps = teardown_steps(
            region=where, tag=deployed.image_tag or "none", database=DATABASE in resources
        )
        print_plan(f"destroy the deployment in {where}", steps)
        run_steps(steps, region=where)
        console.print("[bold green]destroyed[/]: nothing of the deployment is left")
    except DeployError as error:
        console.print(f"[bold red]destroy failed:[/] {error}")
        raise typer.Exit(1) from None
