"""How ECS Fargate runs an app container, as `docker run` arguments, read from infra/ecs.tf.

The task definition is the one source: the container's environment, read-only root
filesystem, volumes, dropped capabilities and user (none: the image's own). Values
only Terraform resolves (AWS resources: the database endpoint, the secret's ARN,
Cloud Map's URL; values read from other files: the probe tag) are given local
stand-ins by the caller; a value left unresolved is an error, so a new variable in
the task definition cannot slip past the image test unset.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from tests.infra.arithmetic import interpolate_locals
from tests.infra.terraform_model import Infra, load_infra

# Service (image and ECR repository name) -> its module in infra/ecs.tf.
SERVICES = {"fastapi-app": "fastapi_service", "nextjs-app": "nextjs_service"}


@dataclass(frozen=True)
class TaskContainer:
    """What the task definition says about one app container."""

    name: str
    environment: dict[str, str]
    read_only: bool
    volume_paths: tuple[str, ...]
    dropped_capabilities: tuple[str, ...]
    user: str | None


def task_container(service: str, infra: Infra | None = None) -> TaskContainer:
    """The app container `service` of its task definition, references resolved."""
    infra = infra or load_infra()
    definitions = infra.resolve(infra.modules[SERVICES[service]]["container_definitions"])
    container = definitions[service]
    capabilities = container.get("linuxParameters", {}).get("capabilities", {})
    return TaskContainer(
        name=service,
        # Values computed from other settings (a heap size from the memory) are evaluated.
        environment={
            item["name"]: interpolate_locals(infra, str(item["value"]))
            for item in container["environment"]
        },
        read_only=container.get("readonlyRootFilesystem") is True,
        volume_paths=tuple(mount["containerPath"] for mount in container.get("mountPoints", [])),
        dropped_capabilities=tuple(capabilities.get("drop", [])),
        user=container.get("user"),
    )


def docker_run_argv(
    container: TaskContainer, *, image: str, name: str, local: Mapping[str, str]
) -> list[str]:
    """`docker run` for `image` as Fargate runs `container`, with `local` values overriding."""
    environment = {**container.environment, **local}
    unresolved = sorted(key for key, value in environment.items() if "${" in value)
    if unresolved:
        raise ValueError(
            f"{container.name}: only Terraform resolves {', '.join(unresolved)}:"
            " give each a local value"
        )
    # Host networking: the apps reach PostgreSQL and moto on 127.0.0.1, as they
    # reach their sidecar in a task (one network namespace).
    argv = ["docker", "run", "--rm", "--name", name, "--network", "host"]
    argv += ["--platform", "linux/amd64"]
    if container.read_only:
        argv.append("--read-only")
    for path in container.volume_paths:
        # An anonymous volume, like a task's: empty, owned as the image left the path.
        argv += ["--mount", f"type=volume,dst={path}"]
    for capability in container.dropped_capabilities:
        argv += ["--cap-drop", capability]
    if container.user:
        argv += ["--user", container.user]
    for key, value in sorted(environment.items()):
        argv += ["--env", f"{key}={value}"]
    return [*argv, image]
