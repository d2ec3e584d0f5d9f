"""The workflows follow the hygiene rules, and the checker catches each broken rule."""

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.ci.workflows import (
    ROOT,
    local_action_files,
    make_targets,
    pin_problems,
    problems,
    workflow_files,
)
from tests.images.fargate import SERVICES

SHA = "3d3c42e5aac5ba805825da76410c181273ba90b1"
TARGETS = {"lint", "test", "verify"}

GOOD = f"""
name: good
on: push
permissions: {{}}
concurrency:
  group: ${{{{ github.workflow }}}}-${{{{ github.ref }}}}
jobs:
  lint:
    runs-on: ubuntu-24.04
    timeout-minutes: 10
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@{SHA} # v7.0.1
        with:
          persist-credentials: false
      - run: make lint
      - run: make verify BASE_URL=http://example.test
      - run: |
          echo "::error::a message"
          exit 1
      - run: echo "url=$(make -s test)" >> "$GITHUB_OUTPUT"
"""


def test_every_workflow_follows_the_rules() -> None:
    files = workflow_files()
    assert {path.name for path in files} >= {"ci.yml", "infra.yml", "images.yml", "deploy.yml"}
    for path in files:
        assert problems(path.read_text(encoding="utf-8")) == [], path.name


def test_the_local_actions_pin_their_actions() -> None:
    files = local_action_files()
    assert files, "no composite action under .github/actions"
    for path in files:
        assert pin_problems(path.read_text(encoding="utf-8")) == [], path.name


def test_a_workflow_that_follows_the_rules_passes() -> None:
    assert problems(GOOD, TARGETS) == []


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (GOOD.replace(f"@{SHA}", "@v7"), "actions/checkout@v7 is not pinned to a full commit SHA"),
        (GOOD.replace(f"@{SHA}", f"@{SHA[:12]}"), "is not pinned to a full commit SHA"),
        (GOOD.replace(" # v7.0.1", ""), "has no `# vX.Y.Z` comment"),
        (GOOD.replace(" # v7.0.1", " # v7"), "has no `# vX.Y.Z` comment"),
        (
            GOOD.replace("    permissions:\n      contents: read\n", ""),
            "job lint: no `permissions`",
        ),
        (GOOD.replace("permissions: {}\n", ""), "top level: `permissions: {}` missing"),
        (GOOD.replace("permissions: {}\n", "permissions: write-all\n"), "`permissions: {}`"),
        (GOOD.replace("    timeout-minutes: 10\n", ""), "job lint: no `timeout-minutes`"),
        (GOOD.replace("concurrency:\n  group", "x-concurrency:\n  group"), "no `concurrency`"),
        (
            GOOD.replace("          persist-credentials: false\n", "          fetch-depth: 1\n"),
            "checkout without `persist-credentials: false`",
        ),
        (GOOD.replace("make lint", "npm ci && npm run lint"), "`npm ci && npm run lint` does not"),
        (GOOD.replace("make lint", "make lint-everything"), "no Makefile target 'lint-everything'"),
        (
            GOOD.replace("make lint", 'echo "url=$(make -s no-such)" >> "$GITHUB_OUTPUT"'),
            "no Makefile target 'no-such'",
        ),
        (GOOD.replace("make lint", 'echo "::error::$(curl x)"'), "does not call make"),
        (
            GOOD.replace("make lint", "make verify BASE_URL=${{ github.head_ref }}"),
            "in a run script: pass it through `env:`",
        ),
        ("name: empty\non: push\n", "not a workflow"),
    ],
)
def test_the_checker_reports_each_broken_rule(broken: str, expected: str) -> None:
    found = problems(broken, TARGETS)
    assert any(expected in problem for problem in found), found


def test_make_targets_come_from_the_makefile(tmp_path: Path) -> None:
    makefile = tmp_path / "Makefile"
    makefile.write_text(".PHONY: lint\nlint: setup ## Lint\n\t$(RUN) ruff check .\n")
    assert make_targets(makefile) == {"lint"}
    assert {"lint", "test", "infra-validate", "infra-lock", "tflint"} <= make_targets()


def _jobs(name: str) -> dict[str, dict[str, object]]:
    document = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())
    jobs: dict[str, dict[str, object]] = document["jobs"]
    return jobs


