"""Keeps the documentation's versions and quoted figures true after a change or a merge, mechanically.

    python tools/docs/bump.py                      # refresh figures from bench/results, patch-bump changed docs
    python tools/docs/bump.py --level minor -m "why"
    python tools/docs/bump.py --check              # exit 1 and list what is stale; change nothing

What it does, in order:
1. rewrites every `<!-- bench:… -->` / `<!-- default:… -->` figure from its source (tools/docs/truth.py);
2. for every versioned document (docs/**/*.md, infra/README.md) whose content hash differs from
   docs/versions.json: bumps its version (patch unless --level says otherwise, semantic versioning: patch = a
   correction, minor = new content, major = a reversed decision or removed commitment), sets today's date, and
   appends a line to docs/CHANGELOG.md; a document not yet in the manifest is recorded at its current version;
3. rewrites docs/versions.json.
After it, `pytest -q tests/docs` passes unless a figure's source or a status-register check is missing (those need
a person: see docs/README.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ratdocs  # noqa: E402
import truth  # noqa: E402

LEVELS = ("patch", "minor", "major")


def bumped(version: str, level: str) -> str:
    major, minor, patch = (int(x) for x in version.split("."))
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def set_version(path: Path, version: str, date: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    head = "".join(lines[: truth.HEAD_LINES])
    head = truth.VERSION.sub(f"Version {version} · {date}", head, count=1)
    path.write_text(head + "".join(lines[truth.HEAD_LINES:]), encoding="utf-8")


def append_changelog(date: str, lines: list[str]) -> None:
    if not lines:
        return
    text = truth.CHANGELOG.read_text(encoding="utf-8") if truth.CHANGELOG.exists() else "# Documentation changelog\n"
    marker = "\n## Entries\n"
    if marker not in text:
        text = text.rstrip("\n") + "\n" + marker
    head, _, rest = text.partition(marker)
    entries = "".join(f"{line}\n" for line in lines)
    heading = f"\n### {date}\n"
    if rest.startswith(heading):  # same day as the newest section: add to it
        rest = heading + entries + rest[len(heading):]
    else:
        rest = heading + entries + rest
    truth.CHANGELOG.write_text(head + marker + rest, encoding="utf-8")


def run(level: str, message: str, date: str, levels: dict[str, str], only: set[str] | None = None) -> list[str]:
    changed_figures = truth.refresh_figures()
    recorded = truth.manifest()
    log = []
    for path in truth.versioned_files():
        key = ratdocs.rel(path)
        if only and key not in only:
            continue
        version, _ = truth.version_of(path)
        entry = recorded.get(key)
        if entry is None:
            log.append(f"- `{key}` recorded at → {version}: {message or 'added'}")
        elif entry["sha256"] != truth.content_hash(path):
            new = bumped(max(version, entry["version"], key=lambda v: tuple(map(int, v.split(".")))),
                         levels.get(key, level))
            set_version(path, new, date)
            version = new
            why = message or ("figures refreshed from bench/results" if path in changed_figures else "content changed")
            log.append(f"- `{key}` {entry['version']} → {new}: {why}")
        recorded[key] = {"version": version, "sha256": truth.content_hash(path)}
    for key in [k for k in recorded if not (ratdocs.ROOT / k).exists() and not only]:
        log.append(f"- `{key}` removed (was {recorded.pop(key)['version']})")
    append_changelog(date, log)
    truth.MANIFEST.write_text(json.dumps(dict(sorted(recorded.items())), indent=2) + "\n", encoding="utf-8")
    return log


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--level", choices=LEVELS, default="patch", help="bump for changed documents (default patch)")
    parser.add_argument("--set", action="append", default=[], metavar="PATH=LEVEL",
                        help="another level for one document, e.g. docs/regulator/README.md=major")
    parser.add_argument("-m", "--message", default="", help="changelog text for every bumped document")
    parser.add_argument("--date", default=dt.date.today().isoformat(), help="date written (default today)")
    parser.add_argument("--only", action="append", default=[], metavar="PATH",
                        help="bump only these documents (repeatable), e.g. to give each its own --message")
    parser.add_argument("--check", action="store_true", help="report stale figures and versions; change nothing")
    args = parser.parse_args()
    if args.check:
        problems = truth.figure_problems() + truth.version_problems()
        print("\n".join(problems) or "figures and versions are current")
        sys.exit(1 if problems else 0)
    levels = {}
    for item in args.set:
        key, _, lvl = item.partition("=")
        if lvl not in LEVELS:
            parser.error(f"--set {item}: level must be one of {', '.join(LEVELS)}")
        levels[key] = lvl
    log = run(args.level, args.message, args.date, levels, set(args.only) or None)
    print("\n".join(log) or "nothing changed")


if __name__ == "__main__":
    main()
