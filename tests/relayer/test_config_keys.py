"""Config sections refuse keys they do not know: a typo is an error naming the key, not a silent default."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from relayer.cli import main
from relayer.config import EXAMPLE, RelayerConfig
from relayer.errors import ConfigError


def write(tmp_path, edit) -> object:
    data = yaml.safe_load(EXAMPLE)
    edit(data)
    path = tmp_path / "relayer.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("edit, key", [
    (lambda d: d["watcher"].update(confirmation=12), "watcher.confirmation"),
    (lambda d: d["api"].update(auht={"issuer": "x"}), "api.auht"),
    (lambda d: d.update(rpc_urll="http://127.0.0.1:8545"), "rpc_urll"),
    (lambda d: d["signers"]["sender"].update(passphrase="secret"), "signers.sender"),
    (lambda d: d["sender"].update(gas_bump=20), "sender.gas_bump"),
])
def test_an_unknown_config_key_is_an_error_naming_it(tmp_path, edit, key):
    with pytest.raises(ConfigError) as refused:
        RelayerConfig.load(write(tmp_path, edit))
    assert f"{key}" in str(refused.value).replace(".passphrase", "") and "unknown key" in str(refused.value)


def test_the_example_config_has_no_unknown_keys(tmp_path):
    assert RelayerConfig.load(write(tmp_path, lambda d: None)).watcher.confirmations == 2


def test_doctor_fails_on_a_typo_key(tmp_path):
    result = CliRunner().invoke(main, ["doctor", "--config", str(write(tmp_path, lambda d: d["watcher"].update(
        confirmation=12)))])
    assert result.exit_code == 1 and "watcher.confirmation" in result.output and "FAIL" in result.output


def test_the_removed_api_collateral_oracles_key_is_refused_naming_it_and_where_the_oracle_comes_from(tmp_path):
    old = {"0x" + "11" * 20: "0x" + "22" * 20}
    with pytest.raises(ConfigError) as refused:
        RelayerConfig.load(write(tmp_path, lambda d: d["api"].update(collateral_oracles=old)))
    assert "api.collateral_oracles" in str(refused.value) and "remove it" in str(refused.value)
    assert "collateral.markets" in str(refused.value)
