"""The loop closed: each workload's rendered container definition (command, environment, secrets given made-up
values, the config secret holding its template from infra/config/) is handed to the service's own config loading
as the container command would run it, and the settings the service ends up with are the stack's: RPC URL, bus
URL and token, database host and user with IAM login, KMS key, TLS files. A variable named on one side and not
set on the other fails here.

Needs the services (`relayer`, `attestor`) importable, i.e. the project venv the README runs `pytest infra` with;
the Pulumi-only venv of infra/requirements.txt skips it."""

from __future__ import annotations

import json
import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from infra_queries import DeclaredStack
from rat_infra.offline import mock_arn
from rat_infra.services import db_user
from rat_infra.task_env import CONFIG, DB_HOST, NATS_CA_FILE, NATS_URL, TLS_DIR, TLS_VARIABLES, tls_file
from rat_infra.workloads import Workload

relayer_cli = pytest.importorskip("relayer.cli", reason="the services are not installed (infra-only venv)")
attestor_cli = pytest.importorskip("attestor.cli", reason="the services are not installed (infra-only venv)")

from attestor.config import AttestorConfig  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from relayer.config import KmsSignerConfig, RelayerConfig  # noqa: E402
from relayer.config_source import ConfigSource  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "infra" / "config"
SECRET = "aws:secretsmanager/secret:Secret"
CLIS = {"rat-relayer": relayer_cli.main, "rat-attestor": attestor_cli.main}
MODULES = {"rat-relayer": "relayer.cli", "rat-attestor": "attestor.cli"}


def container(stack: DeclaredStack, family: str) -> dict[str, Any]:
    task = next(t for t in stack.of("aws:ecs/taskDefinition:TaskDefinition")
                if t.inputs["family"] == f"{stack.settings.prefix}-{family}")
    return json.loads(task.inputs["containerDefinitions"])[0]


def fake_secret_values(stack: DeclaredStack, w: Workload, pems: dict[str, str]) -> dict[str, str]:
    """valueFrom -> what Secrets Manager would hand the container."""
    arn = lambda name: mock_arn(SECRET, f"{stack.settings.prefix}-{name.replace('/', '-')}")  # noqa: E731
    values = {arn(f"config/{w.name}"): (TEMPLATES / f"{w.name}.yaml").read_text(),
              arn("chain-rpc-url"): f"https://rpc.example.com/{stack.settings.stack}/API-KEY",
              arn("nats-token"): f"bus-token-{stack.settings.stack}",
              f"{arn('nats-client-tls')}:ca::": pems["ca"]}
    values.update({f"{arn(f'tls/{w.name}')}:{part}::": pem for part, pem in pems.items()})
    values.update({f"{arn(f'credentials/{w.name}')}:{v}::": f"fake-{v}" for v in w.credentials})
    return values


def task_environment(stack: DeclaredStack, w: Workload, c: dict[str, Any], pems: dict[str, str]) -> dict[str, str]:
    """The container's variables as ECS sets them: its environment plus each secret's value."""
    values = fake_secret_values(stack, w, pems)
    return {**{e["name"]: e["value"] for e in c["environment"]},
            **{s["name"]: values[s["valueFrom"]] for s in c["secrets"]}}


def service_argv(c: dict[str, Any]) -> list[str]:
    """The service command the container runs (after its start script, for a TLS workload)."""
    command = c["command"]
    if command[0] == "sh":
        last = shlex.split(command[-1].splitlines()[-1])
        assert last[0] == "exec"
        return last[1:]
    return list(command)


def config_args(argv: list[str]) -> list[str]:
    i = argv.index("--config-env")
    return argv[i:i + 2]


@pytest.fixture(scope="module")
def pems(tmp_path_factory) -> dict[str, str]:
    from attestor.local import issue_local_pki

    pki = issue_local_pki(tmp_path_factory.mktemp("pki"))
    return {"ca": pki.ca.read_text(), "cert": pki.relayer.cert.read_text(), "key": pki.relayer.key.read_text()}


