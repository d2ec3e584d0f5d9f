"""The local stack's throwaway PostgreSQL cluster."""

import subprocess

import pytest

from ecsotel.postgres import Postgres
from ecsotel.process import free_port, start


def test_app_role_connects_over_tcp_with_its_password_and_files_are_removed() -> None:
    postgres = Postgres(port=free_port())
    postgres.init()
    server = start(postgres.spec(), lambda *_: None)
    try:
        postgres.create_app_database()
        url = f"postgresql://todo:{postgres.password}@127.0.0.1:{postgres.port}/todo"
        answer = subprocess.run(
            ["psql", url, "-Atc", "select current_user, current_database()"],
            capture_output=True,
            text=True,
            check=True,
        )
        wrong = url.replace(postgres.password, "wrong-password")
        refused = subprocess.run(["psql", wrong, "-c", "select 1"], capture_output=True, text=True)
    finally:
        server.stop()
        postgres.remove()

    assert answer.stdout.strip() == "todo|todo"
    assert refused.returncode != 0
    assert "password authentication failed" in refused.stderr
    assert not postgres.root.exists()


@pytest.fixture(autouse=True)
def _psql_available() -> None:
    if subprocess.run(["which", "psql"], capture_output=True).returncode != 0:
        pytest.fail("psql is missing: install postgresql-client")
