"""A relayer config can come from an environment variable (`--config-env NAME`, how a Fargate task gets it), and
names the environment variables that hold what the platform hands the task: the RPC URL, the bus URL and token,
the database host and user (RDS IAM), the KMS key. Every missing or conflicting input is a ConfigError naming it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from relayer.cli import main
from relayer.config import EXAMPLE, RelayerConfig
from relayer.config_source import ConfigSource
from relayer.errors import ConfigError
from relayer.rds_iam import RdsIamToken

CONFIG = "RAT_CONFIG_YAML"
RPC = "https://eth-mainnet.example.com/v2/SECRET-API-KEY"
TOKEN = "bus-token-not-for-logs"
PLATFORM = {"RAT_RPC_URL": RPC, "RAT_NATS_URL": "nats://nats-0.staging.rat.internal:4222", "RAT_NATS_TOKEN": TOKEN,
            "RAT_DB_HOST": "rat-staging-db.abc.sa-east-1.rds.amazonaws.com", "RAT_DB_USER": "relayer",
            "AWS_REGION": "sa-east-1", "RAT_KMS_KEY_SUBMITTER": "arn:aws:kms:sa-east-1:111122223333:key/submitter"}


def cloud_config(**edits) -> dict:
    """The example config as a cloud task's: absolute paths, platform settings named by their variables."""
    data = yaml.safe_load(EXAMPLE)
    data.pop("rpc_url")
    data.pop("database_url")
    data.update(rpc_url_env="RAT_RPC_URL",
                database_iam={"host_env": "RAT_DB_HOST", "user_env": "RAT_DB_USER"},
                events={"nats_url_env": "RAT_NATS_URL", "nats_token_env": "RAT_NATS_TOKEN"})
    data["signers"]["sender"] = {"type": "kms", "key_id_env": "RAT_KMS_KEY_SUBMITTER", "region_env": "AWS_REGION"}
    data["attestors"].update(client_cert="/tmp/tls/cert.pem", client_key="/tmp/tls/key.pem",
                             server_ca="/tmp/tls/ca.pem")
    data.update(edits)
    return data


def load(data: dict, **env: str) -> RelayerConfig:
    environ = {**PLATFORM, CONFIG: yaml.safe_dump(data), **env}
    return RelayerConfig.load(ConfigSource(env=CONFIG), {k: v for k, v in environ.items() if v is not None})


def refusal(data: dict, **env: str) -> str:
    with pytest.raises(ConfigError) as refused:
        load(data, **env)
    return str(refused.value)


def test_a_config_read_from_an_environment_variable_takes_the_platform_settings_from_the_variables_it_names():
    config = load(cloud_config())
    assert config.rpc_url == RPC
    assert config.events.nats_url == "nats://nats-0.staging.rat.internal:4222" and config.events.nats_token == TOKEN
    assert config.database_url == ("postgresql+psycopg://relayer@rat-staging-db.abc.sa-east-1.rds.amazonaws.com:5432/"
                                   "rat?sslmode=require")
    assert config.signers.sender.key(PLATFORM, "sender") == (PLATFORM["RAT_KMS_KEY_SUBMITTER"], "sa-east-1")


def test_an_unset_config_variable_is_an_error_naming_it():
    with pytest.raises(ConfigError, match=f"environment variable {CONFIG} holds no config"):
        RelayerConfig.load(ConfigSource(env=CONFIG), {})


def test_invalid_yaml_in_the_config_variable_is_an_error_naming_the_variable():
    with pytest.raises(ConfigError, match=f"environment variable {CONFIG} is not valid YAML"):
        RelayerConfig.load(ConfigSource(env=CONFIG), {CONFIG: "rpc_url: [unclosed"})


def test_a_problem_in_a_config_from_the_environment_names_the_variable_and_the_key():
    message = refusal(cloud_config(watcher={"confirmation": 2}))
    assert message.startswith(f"environment variable {CONFIG}: ") and "watcher.confirmation: unknown key" in message


def test_a_relative_path_in_a_config_from_the_environment_is_refused_naming_the_field():
    data = cloud_config()
    data["attestors"]["client_key"] = "tls/rat-relayer.key"
    message = refusal(data)
    assert "attestors.client_key" in message and "relative path" in message


def test_relative_paths_in_a_config_file_still_resolve_against_its_folder(tmp_path: Path):
    (tmp_path / "relayer.yaml").write_text(EXAMPLE)
    config = RelayerConfig.load(tmp_path / "relayer.yaml", {})
    assert config.attestors.client_key == tmp_path / "tls" / "rat-relayer.key"


def test_an_unset_rpc_url_variable_is_an_error_naming_it():
    assert "rpc_url_env: environment variable RAT_RPC_URL is not set" in refusal(cloud_config(), RAT_RPC_URL=None)


def test_rpc_url_and_rpc_url_env_together_are_refused():
    assert "give rpc_url or rpc_url_env, not both" in refusal(cloud_config(rpc_url="http://127.0.0.1:8545"))


def test_an_unset_bus_token_variable_is_an_error_naming_it():
    message = refusal(cloud_config(), RAT_NATS_TOKEN=None)
    assert "events: nats_token_env: environment variable RAT_NATS_TOKEN is not set" in message


def test_a_bus_token_without_a_bus_is_refused():
    message = refusal(cloud_config(events={"nats_token_env": "RAT_NATS_TOKEN"}))
    assert "nats_token_env is set but no bus is" in message


def test_the_bus_token_is_never_a_config_key():
    assert "events.nats_token: unknown key" in refusal(cloud_config(events={"nats_url": "nats://x", "nats_token": "t"}))


def test_an_unset_database_host_variable_is_an_error_naming_it():
    message = refusal(cloud_config(), RAT_DB_HOST=None)
    assert "database_iam: host_env: environment variable RAT_DB_HOST is not set" in message