def test_every_workload_and_the_purge_load_their_config_as_their_container_command_would(stack: DeclaredStack, pems):
    for family in [w.name for w in stack.settings.workloads] + (["relayer-purge"] if any(
            w.name == "relayer" for w in stack.settings.workloads) else []):
        w = next(w for w in stack.settings.workloads if w.name == family.removesuffix("-purge"))
        c = container(stack, family)
        argv = service_argv(c)
        env = task_environment(stack, w, c, pems)
        result = CliRunner().invoke(CLIS[argv[0]], ["config-check", *config_args(argv)], env=env)
        assert result.exit_code == 0, (family, result.output)
        assert f"config: environment variable {CONFIG}" in result.output
        assert "API-KEY" not in result.output and "bus-token" not in result.output


def test_relayer_workloads_end_up_with_the_stacks_rpc_bus_and_iam_database(stack: DeclaredStack, pems):
    for w in (w for w in stack.settings.workloads if w.database):
        c = container(stack, w.name)
        env = task_environment(stack, w, c, pems)
        config = RelayerConfig.load(ConfigSource(env=config_args(service_argv(c))[1]), env)
        assert config.rpc_url == f"https://rpc.example.com/{stack.settings.stack}/API-KEY", w.name
        if w.bus:
            assert config.events.nats_url == env[NATS_URL], w.name
            assert config.events.nats_token == f"bus-token-{stack.settings.stack}", w.name
            assert str(config.events.nats_tls_ca) == NATS_CA_FILE, w.name
        else:
            assert config.events.nats_url is None, w.name
        iam = config.database_iam
        assert iam is not None and (iam.host, iam.user, iam.region) == (env[DB_HOST], db_user(w), stack.settings.region)
        password = config.database_password()
        assert (password.host, password.user) == (env[DB_HOST], db_user(w)), w.name
        for role in w.signing_roles:
            signers = [config.signers.sender] + ([config.kyc.signer] if config.kyc else [])
            keys = {s.key(env, role.value)[0] for s in signers if isinstance(s, KmsSignerConfig) and
                    (s.key_id_env is None or s.key_id_env in env)}
            assert env[role.env_var] in keys, w.name


def test_the_relayer_reads_its_attestor_client_certificate_where_its_start_script_writes_it(stack: DeclaredStack,
                                                                                            pems):
    relayer = next((w for w in stack.settings.workloads if w.name == "relayer"), None)
    if relayer is None:
        pytest.skip("this stack runs no relayer")
    c = container(stack, "relayer")
    config = RelayerConfig.load(ConfigSource(env=CONFIG), task_environment(stack, relayer, c, pems))
    attestors = config.attestors
    assert attestors is not None
    assert (str(attestors.client_cert), str(attestors.client_key), str(attestors.server_ca)) == (
        tls_file("cert"), tls_file("key"), tls_file("ca"))


def test_attestors_end_up_with_their_rpc_key_record_and_tls_files(stack: DeclaredStack, pems):
    from rat_infra.services import RECORD_PATH

    for w in (w for w in stack.settings.workloads if w.service_port is not None):
        c = container(stack, w.name)
        env = task_environment(stack, w, c, pems)
        config = AttestorConfig.load(ConfigSource(env=config_args(service_argv(c))[1]), env)
        assert config.role == w.name.removesuffix("-attestor")
        assert config.rpc_url == f"https://rpc.example.com/{stack.settings.stack}/API-KEY"
        assert isinstance(config.key, KmsSignerConfig)
        assert config.key.key(env, w.name) == (env[w.signing_roles[0].env_var], stack.settings.region)
        assert config.database.parent == Path(RECORD_PATH)
        assert (str(config.tls.cert), str(config.tls.key), str(config.tls.client_ca)) == (
            tls_file("cert"), tls_file("key"), tls_file("ca"))
        assert config.listen.port == w.service_port and config.metrics_listen.port == w.metrics_port