def _with(job: dict[str, object], action: str) -> dict[str, str]:
    steps = job["steps"]
    assert isinstance(steps, list)
    for step in steps:
        if str(step.get("uses", "")).startswith(f"{action}@"):
            inputs: dict[str, str] = step["with"]
            return inputs
    raise AssertionError(f"no {action} step")


def _makefile_value(pattern: str) -> str:
    found = re.search(pattern, (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert found, f"the Makefile has no {pattern}"
    return found.group(1)


def _toolchain() -> dict[str, object]:
    """The composite action's steps, as a job."""
    action = yaml.safe_load((ROOT / ".github" / "actions" / "toolchain" / "action.yml").read_text())
    return {"steps": action["runs"]["steps"]}


def test_ci_installs_the_uv_version_the_makefile_pins() -> None:
    """UV_VERSION's one home is the Makefile: CI asks it, the backend image holds a copy."""
    uv_version = _makefile_value(r"^UV_VERSION := (\S+)$")
    steps = _toolchain()["steps"]
    assert isinstance(steps, list)
    (asked,) = [step for step in steps if step.get("id") == "uv"]
    printed = subprocess.run(
        ["make", "-s", "uv-version"], cwd=ROOT, capture_output=True, text=True, check=True
    )

    assert asked["run"] == 'echo "version=$(make -s uv-version)" >> "$GITHUB_OUTPUT"'
    assert printed.stdout.strip() == uv_version
    assert _with(_toolchain(), "astral-sh/setup-uv")["version"] == "${{ steps.uv.outputs.version }}"
    # Docker builds backend/ alone, so it cannot read the Makefile: the copy is checked.
    assert f"uv=={uv_version}\n" in (ROOT / "backend" / "Dockerfile").read_text()
    assert "uv==" not in (ROOT / ".ci" / "run").read_text(), ".ci/run lets make install uv"


def test_ci_uses_the_toolchain_versions_the_repository_pins() -> None:
    """One fact, several places: the Makefile and backend/Dockerfile own the versions."""
    go_version = _makefile_value(r"install Go >= (\d+\.\d+)")
    job = _toolchain()
    assert _with(job, "actions/setup-go")["go-version"] == go_version
    assert _with(job, "actions/setup-python")["python-version-file"] == "pyproject.toml"
    assert _with(job, "actions/setup-node")["node-version-file"] == "frontend/package.json"
    dockerfile = (ROOT / "backend" / "Dockerfile").read_text()
    python_tag = re.search(r"^FROM python:(\d+\.\d+\.\d+)-slim-(\w+)", dockerfile, re.MULTILINE)
    assert python_tag
    container = _jobs("ci.yml")["test"]["container"]
    assert isinstance(container, dict)
    assert container["image"] == f"python:{python_tag[1]}-{python_tag[2]}"


def test_ci_runs_make_test_within_the_projects_time_budget() -> None:
    test = _jobs("ci.yml")["test"]
    runs = [step.get("run") for step in test["steps"]]  # type: ignore[attr-defined]
    assert "make system-deps" in runs
    assert any(str(run).startswith("make test") for run in runs)
    assert test["timeout-minutes"] == 30


def test_one_release_of_each_action_across_workflows() -> None:
    pins: dict[str, set[str]] = {}
    for path in workflow_files() + local_action_files():
        for action, ref in re.findall(r"uses:\s*([^@\s]+)@(\S+)", path.read_text()):
            pins.setdefault(action, set()).add(ref)
    assert {action: refs for action, refs in pins.items() if len(refs) > 1} == {}


def test_images_workflow_builds_every_dockerfile_under_the_tested_names() -> None:
    steps = _jobs("images.yml")["images"]["steps"]
    assert isinstance(steps, list)
    built = {
        step["with"]["context"]: step["with"]["tags"]
        for step in steps
        if str(step.get("uses", "")).startswith("docker/build-push-action@")
    }
    dockerfiles = {path.parent.name for path in ROOT.glob("*/Dockerfile")}
    assert set(built) == dockerfiles
    assert {tag.split(":")[0] for tag in built.values()} == set(SERVICES)
    assert all(
        step["with"]["platforms"] == "linux/amd64"
        for step in steps
        if "with" in step and "platforms" in step["with"]
    )
