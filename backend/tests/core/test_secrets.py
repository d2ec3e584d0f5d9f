"""Credentials from Secrets Manager (moto): cached, re-read once after a rotation."""

import json
from collections.abc import Callable, Iterator

import boto3
import pytest
from devkit.postgres import Cluster
from fastapi.testclient import TestClient
from moto import mock_aws
from sqlalchemy import Engine

from app.core.config import Settings
from app.core.db import create_db_engine
from app.core.secrets import SecretCredentials
from app.main import create_app
from tests.conftest import DATABASE

REGION = "us-east-1"


@pytest.fixture
def role(pg: Cluster, engine: object) -> Iterator[str]:
    """A login role that may read the todo table, with password 'first'."""
    pg.psql(
        "CREATE ROLE rotating LOGIN PASSWORD 'first'",
        f"GRANT CONNECT ON DATABASE {DATABASE} TO rotating",
    )
    pg.psql("GRANT SELECT ON todo TO rotating", database=DATABASE)
    yield "rotating"
    pg.psql("REVOKE ALL ON todo FROM rotating", database=DATABASE)
    pg.psql(f"REVOKE ALL ON DATABASE {DATABASE} FROM rotating", "DROP ROLE rotating")


@pytest.fixture
def secret_arn() -> Iterator[str]:
    """A Secrets Manager secret in moto, shaped like Aurora's managed master-user secret."""
    with mock_aws():
        client = boto3.client("secretsmanager", region_name=REGION)
        created = client.create_secret(
            Name="todo-db", SecretString=json.dumps({"username": "rotating", "password": "first"})
        )
        yield created["ARN"]


def put_password(secret_arn: str, password: str) -> None:
    """Store a new password in the secret, as a rotation does."""
    boto3.client("secretsmanager", region_name=REGION).put_secret_value(
        SecretId=secret_arn, SecretString=json.dumps({"username": "rotating", "password": password})
    )


def secret_settings(pg: Cluster, secret_arn: str) -> Settings:
    """Settings for DB_HOST/DB_PORT/DB_NAME/DB_SECRET_ARN."""
    return Settings(
        database_url=None,
        db_host="127.0.0.1",
        db_port=pg.port,
        db_name=DATABASE,
        db_secret_arn=secret_arn,
        aws_region=REGION,
    )


def serve(
    pg: Cluster, secret_arn: str, credentials: SecretCredentials | None = None
) -> tuple[Engine, TestClient]:
    """An engine that takes its credentials from the secret, and a client of its app."""
    engine = create_db_engine(secret_settings(pg, secret_arn), credentials=credentials)
    client = TestClient(create_app(engine=engine, telemetry=None), raise_server_exceptions=False)
    return engine, client


def stage_password(secret_arn: str, password: str) -> None:
    """Store a new password as a Secrets Manager rotation does: AWSPENDING, then AWSCURRENT."""
    client = boto3.client("secretsmanager", region_name=REGION)
    stages = client.describe_secret(SecretId=secret_arn)["VersionIdsToStages"]
    current = next(version for version, labels in stages.items() if "AWSCURRENT" in labels)
    pending = client.put_secret_value(
        SecretId=secret_arn,
        SecretString=json.dumps({"username": "rotating", "password": password}),
        VersionStages=["AWSPENDING"],
    )["VersionId"]
    client.update_secret_version_stage(
        SecretId=secret_arn,
        VersionStage="AWSCURRENT",
        MoveToVersionId=pending,
        RemoveFromVersionId=current,
    )


# The staged form was found by the rotation drill: after finishSecret moved AWSCURRENT,
# a read without a stage still returned the old value in moto; the refresh names the stage.
@pytest.mark.parametrize("rotate", [put_password, stage_password], ids=["put", "staged"])
def test_rotated_password_is_read_again_and_requests_keep_working(
    pg: Cluster, role: str, secret_arn: str, rotate: Callable[[str, str], None]
) -> None:
    credentials = SecretCredentials(secret_id=secret_arn, region=REGION)
    engine, client = serve(pg, secret_arn, credentials)
    assert client.get("/api/todos/").status_code == 200

    pg.psql(f"ALTER ROLE {role} PASSWORD 'second'")
    rotate(secret_arn, "second")
    # Pooled connections outlive a rotation; the next new connection meets the new password.
    engine.dispose()
    response = client.get("/api/todos/")

    assert response.status_code == 200
    assert credentials.get().password == "second"
    engine.dispose()


def test_credentials_are_cached_between_connections(
    pg: Cluster, role: str, secret_arn: str
) -> None:
    credentials = SecretCredentials(secret_id=secret_arn, region=REGION)
    engine, client = serve(pg, secret_arn, credentials)
    assert client.get("/api/todos/").status_code == 200

    # The secret changes but the database does not: the cached value must still be used.
    put_password(secret_arn, "not-yet-applied")
    engine.dispose()

    assert client.get("/api/todos/").status_code == 200
    assert credentials.get().password == "first"
    engine.dispose()


def test_rejected_credentials_after_refresh_return_503(
    pg: Cluster, role: str, secret_arn: str
) -> None:
    put_password(secret_arn, "wrong")
    engine, client = serve(pg, secret_arn)

    response = client.get("/api/todos/")

    assert response.status_code == 503
    assert response.json() == {"detail": "database unavailable, try again shortly"}
    assert "wrong" not in response.text
    engine.dispose()


def test_missing_secret_returns_503(pg: Cluster, secret_arn: str) -> None:
    engine, client = serve(pg, secret_arn + "-gone")

    assert client.get("/api/todos/").status_code == 503
    assert client.get("/readyz").status_code == 503
    engine.dispose()


def test_credentials_repr_hides_the_password(secret_arn: str) -> None:
    credentials = SecretCredentials(secret_id=secret_arn, region=REGION).get()

    assert "first" not in repr(credentials)
