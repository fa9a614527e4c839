"""Runtime secrets live in AWS Secrets Manager, encrypted with the stack's data key. Values reach the stack
either out of band (`aws secretsmanager put-secret-value`) or as Pulumi secrets
(`pulumi config set --secret`), which Pulumi stores encrypted with the stack's KMS secrets provider;
never as plaintext stack config."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from rat_infra.settings import StackSettings

# Secret name -> what it holds. The database master password is not here: RDS generates and rotates it in
# its own Secrets Manager secret (manage_master_user_password).
RUNTIME_SECRETS: Mapping[str, str] = {
    "nats-token": "token every bus client and server presents to NATS",
    "nats-route-tls": "route TLS bundle (JSON: ca, cert, key) the NATS servers present to each other "
    "(python -m rat_infra.route_tls issue)",
    "nats-client-tls": "client-port TLS bundle (JSON: ca, cert, key): the NATS servers present cert and key, the bus "
    "clients verify them against ca (python -m rat_infra.bus_tls issue)",
    "chain-rpc-url": "Ethereum JSON-RPC endpoint URL, which embeds the provider's API key",
}


def workload_secrets(settings: StackSettings) -> dict[str, str]:
    """Secret name -> what it holds, for each workload of the stack: its YAML config (no secret in it: secrets are
    named in it by the variable that holds them), for the mutual-TLS workloads its TLS bundle, and for those that
    call a vendor their credentials."""
    secrets = {}
    for w in settings.workloads:
        secrets[w.config_secret] = f"{w.name}'s YAML config (from infra/config/{w.name}.yaml), read with --config-env"
        if w.tls_secret is not None:
            secrets[w.tls_secret] = f"{w.name}'s mutual-TLS bundle (JSON: ca, cert, key)"
        if w.credentials_secret is not None:
            secrets[w.credentials_secret] = f"{w.name}'s vendor credentials (JSON keys: {', '.join(w.credentials)})"
    return secrets


def build_secrets(
    settings: StackSettings,
    data_key: aws.kms.Key,
    parent: pulumi.Resource,
    values: Mapping[str, pulumi.Input[str]],
) -> dict[str, aws.secretsmanager.Secret]:
    unknown = set(values) - set(RUNTIME_SECRETS)
    if unknown:
        raise ValueError(f"no runtime secret named {sorted(unknown)}")
    opts = pulumi.ResourceOptions(parent=parent)
    secrets: dict[str, aws.secretsmanager.Secret] = {}
    for name, description in {**RUNTIME_SECRETS, **workload_secrets(settings)}.items():
        secret = aws.secretsmanager.Secret(
            f"{settings.prefix}-{name.replace('/', '-')}",
            name=f"{settings.prefix}/{name}",
            description=description,
            kms_key_id=data_key.arn,
            recovery_window_in_days=30 if settings.is_production else 7,
            opts=opts,
        )
        if name in values:
            aws.secretsmanager.SecretVersion(
                f"{settings.prefix}-{name}",
                secret_id=secret.id,
                secret_string=pulumi.Output.secret(values[name]),
                opts=opts,
            )
        secrets[name] = secret
    return secrets
