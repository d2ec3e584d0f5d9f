"""`ecsotel deploy` and `destroy`: their plans, dry runs and prerequisite checks (no AWS here)."""

import json
import subprocess
from itertools import pairwise
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecsotel.cli import app
from ecsotel.deploy import plan, runner

REGISTRY = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com"
OUTPUTS = plan.Outputs(
    ecr_repository_urls={name: f"{REGISTRY}/{name}" for name in ("fastapi-app", "nextjs-app")},
    app_url="http://ecs-opentelemetry-alb-1.ap-northeast-1.elb.amazonaws.com",
)


def command_lines(steps: list[plan.Step]) -> list[str]:
    """The plan as the command lines a person would type."""
    return [step.describe() for step in steps]


def index_of(steps: list[plan.Step], *words: str) -> int:
    """Position of the one step whose argv holds all `words`."""
    found = [i for i, step in enumerate(steps) if all(word in step.argv for word in words)]
    assert len(found) == 1, f"expected one step with {words}, found {found}"
    return found[0]


def test_each_image_is_built_for_fargate_and_pushed_to_its_repository_with_the_commit_tag() -> None:
    steps = plan.deploy_plan(tag="abc1234", region="ap-northeast-1", outputs=OUTPUTS)

    for name, context in (("fastapi-app", "backend"), ("nextjs-app", "frontend")):
        image = f"{REGISTRY}/{name}:abc1234"
        build = steps[index_of(steps, "build", image)]
        assert build.argv == (
            "docker",
            "build",
            "--platform",
            "linux/amd64",
            "--tag",
            image,
            context,
        )
        assert steps[index_of(steps, "push", image)].argv == ("docker", "push", image)


def test_repositories_come_first_then_images_then_rollout_then_verify() -> None:
    steps = plan.deploy_plan(tag="abc1234", region="ap-northeast-1", outputs=OUTPUTS)
    lines = command_lines(steps)

    assert lines[0] == "terraform -chdir=infra init -input=false"
    ecr_apply = index_of(steps, "-target=aws_ecr_repository.this")
    login = index_of(steps, "login")
    pushes = [
        index_of(steps, "push", f"{OUTPUTS.ecr_repository_urls[n]}:abc1234") for n in plan.IMAGES
    ]
    full_apply = [
        i
        for i, s in enumerate(steps)
        if "apply" in s.argv and not any(a.startswith("-target") for a in s.argv)
    ]
    assert ecr_apply < login < min(pushes)
    assert full_apply == [len(steps) - 2]
    assert max(pushes) < full_apply[0]
    assert steps[-1].argv == ("ecsotel", "verify", "--base-url", OUTPUTS.app_url)


def test_the_first_apply_creates_only_the_repositories_and_both_applies_pass_tag_and_region() -> (
    None
):
    steps = plan.deploy_plan(tag="abc1234", region="us-west-2", outputs=OUTPUTS)
    applies = [s.argv for s in steps if "apply" in s.argv]

    targets = [a for a in applies[0] if a.startswith("-target=")]
    assert targets == ["-target=aws_ecr_repository.this", "-target=aws_ecr_lifecycle_policy.this"]
    for argv in applies:
        assert ("-var", "image_tag=abc1234") in pairwise(argv)
        assert ("-var", "region=us-west-2") in pairwise(argv)
        assert "-auto-approve" in argv


def test_docker_logs_in_to_the_registry_of_the_repositories_with_the_token_on_stdin() -> None:
    steps = plan.deploy_plan(tag="abc1234", region="ap-northeast-1", outputs=OUTPUTS)
    login = steps[index_of(steps, "login")]

    assert login.argv == ("docker", "login", "--username", "AWS", "--password-stdin", REGISTRY)
    assert login.stdin == plan.ECR_LOGIN_INPUT


def test_destroy_switches_deletion_protection_off_before_destroying() -> None:
    steps = plan.destroy_plan(region="ap-northeast-1", tag="abc1234")

    unprotect = index_of(steps, "apply", "-target=aws_rds_cluster.this")
    destroy = index_of(steps, "destroy")
    assert unprotect < destroy
    assert "db_deletion_protection=false" in steps[unprotect].argv
    assert "db_deletion_protection=false" in steps[destroy].argv


def test_destroy_never_targets_a_database_that_is_not_in_the_state() -> None:
    steps = plan.teardown_steps(region="ap-northeast-1", tag="abc1234", database=False)

    assert [s.argv[2] for s in steps] == ["destroy"]


def test_dry_run_prints_the_plan_with_urls_from_saved_outputs(tmp_path: Path) -> None:
    saved = tmp_path / "outputs.json"
    saved.write_text(
        json.dumps(
            {
                "ecr_repository_urls": {"value": dict(OUTPUTS.ecr_repository_urls)},
                "app_url": {"value": OUTPUTS.app_url},
            }
        )
    )
    empty_path = tmp_path / "bin"
    empty_path.mkdir()

    # No terraform, docker or git on PATH: a dry run must not need them.
    result = CliRunner().invoke(
        app,
        ["deploy", "--dry-run", "--image-tag", "abc1234", "--outputs", str(saved)],
        env={"PATH": str(empty_path), "COLUMNS": "300"},
    )

    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.output.splitlines() if line.strip().startswith("$ ")]
    assert lines == [
        f"$ {line}"
        for line in command_lines(
            plan.deploy_plan(tag="abc1234", region="ap-northeast-1", outputs=OUTPUTS)
        )
    ]


def test_deploy_without_terraform_says_what_to_install(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["deploy", "--image-tag", "abc1234"], env={"PATH": str(tmp_path), "COLUMNS": "300"}
    )

    assert result.exit_code == 1
    assert "terraform is missing: install Terraform" in result.output


def test_deploy_refuses_the_local_stacks_endpoint_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")

    with pytest.raises(plan.DeployError, match="AWS_ENDPOINT_URL is set"):
        runner.check_prerequisites(need_docker=False, which=lambda name: f"/usr/bin/{name}")


def test_image_tag_is_the_short_commit_and_a_dirty_tree_is_refused(tmp_path: Path) -> None:
    def git(*arguments: str) -> str:
        return subprocess.run(
            ["git", "-C", str(tmp_path), *arguments], check=True, capture_output=True, text=True
        ).stdout.strip()

    git("init", "-q")
    (tmp_path / "file.txt").write_text("one")
    git("add", "file.txt")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "one")

    assert runner.git_tag(tmp_path) == git("rev-parse", "--short", "HEAD")
    (tmp_path / "file.txt").write_text("two")
    with pytest.raises(plan.DeployError, match="uncommitted changes"):
        runner.git_tag(tmp_path)
    assert runner.git_tag(tmp_path, allow_dirty=True) == git("rev-parse", "--short", "HEAD")
