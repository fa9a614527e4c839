"""Checks that keep the documentation's prose true, not only its names (tests/docs/test_truth.py runs them;
`python tools/docs/bump.py` repairs what can be repaired mechanically).

1. **Quoted figures.** A number in docs/ that comes from a benchmark or a code default is written after a marker:
   `<!-- bench:gas.json:minting.fulfillMint_2_attestations -->161,376` (a dotted path into
   `bench/results/<file>`), or `<!-- default:relayer.config:RateLimitConfig.per_ip -->300` (a pydantic field's
   default). The check fails when the number after the marker differs from the source; `bump.py` rewrites them.
2. **Statements that something is missing.** "not built", "planned", "to be added", "no … yet" and the like are
   true only until someone builds the thing. Each such paragraph carries `<!-- status:ID -->`, and `ID` is a row
   of the one register, docs/status.md, whose `check` column says how to tell that it is still missing
   (`missing:PATH-GLOB`, `absent:FILE:REGEX`, or `present:FILE:REGEX` for a stop-gap that must still be there). The check fails when a paragraph says so without a marker, when a
   marker names no row, or when the thing a row says is missing exists.
3. **Versions.** Every versioned document (`Version X.Y.Z · YYYY-MM-DD` in its first lines) is listed in
   docs/versions.json with the SHA-256 of its content (version line excluded). The check fails when the content
   changed and the version did not, or when docs/CHANGELOG.md has no entry for a document's current version.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ratdocs  # noqa: E402

ROOT, DOCS = ratdocs.ROOT, ratdocs.DOCS
BENCH = ROOT / "bench" / "results"
REGISTER = DOCS / "status.md"
MANIFEST = DOCS / "versions.json"
CHANGELOG = DOCS / "CHANGELOG.md"

# ------------------------------------------------------------------ 1. quoted figures

FIGURE = re.compile(r"<!--\s*(bench|default):(\S+?)\s*-->(\s*)(-?\d+(?:,\d{3})*(?:\.\d+)?|true|false)")


@dataclass(frozen=True)
class Figure:
    path: Path
    line: int
    kind: str
    ref: str
    quoted: str
    start: int  # offsets of the quoted value in the file
    end: int


def figures(paths: list[Path] | None = None) -> list[Figure]:
    out = []
    for path in paths or prose_files():
        text = path.read_text(encoding="utf-8")
        for m in FIGURE.finditer(text):
            out.append(Figure(path, text.count("\n", 0, m.start()) + 1, m.group(1), m.group(2), m.group(4),
                              m.start(4), m.end(4)))
    return out


def render(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{int(value):,}" if value.is_integer() else f"{round(value, 3)}"
    raise TypeError(f"{value!r} is not a number")


def source_value(kind: str, ref: str) -> str:
    """The current value of a marker's source, rendered as the docs quote it. Raises LookupError when the
    source does not exist (a renamed benchmark key or config field is drift too)."""
    if kind == "bench":
        file, _, dotted = ref.partition(":")
        data_path = BENCH / file
        if not data_path.exists():
            raise LookupError(f"bench/results/{file} does not exist")
        value = json.loads(data_path.read_text())
        for key in dotted.split("."):
            if isinstance(value, list) and key.isdigit() and int(key) < len(value):
                value = value[int(key)]
            elif isinstance(value, dict) and key in value:
                value = value[key]
            else:
                raise LookupError(f"bench/results/{file} has no {dotted!r} (stops at {key!r})")
        return render(value)
    module, _, dotted = ref.partition(":")
    cls_name, _, field = dotted.partition(".")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    cls = getattr(importlib.import_module(module), cls_name, None)
    fields = getattr(cls, "model_fields", {})
    if field not in fields:
        raise LookupError(f"{module}.{cls_name} has no field {field!r}")
    return render(fields[field].default)


def figure_problems(paths: list[Path] | None = None) -> list[str]:
    problems = []
    for f in figures(paths):
        try:
            want = source_value(f.kind, f.ref)
        except LookupError as exc:
            problems.append(f"{ratdocs.rel(f.path)}:{f.line}: {exc}")
            continue
        if f.quoted != want:
            problems.append(f"{ratdocs.rel(f.path)}:{f.line}: quotes {f.quoted} for {f.kind}:{f.ref}, the source "
                            f"says {want} (run `python tools/docs/bump.py`)")
    return problems


def bench_values() -> dict[str, list[str]]:
    """Every integer of at least 10,000 in bench/results/*.json, as the docs would write it → where it is."""
    out: dict[str, list[str]] = {}

    def walk(name: str, value, path: list[str]) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(name, v, [*path, k])
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(name, v, [*path, str(i)])
        elif isinstance(value, int) and not isinstance(value, bool) and value >= 10_000 and value % 1000:
            out.setdefault(f"{value:,}", []).append(f"{name}:{'.'.join(path)}")

    for path in sorted(BENCH.glob("*.json")):
        walk(path.name, json.loads(path.read_text()), [])
    return out


def unmarked_figure_problems(paths: list[Path] | None = None) -> list[str]:
    """A number that equals a current benchmark figure but has no marker would go stale unnoticed when the bench
    is re-run. Quote it with `<!-- bench:… -->`, or, for a figure that is history ("went from A to B"), with
    `<!-- historical -->` in front of it. Round thousands are ignored (too likely to be coincidences)."""
    known, problems = bench_values(), []
    for path in paths or prose_files():
        text = ratdocs.strip_code(path.read_text(encoding="utf-8"))
        for m in re.finditer(r"(?<![\d,.])(\d{1,3}(?:,\d{3})+)(?![\d,]|\.\d)", text):
            if m.group(1) in known and not re.search(r"-->\s*$", text[max(0, m.start() - 40) : m.start()]):
                line = text.count("\n", 0, m.start()) + 1
                problems.append(f"{ratdocs.rel(path)}:{line}: {m.group(1)} is {known[m.group(1)][0]} but has no "
                                "<!-- bench:… --> marker (or <!-- historical --> if it is history)")
    return problems


def refresh_figures(paths: list[Path] | None = None) -> list[Path]:
    """Rewrites every quoted figure from its source; returns the files changed."""
    changed = []
    for path in paths or prose_files():
        text = path.read_text(encoding="utf-8")
        new = FIGURE.sub(lambda m: m.group(0)[: m.start(4) - m.start(0)] + source_value(m.group(1), m.group(2)), text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


# ------------------------------------------------------------------ 2. statements that something is missing

ABSENCE = re.compile(
    r"\bnot built\b|\bplanned\b|\bto be added\b|\bnot in this repository\b|\bnot scripted\b|\bnot implemented\b"
    r"|\bno [\w/.`-]+(?: [\w/.`-]+){0,5} yet\b|\bnot (?:[\w`-]+ ){1,4}yet\b|\bdoes not exist yet\b"
    r"|\bnot yet (?:built|implemented|scripted|wired|written|tested|available|supported|commissioned)\b",
    re.I,
)
STATUS = re.compile(r"<!--\s*status:([\w-]+)\s*-->")


def prose_files() -> list[Path]:
    files = [p for p in ratdocs.doc_files() if p != REGISTER and p != CHANGELOG]
    return files + [ROOT / "infra" / "README.md"]


def paragraphs(path: Path) -> list[tuple[int, str]]:
    """(first line, text) of every paragraph, list item and table row outside code blocks."""
    out, current, start = [], [], 0
    for i, raw in enumerate(ratdocs.strip_code(path.read_text(encoding="utf-8")).splitlines() + [""], 1):
        line = raw.strip()
        new_item = line.startswith(("|", "- ", "* ", "#")) or re.match(r"^\d+\. ", line)
        if not line or new_item:
            if current:
                out.append((start, " ".join(current)))
            current, start = ([line], i) if line else ([], 0)
            continue
        if not current:
            start = i
        current.append(line)
    return out


@dataclass(frozen=True)
class StatusRow:
    id: str
    statement: str
    check: str


def register() -> dict[str, StatusRow]:
    rows = {}
    for t in ratdocs.table_with_header(REGISTER.read_text(encoding="utf-8"), "id"):
        for row in t[1:]:
            ident = (ratdocs.backticked(row[0]) or [row[0]])[0]
            rows[ident] = StatusRow(ident, row[1], (ratdocs.backticked(row[-1]) or [row[-1]])[0])
    return rows


def check_holds(check: str) -> str | None:
    """None when the thing a register row says is missing is still missing; else why not."""
    kind, _, rest = check.partition(":")
    if kind == "missing":
        hits = sorted(ROOT.glob(rest))
        return f"{rest} exists ({ratdocs.rel(hits[0])})" if hits else None
    if kind in ("absent", "present"):
        file, _, pattern = rest.partition(":")
        path = ROOT / file
        if not path.exists():
            return f"{file} (named by the check) does not exist"
        m = re.search(pattern, path.read_text(encoding="utf-8"))
        if kind == "absent":
            return f"{file} now matches {pattern!r}: {m.group(0)!r}" if m else None
        return None if m else f"{file} no longer matches {pattern!r} (the stop-gap it names is gone)"
    return f"unknown check {check!r} (use missing:PATH, absent:PATH:REGEX or present:PATH:REGEX)"


def status_problems(paths: list[Path] | None = None, rows: dict[str, StatusRow] | None = None) -> list[str]:
    rows = register() if rows is None else rows
    problems, used = [], set()
    for path in paths or prose_files():
        for line, text in paragraphs(path):
            markers = STATUS.findall(re.sub(r"`[^`]*`", "", text))  # a marker shown as code is an example
            used.update(markers)
            for ident in markers:
                if ident not in rows:
                    problems.append(f"{ratdocs.rel(path)}:{line}: status:{ident} is not a row of docs/status.md")
            m = ABSENCE.search(re.sub(r"`[^`]*`", "", text))
            if m and not markers:
                problems.append(f"{ratdocs.rel(path)}:{line}: says {m.group(0)!r} without a <!-- status:ID --> "
                                "marker (add a row to docs/status.md, or delete the sentence if it is built)")
    if paths is None:
        for ident, row in rows.items():
            if why := check_holds(row.check):
                problems.append(f"docs/status.md {ident}: listed as missing but {why}: update the docs marked "
                                f"status:{ident} and drop the row")
            if ident not in used:
                problems.append(f"docs/status.md {ident}: no document is marked status:{ident}; drop the row")
    return problems


# ------------------------------------------------------------------ 3. versions

VERSION = re.compile(r"Version\s+(\d+)\.(\d+)\.(\d+)\s*·\s*(\d{4}-\d{2}-\d{2})")
HEAD_LINES = 6


def versioned_files() -> list[Path]:
    return [p for p in prose_files() if p.exists() and version_of(p) is not None]


def version_of(path: Path) -> tuple[str, str] | None:
    head = "\n".join(path.read_text(encoding="utf-8").splitlines()[:HEAD_LINES])
    m = VERSION.search(head)
    return (f"{m.group(1)}.{m.group(2)}.{m.group(3)}", m.group(4)) if m else None


def content_hash(path: Path) -> str:
    """SHA-256 of the file with its version and date blanked, so a bump alone does not change it."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    head = VERSION.sub("Version", "".join(lines[:HEAD_LINES]), count=1)
    return hashlib.sha256((head + "".join(lines[HEAD_LINES:])).encode("utf-8")).hexdigest()


def manifest() -> dict[str, dict[str, str]]:
    return json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}


def changelog_entries() -> set[tuple[str, str]]:
    """(path, version) of every changelog line `- \\`path\\` … → X.Y.Z`."""
    if not CHANGELOG.exists():
        return set()
    return set(re.findall(r"^- `([^`]+)` .*?→ (\d+\.\d+\.\d+)", CHANGELOG.read_text(encoding="utf-8"), re.M))


def version_problems() -> list[str]:
    recorded, logged, problems = manifest(), changelog_entries(), []
    for path in versioned_files():
        key = ratdocs.rel(path)
        version, _ = version_of(path)
        entry = recorded.get(key)
        if entry is None:
            problems.append(f"{key}: not in docs/versions.json (run `python tools/docs/bump.py`)")
        elif entry["sha256"] != content_hash(path):
            problems.append(f"{key}: content changed since version {entry['version']} "
                            "(run `python tools/docs/bump.py` to bump it and write the changelog entry)")
        elif entry["version"] != version:
            problems.append(f"{key}: says {version}, docs/versions.json says {entry['version']}")
        if (key, version) not in logged:
            problems.append(f"{key}: docs/CHANGELOG.md has no entry for version {version}")
    for key in recorded:
        if not (ROOT / key).exists():
            problems.append(f"docs/versions.json lists {key}, which no longer exists (run `python tools/docs/bump.py`)")
    return problems
