"""The one throwaway PostgreSQL cluster, as the local stack runs it."""

import subprocess

import pytest
from devkit.ports import port_is_free
from devkit.postgres import Cluster

from ecsotel.local.postgres import AppDatabase
from ecsotel.local.process import start


def test_app_role_connects_over_tcp_with_its_password_and_files_are_removed() -> None:
    database = AppDatabase(Cluster())
    database.cluster.init()
    server = start(database.spec(), lambda *_: None)
    try:
        database.create()
        url = f"postgresql://todo:{database.password}@127.0.0.1:{database.cluster.port}/todo"
        answer = subprocess.run(
            ["psql", url, "-Atc", "select current_user, current_database()"],
            capture_output=True,
            text=True,
            check=True,
        )
        wrong = url.replace(database.password, "wrong-password")
        refused = subprocess.run(["psql", wrong, "-c", "select 1"], capture_output=True, text=True)
    finally:
        server.stop()
        database.cluster.remove()

    assert answer.stdout.strip() == "todo|todo"
    assert refused.returncode != 0
    assert "password authentication failed" in refused.stderr
    assert not database.cluster.root.exists()


def test_cluster_started_by_itself_accepts_the_superuser_over_tcp_and_stops() -> None:
    cluster = Cluster()
    cluster.start()
    try:
        answer = subprocess.run(
            ["psql", cluster.url().replace("+psycopg2", ""), "-Atc", "select 1"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert answer.stdout.strip() == "1"
    finally:
        cluster.remove()

    assert port_is_free(cluster.port)
    assert not cluster.root.exists()


@pytest.fixture(autouse=True)
def _psql_available() -> None:
    if subprocess.run(["which", "psql"], capture_output=True).returncode != 0:
        pytest.fail("psql is missing: install postgresql-client")
