"""An attestor config can come from an environment variable (`--config-env NAME`, the cloud task) and names the
variables holding its RPC URL and KMS key; a missing variable or a relative path in such a config is a ConfigError
naming it, and a config file keeps resolving relative paths against its folder."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from attestor.cli import main
from attestor.config import EXAMPLE, AttestorConfig
from relayer.config_source import ConfigSource
from relayer.errors import ConfigError

CONFIG = "RAT_CONFIG_YAML"
RPC = "https://eth-mainnet.example.com/v2/ATTESTOR-API-KEY"
KEY = "arn:aws:kms:sa-east-1:111122223333:key/custody"
PLATFORM = {"RAT_RPC_URL": RPC, "RAT_KMS_KEY_CUSTODY_ATTESTOR": KEY, "AWS_REGION": "sa-east-1"}


def cloud_config(**edits) -> dict:
    data = yaml.safe_load(EXAMPLE)
    data.pop("rpc_url")
    data.update(rpc_url_env="RAT_RPC_URL", database="/var/lib/rat-attestor/record.db",
                key={"type": "kms", "key_id_env": "RAT_KMS_KEY_CUSTODY_ATTESTOR", "region_env": "AWS_REGION"})
    data["tls"].update(cert="/tmp/tls/cert.pem", key="/tmp/tls/key.pem", client_ca="/tmp/tls/ca.pem")
    data.update(edits)
    return data


def load(data: dict, **env: str | None) -> AttestorConfig:
    environ = {**PLATFORM, CONFIG: yaml.safe_dump(data), **env}
    return AttestorConfig.load(ConfigSource(env=CONFIG), {k: v for k, v in environ.items() if v is not None})


def test_an_attestor_config_from_the_environment_reads_its_rpc_url_and_kms_key_from_the_variables_it_names():
    config = load(cloud_config())
    assert config.rpc_url == RPC and config.key.key(PLATFORM, "custody-attestor") == (KEY, "sa-east-1")
    assert config.tls.key == Path("/tmp/tls/key.pem")


def test_an_unset_rpc_url_variable_is_an_error_naming_it():
    with pytest.raises(ConfigError, match="rpc_url_env: environment variable RAT_RPC_URL is not set"):
        load(cloud_config(), RAT_RPC_URL=None)


def test_the_default_relative_record_path_is_refused_in_a_config_from_the_environment():
    data = cloud_config()
    data.pop("database")
    with pytest.raises(ConfigError, match="database: 'attestor.db' is a relative path"):
        load(data)


def test_a_relative_tls_path_in_a_config_from_the_environment_is_refused_naming_the_field():
    data = cloud_config()
    data["tls"]["cert"] = "tls/custody-attestor.pem"
    with pytest.raises(ConfigError, match="tls.cert: 'tls/custody-attestor.pem' is a relative path"):
        load(data)


def test_an_unset_config_variable_is_an_error_naming_it():
    with pytest.raises(ConfigError, match=f"environment variable {CONFIG} holds no config"):
        AttestorConfig.load(ConfigSource(env=CONFIG), {})


def test_a_config_file_still_resolves_relative_paths_against_its_folder(tmp_path: Path):
    (tmp_path / "attestor.yaml").write_text(EXAMPLE)
    config = AttestorConfig.load(tmp_path / "attestor.yaml", {})
    assert config.database == tmp_path / "custody-attestor.db" and config.tls.cert.is_relative_to(tmp_path)


def test_config_check_prints_where_the_settings_come_from_and_no_secret():
    env = {**PLATFORM, CONFIG: yaml.safe_dump(cloud_config())}
    result = CliRunner().invoke(main, ["config-check", "--config-env", CONFIG], env=env)
    assert result.exit_code == 0, result.output
    assert "rpc_url: https://eth-mainnet.example.com/… (from $RAT_RPC_URL)" in result.output
    assert f"key: KMS key {KEY} (from $RAT_KMS_KEY_CUSTODY_ATTESTOR)" in result.output
    assert "ATTESTOR-API-KEY" not in result.output


def test_run_without_its_config_variable_fails_naming_it_without_a_traceback():
    result = CliRunner().invoke(main, ["run", "--config-env", CONFIG], env={CONFIG: ""})
    assert result.exit_code == 1 and f"{CONFIG} holds no config" in result.output
    assert "Traceback" not in result.output