def _start_script_with_config_check(staging: DeclaredStack, name: str, pems, tmp_path: Path):
    """Runs workload `name`'s rendered start script by a shell, its TLS folder moved into tmp_path (the only change)
    and its service command turned into `config-check`; returns the finished process and the TLS folder."""
    workload = next(w for w in staging.settings.workloads if w.name == name)
    c = container(staging, name)
    env = task_environment(staging, workload, c, pems)
    folder = tmp_path / "tls"
    env[CONFIG] = env[CONFIG].replace(TLS_DIR, str(folder))
    lines = c["command"][-1].replace(TLS_DIR, str(folder)).splitlines()
    argv = service_argv(c)
    lines[-1] = f"exec {shlex.join([sys.executable, '-m', MODULES[argv[0]], 'config-check', *config_args(argv)])}"
    run_env = {**env, "PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)}
    result = subprocess.run(["sh", "-c", "\n".join(lines)], env=run_env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result, folder


def test_the_start_script_writes_a_bundle_the_service_loads_then_starts_the_service(staging: DeclaredStack, pems,
                                                                                    tmp_path: Path):
    """The relayer's rendered script, run by a shell, with its TLS folder moved into tmp_path (the only change) and
    the service command turned into `config-check`: the files are private, and `ssl` accepts them."""
    from attestor.tls import client_context

    result, folder = _start_script_with_config_check(staging, "relayer", pems, tmp_path)
    assert f"client certificate {folder / 'cert.pem'}" in result.stdout
    for part in TLS_VARIABLES.values():
        written = folder / f"{part}.pem"
        assert stat.S_IMODE(written.stat().st_mode) == 0o600 and written.read_text().strip() == pems[part].strip()
    client_context(folder / "cert.pem", folder / "key.pem", folder / "ca.pem")


def test_the_apis_start_script_writes_the_bus_ca_its_config_verifies_the_bus_with(staging: DeclaredStack, pems,
                                                                                 tmp_path: Path):
    """The api's rendered script, run by a shell with its TLS folder moved into tmp_path and the service command
    turned into `config-check`: the bus CA file is written private, and the config verifies the bus against it."""
    result, folder = _start_script_with_config_check(staging, "api", pems, tmp_path)
    written = folder / "bus-ca.pem"
    assert f"TLS verified against the bus CA {written}" in result.stdout
    assert stat.S_IMODE(written.stat().st_mode) == 0o600 and written.read_text().strip() == pems["ca"].strip()


def test_relayer_workloads_send_traces_to_their_tasks_collector(stack: DeclaredStack, pems):
    from rat_infra.observability import OTLP_HTTP_PORT

    # `travel-rule serve` starts no tracer (relayer/travel_rule/wiring.py), so its config names no collector.
    for w in (w for w in stack.settings.workloads if w.database and w.command[1] != "travel-rule"):
        c = container(stack, w.name)
        config = RelayerConfig.load(ConfigSource(env=CONFIG), task_environment(stack, w, c, pems))
        assert config.tracing.otlp_endpoint == f"http://127.0.0.1:{OTLP_HTTP_PORT}/v1/traces", w.name


def test_relayer_workloads_verify_the_database_servers_certificate_and_name_with_the_images_rds_bundle(
        stack: DeclaredStack, pems):
    from urllib.parse import parse_qs, urlsplit

    from rat_infra.rds_ca import IMAGE_PATH

    for w in (w for w in stack.settings.workloads if w.database):
        c = container(stack, w.name)
        config = RelayerConfig.load(ConfigSource(env=CONFIG), task_environment(stack, w, c, pems))
        query = parse_qs(urlsplit(config.database_url).query)
        assert (query["sslmode"], query["sslrootcert"]) == (["verify-full"], [IMAGE_PATH]), w.name