def test_database_url_and_database_iam_together_are_refused():
    assert "give database_url or database_iam, not both" in refusal(cloud_config(database_url="sqlite:///x.db"))


def test_a_verifying_sslmode_without_the_rds_ca_bundle_is_refused():
    data = cloud_config()
    data["database_iam"]["sslmode"] = "verify-full"
    assert "give sslrootcert" in refusal(data)


def test_a_verifying_sslmode_names_the_ca_bundle_in_the_database_url():
    data = cloud_config()
    data["database_iam"].update(sslmode="verify-full", sslrootcert="/etc/rds/global-bundle.pem")
    assert load(data).database_url.endswith("?sslmode=verify-full&sslrootcert=/etc/rds/global-bundle.pem")


def test_an_iam_database_logs_in_with_a_token_maker_for_its_host_user_port_and_region():
    password = load(cloud_config()).database_password()
    assert isinstance(password, RdsIamToken)
    assert (password.host, password.port, password.user, password.region) == (
        PLATFORM["RAT_DB_HOST"], 5432, "relayer", "sa-east-1")


def test_a_database_url_config_has_no_password_maker(tmp_path: Path):
    (tmp_path / "relayer.yaml").write_text(EXAMPLE)
    assert RelayerConfig.load(tmp_path / "relayer.yaml", {}).database_password() is None


def test_a_config_whose_kms_key_variable_is_unset_still_loads_for_commands_that_sign_nothing():
    assert load(cloud_config(), RAT_KMS_KEY_SUBMITTER=None).signers.sender.key_id_env == "RAT_KMS_KEY_SUBMITTER"


def test_making_the_signer_without_its_kms_key_variable_is_an_error_naming_it(monkeypatch):
    from relayer.daemon import build_signer

    config = load(cloud_config())
    monkeypatch.delenv("RAT_KMS_KEY_SUBMITTER", raising=False)
    with pytest.raises(ConfigError, match="sender signer: key_id_env: environment variable RAT_KMS_KEY_SUBMITTER"):
        build_signer(config.signers.sender, "sender")


def test_a_kms_signer_needs_exactly_one_of_key_id_and_key_id_env():
    data = cloud_config()
    data["signers"]["sender"]["key_id"] = "alias/rat-submitter"
    assert "give key_id or key_id_env, exactly one" in refusal(data)
    data["signers"]["sender"] = {"type": "kms"}
    assert "give key_id or key_id_env, exactly one" in refusal(data)


def test_the_example_still_loads_from_a_file_with_literal_settings(tmp_path: Path):
    (tmp_path / "relayer.yaml").write_text(EXAMPLE)
    config = RelayerConfig.load(tmp_path / "relayer.yaml", {})
    assert config.rpc_url == "http://127.0.0.1:8545" and config.database_url == "sqlite:///relayer.db"
    assert config.events.nats_token is None


# -- the CLI ------------------------------------------------------------------------------------------------------

def test_config_check_reads_the_config_variable_and_prints_where_each_setting_comes_from():
    env = {**PLATFORM, CONFIG: yaml.safe_dump(cloud_config())}
    result = CliRunner().invoke(main, ["config-check", "--config-env", CONFIG], env=env)
    assert result.exit_code == 0, result.output
    assert f"config: environment variable {CONFIG}" in result.output
    assert "rpc_url: https://eth-mainnet.example.com/… (from $RAT_RPC_URL)" in result.output
    assert "token from $RAT_NATS_TOKEN" in result.output and "RDS IAM token per connection" in result.output
    assert f"signers.sender: KMS key {PLATFORM['RAT_KMS_KEY_SUBMITTER']} (from $RAT_KMS_KEY_SUBMITTER)" in result.output


def test_config_check_says_whether_the_database_servers_certificate_is_verified_and_against_what():
    verified = cloud_config()
    verified["database_iam"].update(sslmode="verify-full", sslrootcert="/opt/rat/share/rds/global-bundle.pem")
    outputs = [CliRunner().invoke(main, ["config-check", "--config-env", CONFIG],
                                  env={**PLATFORM, CONFIG: yaml.safe_dump(data)}).output
               for data in (verified, cloud_config())]
    assert ("sslmode verify-full: server certificate and name verified against "
            "/opt/rat/share/rds/global-bundle.pem") in outputs[0]
    assert "sslmode require: server certificate not verified" in outputs[1]


def test_config_check_prints_no_secret():
    env = {**PLATFORM, CONFIG: yaml.safe_dump(cloud_config())}
    output = CliRunner().invoke(main, ["config-check", "--config-env", CONFIG], env=env).output
    assert "SECRET-API-KEY" not in output and TOKEN not in output


def test_config_check_fails_naming_a_missing_variable():
    env = {**PLATFORM, CONFIG: yaml.safe_dump(cloud_config()), "RAT_DB_USER": ""}
    result = CliRunner().invoke(main, ["config-check", "--config-env", CONFIG], env=env)
    assert result.exit_code == 1 and "RAT_DB_USER is not set" in result.output


def test_config_and_config_env_together_are_a_usage_error(tmp_path: Path):
    result = CliRunner().invoke(main, ["config-check", "--config", str(tmp_path / "r.yaml"), "--config-env", CONFIG])
    assert result.exit_code == 2 and "not both" in result.output


def test_every_config_reading_command_offers_config_env():
    for command in (["run"], ["api"], ["status"], ["doctor"], ["purge"], ["replay"], ["config-check"],
                    ["breaker", "reset"], ["saga", "retry"], ["saga", "reject"]):
        result = CliRunner().invoke(main, [*command, "--help"])
        assert "--config-env NAME" in result.output, command
