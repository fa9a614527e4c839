"""RDS IAM database authentication: the password of each new PostgreSQL connection is a fresh token signed with
the task role's AWS credentials (SigV4, valid 15 minutes for logging in; an open connection outlives it).

The token is made locally by boto3 (no AWS call): a task without credentials, or whose role lacks `rds-db:connect`
for the user, fails at login, and the store reports it as a `StoreError` naming the user and host."""

from __future__ import annotations

from typing import Any

from relayer.errors import StoreError


class RdsIamToken:
    """Call it for a token: one per new connection, never cached (a pooled connection reconnecting after 15
    minutes needs a new one)."""

    def __init__(self, host: str, port: int, user: str, region: str, client: Any = None) -> None:
        self.host, self.port, self.user, self.region = host, port, user, region
        self._client = client  # a boto3 `rds` client; made on first use so a config loads without AWS set up

    def _rds(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.client("rds", region_name=self.region)
        return self._client

    def __call__(self) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return str(self._rds().generate_db_auth_token(
                DBHostname=self.host, Port=self.port, DBUsername=self.user, Region=self.region))
        except (BotoCoreError, ClientError) as exc:
            raise StoreError(
                f"cannot make an RDS IAM login token for {self.user}@{self.host}:{self.port} ({self.region}): {exc}",
                hint="the task needs AWS credentials (its task role) allowed rds-db:connect for this user") from None

    def __repr__(self) -> str:
        return f"RdsIamToken({self.user}@{self.host}:{self.port}, {self.region})"
