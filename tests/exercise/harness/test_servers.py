"""A bench's apps get the stack's own specs: the same command and environment, plus a mode's.

So that a second copy of the apps' environment cannot creep back into the benches,
each bench spec is compared with the spec the local stack runs.
"""

from collections.abc import Mapping

import pytest

from ecsotel.exercise.bench import backend, frontend
from ecsotel.exercise.harness.servers import backend_bench_spec, frontend_bench_spec
from ecsotel.local.apps import backend_spec
from ecsotel.local.moto import LocalAws
from ecsotel.local.ports import Ports
from ecsotel.local.postgres import AppDatabase
from ecsotel.local.stack import Stack, app_specs

DATABASE_URL = "postgresql+psycopg2://postgres:secret@127.0.0.1:15432/bench_0_0"
# Where things are: the stack's database through Secrets Manager, the bench's by URL.
WHERE = {"DB_HOST", "DB_PORT", "DB_NAME", "DB_SECRET_ARN", "DATABASE_URL", *LocalAws().client_env()}


def _stack() -> Stack:
    ports = Ports.free()
    return Stack(
        ports=ports,
        aws=LocalAws(port=ports.aws),
        database=AppDatabase(cluster=None),  # type: ignore[arg-type]  # never started
        log=lambda _service, _line: None,
        db_secret_arn="arn:aws:secretsmanager:us-east-1:123456789012:secret:db",  # noqa: S106
    )


def _but_where(env: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in env.items() if name not in WHERE}


def test_the_bench_gives_fastapi_app_the_stacks_environment_but_where_things_are() -> None:
    stack = _stack()
    on_stack, _ = app_specs(stack)

    bench = backend_bench_spec(
        port=stack.ports.backend,
        database_url=DATABASE_URL,
        otlp_endpoint=stack.ports.otlp_endpoint,
    )

    assert _but_where(bench.env) == _but_where(on_stack.env)
    assert bench.env["DATABASE_URL"] == DATABASE_URL
    assert list(bench.argv) == list(on_stack.argv)
    assert bench.cwd == on_stack.cwd


@pytest.mark.parametrize("mode", list(backend.MODES))
def test_a_backend_modes_spec_is_the_stacks_spec_plus_the_modes_variables(mode: str) -> None:
    endpoint = "http://127.0.0.1:14318"
    option = {"OTEL_BSP_SCHEDULE_DELAY": "1000"}
    plain = backend_spec(
        port=18000, database={"DATABASE_URL": DATABASE_URL}, otlp_endpoint=endpoint
    )

    bench = backend_bench_spec(
        port=18000,
        database_url=DATABASE_URL,
        otlp_endpoint=endpoint,
        env=backend.mode_env(mode, option),
        cpu=0,
        name=f"backend {mode}",
    )

    assert dict(bench.env) == {
        **plain.env,
        **backend.BENCH_ENV,
        **backend.MODES[mode].env,
        **option,  # --app-env comes last
    }
    assert list(bench.argv) == ["taskset", "--cpu-list", "0", *plain.argv]
    assert bench.name == f"backend {mode}"


def test_a_mode_with_its_own_launcher_runs_it_in_place_of_fastapi_app() -> None:
    launcher = ("/backend/.venv/bin/opentelemetry-instrument", "fastapi-app")

    bench = backend_bench_spec(
        port=18000, database_url=DATABASE_URL, otlp_endpoint="http://x", argv=launcher
    )

    assert list(bench.argv) == list(launcher)


@pytest.mark.parametrize("mode", list(frontend.MODES))
def test_the_bench_gives_nextjs_app_the_stacks_environment_plus_its_mode(mode: str) -> None:
    stack = _stack()
    _, on_stack = app_specs(stack)

    bench = frontend_bench_spec(
        port=stack.ports.frontend,
        backend_url=f"http://127.0.0.1:{stack.ports.backend}",
        otlp_endpoint=stack.ports.otlp_endpoint,
        env=frontend.MODES[mode],
        cpu=1,
    )

    assert dict(bench.env) == {**on_stack.env, **frontend.MODES[mode]}
    assert "--max-old-space-size=" in bench.env["NODE_OPTIONS"]
    assert list(bench.argv) == ["taskset", "--cpu-list", "1", *on_stack.argv]
