"""Database credentials from a Secrets Manager secret, cached until PostgreSQL rejects them."""

import json
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

logger = logging.getLogger(__name__)


class SecretFormatError(RuntimeError):
    """The secret is not JSON with string fields ``username`` and ``password``."""


@dataclass(frozen=True)
class Credentials:
    """A user name and password for PostgreSQL."""

    username: str
    password: str

    def __repr__(self) -> str:
        """Name the user only: the password must never reach a log line."""
        return f"Credentials(username={self.username!r}, password='***')"


class SecretCredentials:
    """Reads ``{"username", "password"}`` from Secrets Manager once and keeps it.

    ``refresh()`` forces one new read; the database layer calls it when PostgreSQL
    rejects the cached password, which is what a rotation looks like from here.
    """

    def __init__(self, *, secret_id: str, region: str, client: Any = None) -> None:
        self._secret_id = secret_id
        # boto3 honours AWS_ENDPOINT_URL itself (moto locally), so no endpoint here.
        self._client: SecretsManagerClient = client or boto3.client(
            "secretsmanager", region_name=region
        )
        self._lock = threading.Lock()
        self._cached: Credentials | None = None

    def get(self) -> Credentials:
        """Return the cached credentials, reading the secret on first use."""
        with self._lock:
            if self._cached is None:
                self._cached = self._read()
            return self._cached

    def refresh(self) -> Credentials:
        """Read the secret again (after a rotation) and cache the new value."""
        with self._lock:
            self._cached = self._read()
            return self._cached

    def _read(self) -> Credentials:
        # AWSCURRENT by name, though it is the documented default: a read without a stage
        # returned the pre-rotation value in moto after finishSecret moved the label
        # (found by the rotation drill), and some cross-account policies require it.
        value = self._client.get_secret_value(SecretId=self._secret_id, VersionStage="AWSCURRENT")
        try:
            data = json.loads(value["SecretString"])
            username, password = data["username"], data["password"]
        except (KeyError, TypeError, ValueError) as error:
            # Deliberately without the secret's text: it may hold the password.
            raise SecretFormatError(
                "the database secret must be JSON with 'username' and 'password'"
            ) from error
        if not isinstance(username, str) or not isinstance(password, str):
            raise SecretFormatError("'username' and 'password' in the secret must be strings")
        logger.info("database credentials read from Secrets Manager")
        return Credentials(username=username, password=password)
