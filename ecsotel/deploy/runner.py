"""Run the deployment's plans: each step as an argument list from the repository root.

Output streams to the terminal; a failed step raises DeployError with what failed.
"""

import base64
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from rich.markup import escape

from ecsotel.console import console
from ecsotel.deploy.plan import (
    DATABASE,
    ECR_LOGIN_INPUT,
    DeployError,
    Outputs,
    Step,
    bootstrap_steps,
    deploy_plan,
    destroy_plan,
    image_steps,
    init_step,
    placeholder_urls,
    rollout_steps,
    teardown_steps,
    terraform,
    verify_step,
)
from ecsotel.paths import REPO_ROOT


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


def load_outputs_file(path: Path | None, region: str) -> Outputs:
    """For a dry run: outputs from a saved `terraform output -json`, or placeholders."""
    if path is None:
        return Outputs(ecr_repository_urls=placeholder_urls(region), app_url="<app_url output>")
    return Outputs.from_terraform_json(json.loads(path.read_text()))


def deploy(*, region: str, image_tag: str | None, dry_run: bool, outputs: Path | None) -> None:
    """Deploy to AWS: Terraform, images to ECR, services rolled, then verify."""

    # A dry run only shows the plan, so it may be read before committing.
    tag = image_tag or git_tag(allow_dirty=dry_run)
    if dry_run:
        plan = deploy_plan(tag=tag, region=region, outputs=load_outputs_file(outputs, region))
        print_plan(f"deploy {tag} to {region} (dry run: nothing runs)", plan)
        return
    check_prerequisites(need_docker=True)
    unknown = load_outputs_file(None, region)
    print_plan(f"deploy {tag} to {region}", deploy_plan(tag=tag, region=region, outputs=unknown))
    run_steps(bootstrap_steps(tag=tag, region=region), region=region)
    run_steps(image_steps(tag=tag, outputs=read_outputs(region)), region=region)
    run_steps(rollout_steps(tag=tag, region=region), region=region)
    final = read_outputs(region)
    run_steps([verify_step(final)], region=region)
    console.print(f"[bold green]deployed[/] {tag}: {final.app_url}")


def destroy(*, region: str, dry_run: bool) -> None:
    """Tear the AWS deployment down: every resource `deploy` created, the database included."""

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
