"""Local AWS: moto in server mode stands in for X-Ray, CloudWatch Logs and Secrets Manager."""

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx

from ecsotel.local.process import ServiceSpec

REGION = "us-east-1"
# moto accepts any credentials; it keeps data per account and region, so every
# client (collector, backend, verify) must use the same ones.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}


@dataclass(frozen=True)
class LocalAws:
    """Where the local AWS endpoint listens."""

    port: int = 4566

    @property
    def endpoint(self) -> str:
        """The base URL every AWS SDK is pointed at (`AWS_ENDPOINT_URL`)."""
        return f"http://127.0.0.1:{self.port}"

    def client_env(self) -> dict[str, str]:
        """Environment that points an AWS SDK (boto3, aws-sdk-go v2) at this endpoint."""
        return {
            **CREDENTIALS,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL": self.endpoint,
        }

    def client_settings(self) -> dict[str, Any]:
        """boto3 client arguments for this endpoint, with the shared dummy credentials."""
        return {
            "endpoint_url": self.endpoint,
            "region_name": REGION,
            "aws_access_key_id": CREDENTIALS["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        }

    def spec(self) -> ServiceSpec:
        """The moto server process."""
        moto_server = Path(sys.executable).with_name("moto_server")
        return ServiceSpec(
            name="aws",
            argv=[str(moto_server), "-H", "127.0.0.1", "-p", str(self.port)],
            ready=self.healthy,
            ports=[self.port],
            ready_timeout=30,
        )

    def healthy(self) -> bool:
        """Whether moto answers."""
        return httpx.get(f"{self.endpoint}/moto-api/", timeout=1).status_code == 200

    def create_db_secret(self, *, name: str, username: str, password: str) -> str:
        """Store database credentials as Aurora's managed secret does; return the secret's ARN."""
        client = boto3.client("secretsmanager", **self.client_settings())
        secret = json.dumps({"username": username, "password": password})
        return client.create_secret(Name=name, SecretString=secret)["ARN"]
