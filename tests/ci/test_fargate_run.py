"""The image test's `docker run` follows the task definition (checked without Docker)."""

import pytest

from tests.images.fargate import TaskContainer, docker_run_argv, task_container

LOCAL = {
    "DB_HOST": "127.0.0.1",
    "DB_PORT": "5433",
    "DB_SECRET_ARN": "arn:local",
    "FAULT_SPARE_TAG": "ec50ec50",
}


def _env(argv: list[str]) -> dict[str, str]:
    pairs = [argv[i + 1] for i, word in enumerate(argv) if word == "--env"]
    return dict(pair.split("=", 1) for pair in pairs)


def test_backend_runs_read_only_without_capabilities_and_with_the_task_environment() -> None:
    container = task_container("fastapi-app")
    argv = docker_run_argv(container, image="fastapi-app:t", name="t", local=LOCAL)
    assert "--read-only" in argv
    assert argv[argv.index("--cap-drop") + 1] == "ALL"
    assert "type=volume,dst=/tmp" in argv
    assert "--user" not in argv  # the task sets none: the image's own non-root user
    env = _env(argv)
    assert env["OTEL_SERVICE_NAME"] == "fastapi-app"
    assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
    assert env["DB_NAME"] == "todo"
    assert env["DB_SECRET_ARN"] == LOCAL["DB_SECRET_ARN"]
    assert argv[-1] == "fastapi-app:t"


def test_frontend_keeps_its_cache_volume() -> None:
    argv = docker_run_argv(task_container("nextjs-app"), image="n:t", name="n", local={})
    assert "type=volume,dst=/app/.next/cache" in argv
    assert _env(argv)["OTEL_SERVICE_NAME"] == "nextjs-app"


def test_an_aws_reference_without_a_local_value_is_refused() -> None:
    unresolved = "DB_HOST, DB_PORT, DB_SECRET_ARN, FAULT_SPARE_TAG"
    with pytest.raises(ValueError, match=f"only Terraform resolves {unresolved}:"):
        docker_run_argv(task_container("fastapi-app"), image="f:t", name="f", local={})


def test_a_task_user_is_passed_on() -> None:
    container = TaskContainer(
        "x", {}, read_only=False, volume_paths=(), dropped_capabilities=(), user="10001"
    )
    argv = docker_run_argv(container, image="x:t", name="x", local={})
    assert argv[argv.index("--user") + 1] == "10001"
    assert "--read-only" not in argv
