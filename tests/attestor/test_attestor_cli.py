"""`rat-attestor`: its config refuses unknown keys and names what is wrong; `doctor` says what fails and how to fix
it; the relayer's config has no place for an attestor key."""

from __future__ import annotations

import yaml
from click.testing import CliRunner

from attestor.cli import main
from attestor.config import AttestorConfig
from attestor.local import issue_local_pki


def example(tmp_path):
    result = CliRunner().invoke(main, ["config-example"])
    path = tmp_path / "attestor.yaml"
    path.write_text(result.output)
    return path


def test_the_example_config_parses(tmp_path):
    config = AttestorConfig.load(example(tmp_path))
    assert config.role == "custody" and config.confirmations == 2 and config.tls.allowed_clients == ["rat-relayer"]


def test_an_unknown_key_is_refused_with_its_name(tmp_path):
    path = example(tmp_path)
    data = yaml.safe_load(path.read_text())
    data["signers"] = {"brokerage": {}}
    path.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(main, ["run", "--config", str(path)])
    assert result.exit_code == 1 and "signers" in result.output and "Traceback" not in result.output


def test_doctor_names_each_problem_and_its_fix(tmp_path, monkeypatch):
    path = example(tmp_path)
    data = yaml.safe_load(path.read_text())
    data["rpc_url"] = "http://127.0.0.1:1"  # nothing listens
    path.write_text(yaml.safe_dump(data))
    monkeypatch.delenv("RAT_ATTESTOR_PASSPHRASE", raising=False)
    result = CliRunner().invoke(main, ["doctor", "--config", str(path)])
    assert result.exit_code == 1
    assert "keystore file" in result.output and "custody.json" in result.output  # no key yet
    assert "TLS files missing" in result.output  # no certificates yet
    assert "unreachable" in result.output  # the node
    assert result.output.count("fix:") >= 3


def test_doctor_accepts_the_key_tls_files_and_database_it_is_given(tmp_path, monkeypatch):
    from relayer.signers import KeystoreSigner

    pki = issue_local_pki(tmp_path / "tls")
    path = example(tmp_path)
    data = yaml.safe_load(path.read_text())
    KeystoreSigner.create(tmp_path / "keys" / "custody.json", "pw", scrypt_n=2**10)
    monkeypatch.setenv("RAT_ATTESTOR_PASSPHRASE", "pw")
    data["tls"].update(cert=str(pki.servers["custody"].cert), key=str(pki.servers["custody"].key),
                       client_ca=str(pki.ca))
    data["rpc_url"] = "http://127.0.0.1:1"
    path.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(main, ["doctor", "--config", str(path)])
    assert "ok    custody key unlocked" in result.output
    assert "ok    TLS certificate" in result.output and "ok    database" in result.output
