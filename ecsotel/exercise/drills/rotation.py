"""The database secret rotated under traffic, in the order of Secrets Manager's rotation.

AWS's single-user rotation runs four steps: createSecret (a new value staged
AWSPENDING), setSecret (the database takes the new password), testSecret (a login
with it), finishSecret (AWSCURRENT moves to it). We run the same four against
PostgreSQL and moto, then recycle the pool as a real rotation's pool does: the app's
idle sessions are terminated, so every new connection must log in with the new
password, and the backend finds it only by re-reading the secret.

Why this order: the database first, the secret's current value second. Sessions
already logged in survive ALTER ROLE, so between setSecret and finishSecret the
pool keeps serving; the secret first would leave a window in which every refresh
reads a password PostgreSQL does not yet accept.
"""

import json
import os
import secrets
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3

from ecsotel.exercise.drills.faults import under_traffic, wait_for_writes
from ecsotel.exercise.drills.table import Row, Timing, build_row
from ecsotel.exercise.harness.traffic import Outcome
from ecsotel.local.stack import Stack

if TYPE_CHECKING:  # the stubs are a development dependency
    from mypy_boto3_secretsmanager import SecretsManagerClient

# What the backend logs (backend/app/core/db.py) each time PostgreSQL rejects the cached
# password and it reads the secret again.
REFRESH_MESSAGE = "database rejected the cached credentials; re-reading the secret"


@dataclass(frozen=True)
class Switch:
    """When the rotation ran (monotonic seconds) and how many idle sessions it ended."""

    began: float
    ended: float
    terminated: int


def rotate(stack: Stack) -> Switch:
    """Rotate the app's password in the four steps above; recycle its idle sessions."""
    client: SecretsManagerClient = boto3.client("secretsmanager", **stack.aws.client_settings())
    database = stack.database
    new_password = secrets.token_urlsafe(24)
    began = time.monotonic()
    # createSecret
    pending = client.put_secret_value(
        SecretId=stack.db_secret_arn,
        SecretString=json.dumps({"username": database.username, "password": new_password}),
        VersionStages=["AWSPENDING"],
    )["VersionId"]
    # setSecret: the password is a generated URL-safe token, so quoting it is safe.
    database.cluster.psql(f"ALTER ROLE {database.username} PASSWORD '{new_password}'")
    # testSecret
    check_login(stack, new_password)
    # finishSecret
    current = _current_version(client, stack.db_secret_arn)
    client.update_secret_version_stage(
        SecretId=stack.db_secret_arn,
        VersionStage="AWSCURRENT",
        MoveToVersionId=pending,
        RemoveFromVersionId=current,
    )
    database.password = new_password
    # The pool's recycle: idle sessions only, as a pool closes them; a query in progress
    # is not cut off.
    # The role name is the stack's own constant, never input.
    idle = f"usename = '{database.username}' AND state = 'idle'"
    terminated = database.cluster.psql(
        f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE {idle}"  # noqa: S608
    )
    return Switch(began, time.monotonic(), int(terminated.strip() or 0))


def check_login(stack: Stack, password: str) -> None:
    """Log in as the app over TCP with `password` (scram, as the app does); raise if refused."""
    cluster, database = stack.database.cluster, stack.database
    result = subprocess.run(
        [
            *(str(cluster.bin / "psql"), "-h", "127.0.0.1", "-p", str(cluster.port)),
            *("-U", database.username, "-d", database.database, "-w", "-qAt", "-c", "SELECT 1"),
        ],
        env={**os.environ, "PGPASSWORD": password},
        capture_output=True,
        text=True,
        check=False,
        **cluster.process_options(),
    )
    if result.returncode != 0:
        raise RuntimeError(f"testSecret: the new password does not log in: {result.stderr.strip()}")


def _current_version(client: "SecretsManagerClient", secret_id: str) -> str:
    versions = client.describe_secret(SecretId=secret_id)["VersionIdsToStages"]
    return next(version for version, stages in versions.items() if "AWSCURRENT" in stages)


def in_flight_during(outcomes: Iterable[Outcome], switch: Switch) -> frozenset[Outcome]:
    """The requests that were open at some moment of the switch: the only ones it may fail."""
    return frozenset(o for o in outcomes if o.started <= switch.ended and o.ended >= switch.began)


def count_refreshes(backend_lines: Iterable[str]) -> int:
    """How many times the backend logged that it re-read the secret."""
    return sum(1 for line in backend_lines if REFRESH_MESSAGE in line)


def rotation_drill(stack: Stack, timing: Timing) -> Row:
    """The secret rotated under traffic: no request fails but those in flight at the switch,
    and the backend re-reads the secret when PostgreSQL refuses the old password."""
    with stack.output("backend") as backend, under_traffic(stack) as (traffic, frontend):
        time.sleep(timing.warm)
        switch = rotate(stack)
        wait_for_writes(stack)
        time.sleep(timing.settle)
    in_flight = in_flight_during(traffic.snapshot(), switch)
    refreshes = count_refreshes(backend)
    failed_in_flight = sum(1 for o in in_flight if o.failed)
    notes = (
        "AWSPENDING → ALTER ROLE → login test → AWSCURRENT → idle app sessions terminated"
        f" ({switch.terminated}), {1000 * (switch.ended - switch.began):.0f} ms;"
        f" in flight at the switch {len(in_flight)}, of them failed {failed_in_flight}"
        f" (not in 'failed'); secret refreshes logged by the backend: {refreshes}"
    )
    problems = () if refreshes else ("the backend never re-read the secret: no refresh logged",)
    return build_row(
        stack,
        "DB secret rotated",
        traffic,
        frontend,
        switch.ended,
        set(),
        notes,
        in_flight,
        problems,
    )
