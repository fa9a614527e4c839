"""What a workload's container is handed, by name: the one list of environment variables the services' configs
refer to (`rpc_url_env: RAT_RPC_URL`, `--config-env RAT_CONFIG_YAML`, ...), and the start script that puts the TLS
bundle where the config says its files are.

The Pulumi program does not import the services (`infra/requirements.txt` installs neither), so the names are
repeated in the cloud configs under `infra/config/`; `infra/tests/test_task_config_loads.py` loads each of those
configs with the environment a rendered task definition gives, through the services' own loaders, so a name that
differs on one side fails there."""

from __future__ import annotations

import shlex
from collections.abc import Mapping

# The workload's YAML config: the `<prefix>/config/<workload>` secret, read with `--config-env RAT_CONFIG_YAML`.
CONFIG = "RAT_CONFIG_YAML"
RPC_URL = "RAT_RPC_URL"  # secret `chain-rpc-url` (the URL embeds the provider's API key)
NATS_URL = "RAT_NATS_URL"
NATS_TOKEN = "RAT_NATS_TOKEN"  # secret `nats-token`, the bus servers' --auth token
# The `ca` part of secret `nats-client-tls` (rat_infra/bus_tls.py), which the start script writes to NATS_CA_FILE:
# the bus client's config names that file (`events.nats_tls_ca`) to verify the servers on RAT_NATS_URL (tls://).
NATS_CA = "RAT_NATS_CA"
DB_HOST = "RAT_DB_HOST"  # RDS endpoint address; the login is an IAM token (rds-db:connect), never a password
DB_USER = "RAT_DB_USER"
REGION = "AWS_REGION"

# Vendor credentials, read by the adapters from these variables (relayer/adapters/alpaca.py, custodian.py), by the
# KYC webhook (kyc.webhook_secret_env) and by the Travel Rule: each workload's `credentials/<workload>` secret is a
# JSON object with exactly its variables as keys (workloads.py says which workload reads which).
ALPACA_KEY_ID = "APCA_API_KEY_ID"
ALPACA_SECRET = "APCA_API_SECRET_KEY"
CUSTODIAN_TOKEN = "RAT_CUSTODIAN_TOKEN"
SUMSUB_WEBHOOK_SECRET = "RAT_SUMSUB_WEBHOOK_SECRET"
# The Sumsub API credentials the Travel Rule reads identities with (`travel_rule.sumsub_app_token_env`,
# `travel_rule.sumsub_secret_key_env`; relayer/kyc/applicants.py): the originator's for an outgoing transfer, the
# beneficiary's to screen an incoming inquiry.
SUMSUB_APP_TOKEN = "RAT_SUMSUB_APP_TOKEN"
SUMSUB_SECRET_KEY = "RAT_SUMSUB_SECRET_KEY"

# Task-local scratch (the task's `/tmp` volume on Fargate ephemeral storage, encrypted by the platform): the only
# writable path of a read-only root filesystem, where the start script writes the TLS bundle for the service to
# read. The cloud configs name these files (`attestors.client_cert: /tmp/tls/cert.pem`, `tls.key: ...`).
TLS_DIR = "/tmp/tls"
# ECS hands each part of the `tls/<workload>` secret (JSON: ca, cert, key) to the container as one variable.
TLS_VARIABLES: Mapping[str, str] = {"RAT_TLS_CA": "ca", "RAT_TLS_CERT": "cert", "RAT_TLS_KEY": "key"}
NATS_CA_PART = "bus-ca"  # NATS_CA's file in TLS_DIR, apart from the workload's own bundle's `ca.pem`


def tls_file(part: str, tls_dir: str = TLS_DIR) -> str:
    return f"{tls_dir}/{part}.pem"


NATS_CA_FILE = tls_file(NATS_CA_PART)


def with_tls_files(command: tuple[str, ...], tls_dir: str = TLS_DIR, *, bundle: bool = True,
                   bus_ca: bool = False) -> list[str]:
    """`command` started by a shell that first writes, into `tls_dir` and readable by the task's user only, the
    workload's TLS bundle from its variables (`bundle`) and the bus CA (`bus_ca`). ECS does not expand variables
    in a command and Python's `ssl` loads certificates and keys from files only, hence the shell; `exec` keeps
    the service as PID 1 for ECS's stop signal."""
    files = {**(TLS_VARIABLES if bundle else {}), **({NATS_CA: NATS_CA_PART} if bus_ca else {})}
    script = ["set -eu", "umask 077", f"mkdir -p {shlex.quote(tls_dir)}"]
    script += [f'printf "%s\\n" "${variable}" > {shlex.quote(tls_file(part, tls_dir))}'
               for variable, part in files.items()]
    script.append(f"exec {shlex.join(command)}")
    return ["sh", "-c", "\n".join(script)]
