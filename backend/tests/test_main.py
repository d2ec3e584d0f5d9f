"""The start command `fastapi-app` as the container runs it: migrate, serve, flush on SIGTERM."""

import json
import subprocess
from pathlib import Path

import httpx
from devkit.polling import poll_until
from devkit.ports import free_port
from devkit.postgres import Cluster

from tests.conftest import DATABASE
from tests.service import (
    FASTAPI_APP,
    OtlpReceiver,
    new_database,
    service_env,
    serving,
    span_names,
    terminate,
)
from tests.telemetry.sampling.xray_api import RecordedXRay, serve


def test_start_command_migrates_serves_and_flushes_on_sigterm(
    pg: Cluster, receiver: OtlpReceiver, tmp_path: Path
) -> None:
    env = service_env(
        new_database(pg, "start_command"),
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
        # Long intervals: only the flush at SIGTERM can deliver the data in time.
        OTEL_BSP_SCHEDULE_DELAY="60000",
        OTEL_METRIC_EXPORT_INTERVAL="60000",
    )
    with (tmp_path / "stdout").open("wb") as out, serving(env, out) as (process, base):
        assert httpx.post(f"{base}/api/todos/", json={"title": "flushed"}).status_code == 201
        # The body limit as uvicorn delivers bodies: declared, then chunked without a length.
        declared = httpx.post(f"{base}/api/todos/", json={"title": "x" * 70_000})
        chunked = httpx.post(
            f"{base}/api/todos/",
            content=(b"x" * 4096 for _ in range(20)),
            headers={"content-type": "application/json"},
        )
        assert (declared.status_code, chunked.status_code) == (413, 413)
        assert chunked.json() == {"detail": "request body larger than 65536 bytes"}

        terminate(process)

    assert "POST /api/todos/" in span_names(receiver.received.get("/v1/traces", []))
    assert receiver.received.get("/v1/metrics")
    lines = (tmp_path / "stdout").read_text().splitlines()
    entries = [json.loads(line) for line in lines]  # every line is JSON
    messages = [entry["message"] for entry in entries]
    assert any(message.startswith("schema migrated") for message in messages)
    assert pg.superuser_password not in "\n".join(lines)


def test_container_runs_the_same_command_as_the_tests() -> None:
    backend = Path(__file__).resolve().parent.parent
    dockerfile = (backend / "Dockerfile").read_text()
    pyproject = (backend / "pyproject.toml").read_text()

    assert 'CMD ["fastapi-app"]' in dockerfile.splitlines()
    assert 'fastapi-app = "app.__main__:main"' in pyproject.splitlines()


def test_sigterm_ends_the_service_even_when_the_collector_is_down(
    pg: Cluster, tmp_path: Path
) -> None:
    # Nothing listens there: every export fails and the exporter wants to retry.
    env = service_env(
        pg.url(DATABASE), OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{free_port()}"
    )
    with (tmp_path / "stdout").open("wb") as out, serving(env, out) as (process, base):
        assert httpx.get(f"{base}/api/todos/").status_code == 200

        # The flush gives up after 4 s; this only proves that nothing hangs.
        terminate(process, timeout=20)


def test_bad_sampler_arg_stops_start_up_naming_the_variable() -> None:
    env = service_env(
        "postgresql://127.0.0.1:1/none",
        OTEL_TRACES_SAMPLER="xray",
        OTEL_TRACES_SAMPLER_ARG="endpoint=http://127.0.0.1:2000,polling_interval=soon",
    )
    done = subprocess.run(FASTAPI_APP, env=env, capture_output=True, text=True, timeout=60)

    assert done.returncode == 2
    assert "OTEL_TRACES_SAMPLER_ARG: polling_interval must be seconds > 0" in done.stderr
    assert "Traceback" not in done.stderr


def test_xray_sampler_samples_by_the_rules_the_sidecar_serves(
    pg: Cluster, receiver: OtlpReceiver, tmp_path: Path
) -> None:
    # Writes: all; everything else: none, not even a reservoir.
    api = RecordedXRay()
    api.set_fixed_rate("todo-writes", 1.0)
    api.set_fixed_rate("Default", 0.0, reservoir=0)
    env = service_env(
        new_database(pg, "xray_sampling"),
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
        OTEL_TRACES_SAMPLER="xray",
        OTEL_TRACES_SAMPLER_ARG=f"endpoint={api.endpoint},polling_interval=300",
    )
    stdout = tmp_path / "stdout"
    with serve(api), stdout.open("wb") as out, serving(env, out) as (process, base):
        in_force = "X-Ray sampling rules in force: todo-writes (1), Default (0)"
        poll_until(
            lambda: in_force in stdout.read_text(), "fastapi-app to log the rules it fetched"
        )
        for _ in range(5):
            assert httpx.get(f"{base}/api/todos/").status_code == 200
        assert httpx.post(f"{base}/api/todos/", json={"title": "sampled"}).status_code == 201

        # Also stops the sampler's polling thread within the flush deadline.
        terminate(process, timeout=20)
    names = span_names(receiver.received.get("/v1/traces", []))
    assert "POST /api/todos/" in names
    assert "GET /api/todos/" not in names
