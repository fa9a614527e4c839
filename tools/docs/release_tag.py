"""Checks a release tag name before it is pushed (the playbook's "Release tags"): semantic version, a known
prefix, and the version it names is the one the repository declares at this commit.

    python tools/docs/release_tag.py v0.1.0                 # code: pyproject.toml [project] version
    python tools/docs/release_tag.py regulator-pack-v2.0.0  # docs/regulator/README.md version
    python tools/docs/release_tag.py contracts-v1.0.0       # contract release: a CHANGELOG line must name it

Exit 0 and print the `git tag -a` command when the tag is right; exit 1 with the reason otherwise.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ratdocs  # noqa: E402
import truth  # noqa: E402

SEMVER = r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?"
TAG = re.compile(rf"^(?P<prefix>v|regulator-pack-v|contracts-v)(?P<version>{SEMVER})$")


class TagError(ValueError):
    pass


def declared_version(prefix: str) -> str | None:
    if prefix == "v":
        return tomllib.loads((ratdocs.ROOT / "pyproject.toml").read_text())["project"]["version"]
    if prefix == "regulator-pack-v":
        found = truth.version_of(ratdocs.DOCS / "regulator" / "README.md")
        return found[0] if found else None
    return None  # contracts-v: named in the changelog instead


def check(tag: str) -> str:
    """Returns the tag's version when the tag is right; raises TagError saying why not."""
    m = TAG.match(tag)
    if not m:
        raise TagError(f"{tag!r} is not <prefix><semver> with prefix v, regulator-pack-v or contracts-v "
                       "(e.g. v0.2.0, regulator-pack-v2.0.0)")
    prefix, version = m.group("prefix"), m.group("version")
    declared = declared_version(prefix)
    if prefix == "contracts-v":
        text = truth.CHANGELOG.read_text(encoding="utf-8") if truth.CHANGELOG.exists() else ""
        if tag not in text:
            raise TagError(f"docs/CHANGELOG.md does not name {tag}: describe the contract release there first")
    elif declared != version:
        where = "pyproject.toml" if prefix == "v" else "docs/regulator/README.md"
        raise TagError(f"{tag} names {version}, but {where} declares {declared}")
    return version


def main() -> None:
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if len(sys.argv) == 2 else 2)
    try:
        check(sys.argv[1])
    except TagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    print(f"git tag -a {sys.argv[1]} -m '{sys.argv[1]}' && git push origin {sys.argv[1]}")


if __name__ == "__main__":
    main()
