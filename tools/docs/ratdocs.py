"""Readers shared by the documentation checks (tests/docs) and the site builder (tools/docs/build_site.py).

Everything here parses the repository as it is: Markdown under docs/, Mermaid blocks inside it, the compiled
contract manifest (.build/__local__.json), the relayer's migrations and the test tree. Nothing starts a chain.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
MANIFEST = ROOT / ".build" / "__local__.json"

FENCE = re.compile(r"^```mermaid[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)


# ------------------------------------------------------------------ markdown files and blocks


def doc_files() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if p.is_file())


def rel(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:  # a scratch file outside the repository (the checks' own self-tests)
        return str(path)


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # 1-based line of the first line inside the fence
    source: str

    @property
    def kind(self) -> str:
        for raw in self.source.splitlines():
            line = raw.strip()
            if line and not line.startswith("%%"):
                return line.split()[0]
        return ""

    def where(self, offset: int = 0) -> str:
        return f"{rel(self.path)}:{self.line + offset}"


def mermaid_blocks(paths: list[Path] | None = None) -> list[Block]:
    blocks = []
    for path in paths or doc_files():
        text = path.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            line = text.count("\n", 0, m.start(1)) + 1
            blocks.append(Block(path, line, m.group(1)))
    return blocks


def strip_code(text: str) -> str:
    """Text with fenced code blocks blanked (line count kept), so links in examples are not checked."""
    return re.sub(r"^```.*?^```", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S | re.M)


def tables(text: str) -> list[list[list[str]]]:
    """Every pipe table in `text` as rows of stripped cells, header row first, separator row dropped."""
    out, current = [], []
    for raw in strip_code(text).splitlines() + [""]:
        line = raw.strip()
        if line.startswith("|") and line.endswith("|") and len(line) > 1:
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line[1:-1])]
            if not all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
                current.append(cells)
        elif current:
            out.append(current)
            current = []
    return out


def table_with_header(text: str, first: str) -> list[list[list[str]]]:
    return [t for t in tables(text) if t and t[0] and t[0][0].lower() == first.lower()]


def backticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


# ------------------------------------------------------------------ headings and links


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*|_{2}", "", heading.strip().lower())
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[^\w\- ]", "", text, flags=re.UNICODE)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    for line in strip_code(path.read_text(encoding="utf-8")).splitlines():
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        base = slug(m.group(1))
        n = seen.get(base, 0)
        seen[base] = n + 1
        result.add(base if n == 0 else f"{base}-{n}")
    result.update(re.findall(r'<a\s+(?:name|id)="([^"]+)"', path.read_text(encoding="utf-8")))
    return result


LINK = re.compile(r"(?<!!)\[(?:[^\]]|\\\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def links(path: Path) -> list[tuple[int, str]]:
    text = strip_code(path.read_text(encoding="utf-8"))
    text = re.sub(r"`[^`\n]*`", "", text)  # inline code is not a link
    out = []
    for i, line in enumerate(text.splitlines(), 1):
        for m in LINK.finditer(line):
            out.append((i, m.group(1)))
    return out


def broken_links(path: Path) -> list[str]:
    problems = []
    for line, target in links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        dest = path if not file_part else (path.parent / file_part).resolve()
        if not dest.exists():
            problems.append(f"{rel(path)}:{line}: link to missing file {target}")
            continue
        if anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            problems.append(f"{rel(path)}:{line}: link to missing heading #{anchor} in {rel(dest)}")
    return problems


# ------------------------------------------------------------------ compiled contracts


@dataclass
class Abi:
    functions: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    errors: set[str] = field(default_factory=set)
    arity: dict[str, set[int]] = field(default_factory=dict)  # name → input counts (overloads)


@lru_cache(maxsize=1)
def compiled_abis() -> dict[str, Abi]:
    """Contract name → ABI names, from Ape's manifest, for contracts whose source is still in the tree."""
    if not MANIFEST.exists():
        raise FileNotFoundError(f"{rel(MANIFEST)} is missing: run `make compile` (or `ape compile`) first")
    manifest = json.loads(MANIFEST.read_text())
    out = {}
    for name, ct in manifest.get("contractTypes", {}).items():
        source = ct.get("sourceId") or ""
        if source and not (ROOT / source).exists():
            continue  # left in the manifest by a source that was deleted
        abi = Abi()
        for item in ct.get("abi", []):
            bucket = {"function": abi.functions, "event": abi.events, "error": abi.errors}.get(item["type"])
            if bucket is not None:
                bucket.add(item["name"])
                abi.arity.setdefault(item["name"], set()).add(len(item.get("inputs", [])))
        out[name] = abi
    return out


# ------------------------------------------------------------------ sequence diagrams

PARTICIPANT = re.compile(r"^\s*(?:participant|actor)\s+(\S+?)(?:\s+as\s+(.*))?\s*$")
MESSAGE = re.compile(r"^\s*([\w.]+)\s*(--?>>|--?>|--?x|--?\)|<<--?>>)\s*([+-]?)([\w.]+)\s*:\s*(.*)$")
NOTE_EMIT = re.compile(r"^\s*Note\s+(?:over|left of|right of)\s+([\w.]+)(?:\s*,\s*[\w.]+)?\s*:\s*(.*)$")
CALL = re.compile(r"^(?:\w+\s*=\s*)?([A-Za-z_]\w*)\s*\(")
EMIT = re.compile(r"\bemit\s+([A-Za-z_]\w*)\s*\(")


def arguments(text: str, open_paren: int) -> int | None:
    """Number of top-level arguments in the parenthesis opening at `open_paren`; None if it never closes."""
    depth, count, empty = 0, 1, True
    for ch in text[open_paren:]:
        if ch in "([{":
            depth += 1
            if depth == 1:
                continue
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return 0 if empty else count
        elif ch == "," and depth == 1:
            count += 1
        if depth >= 1 and not ch.isspace():
            empty = False
    return None


def arity_problem(kind: str, contract: str, name: str, text: str, open_paren: int, abi: Abi) -> str | None:
    n = arguments(text, open_paren)
    if n is None or n in abi.arity.get(name, {n}):
        return None
    want = " or ".join(str(a) for a in sorted(abi.arity[name]))
    return f"{contract}.{name}: {kind} shows {n} arguments, the ABI has {want}"
OFFCHAIN = re.compile(r"^\s*%%\s*off-chain\s*:\s*(.*)$", re.I)


@dataclass
class SequenceFinding:
    where: str
    problem: str


def sequence_problems(block: Block, abis: dict[str, Abi]) -> tuple[list[SequenceFinding], int]:
    """Checks one sequenceDiagram. Returns the problems and how many contract names were checked.

    Conventions (docs/architecture/sequences.md explains them to authors):
    - a participant whose id is a compiled contract is that contract;
    - every other participant is listed in a `%% off-chain: A, B` comment;
    - a message to a contract whose text starts `name(` calls function `name` of that contract;
    - `emit Name(` in a message from a contract, or in a `Note over Contract`, is event `Name` of that contract.
    """
    problems: list[SequenceFinding] = []
    offchain: set[str] = set()
    participants: dict[str, int] = {}
    checked = 0
    lines = block.source.splitlines()
    for i, raw in enumerate(lines):
        if m := OFFCHAIN.match(raw):
            offchain.update(x.strip() for x in m.group(1).split(",") if x.strip())
        elif m := PARTICIPANT.match(raw):
            participants.setdefault(m.group(1), i)
    for i, raw in enumerate(lines):
        if m := MESSAGE.match(raw):
            participants.setdefault(m.group(1), i)
            participants.setdefault(m.group(4), i)
        elif m := NOTE_EMIT.match(raw):
            participants.setdefault(m.group(1), i)
    for name, i in participants.items():
        if name not in abis and name not in offchain:
            problems.append(
                SequenceFinding(
                    block.where(i),
                    f"participant {name!r} is neither a compiled contract nor listed in `%% off-chain:`",
                )
            )
    for i, raw in enumerate(lines):
        if raw.strip().startswith("%%"):
            continue
        sender = target = text = None
        if m := MESSAGE.match(raw):
            sender, target, text = m.group(1), m.group(4), m.group(5).strip()
            if target in abis and (c := CALL.match(text)) and not text.startswith("emit "):
                checked += 1
                if c.group(1) not in abis[target].functions:
                    problems.append(
                        SequenceFinding(block.where(i), f"{target} has no function {c.group(1)!r} in its ABI")
                    )
                elif p := arity_problem("call", target, c.group(1), text, c.end() - 1, abis[target]):
                    problems.append(SequenceFinding(block.where(i), p))
        elif m := NOTE_EMIT.match(raw):
            sender, text = m.group(1), m.group(2)
        if text is None:
            continue
        for em in EMIT.finditer(text):
            event = em.group(1)
            if sender not in abis:
                problems.append(SequenceFinding(block.where(i), f"`emit {event}` from non-contract {sender!r}"))
                continue
            checked += 1
            if event not in abis[sender].events:
                problems.append(SequenceFinding(block.where(i), f"{sender} has no event {event!r} in its ABI"))
            elif p := arity_problem("event", sender, event, text, em.end() - 1, abis[sender]):
                problems.append(SequenceFinding(block.where(i), p))
    return problems, checked


# ------------------------------------------------------------------ C4 diagrams

C4_ELEMENT = re.compile(
    r"^\s*(Person(?:_Ext)?|System(?:Db|Queue)?(?:_Ext)?|Container(?:Db|Queue)?(?:_Ext)?|"
    r"Component(?:Db|Queue)?(?:_Ext)?)\s*\(\s*(\w+)\s*,"
)
C4_BOUNDARY = re.compile(r"^\s*(?:Enterprise_Boundary|System_Boundary|Container_Boundary|Boundary)\s*\(\s*(\w+)")


def c4_elements(block: Block) -> dict[str, tuple[str, int]]:
    """alias → (element kind, line offset) for every element of a C4 block (boundaries excluded)."""
    out = {}
    for i, raw in enumerate(block.source.splitlines()):
        if m := C4_ELEMENT.match(raw):
            out[m.group(2)] = (m.group(1), i)
    return out


# ------------------------------------------------------------------ tests named by the docs

TEST_ROOTS = ("tests", "infra/tests")


def test_files() -> list[Path]:
    """Test files under version control (a fresh clone, as CI sees it); falls back to the disk outside git."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "--", *TEST_ROOTS], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
        files = [ROOT / f for f in out if _is_test_file(Path(f))]
    except (OSError, subprocess.CalledProcessError):
        files = [p for root in TEST_ROOTS for p in (ROOT / root).rglob("*") if _is_test_file(p)]
    return sorted(p for p in files if p.exists() and "node_modules" not in p.parts)


def _is_test_file(path: Path) -> bool:
    """pytest files (`test_*.py`) and Forge test contracts (`*.t.sol`)."""
    return (path.name.startswith("test_") and path.suffix == ".py") or path.name.endswith(".t.sol")


@lru_cache(maxsize=None)
def test_functions(path: Path) -> frozenset[str]:
    """Names of test functions in a file: `test_x` and `Class::test_x` (sync or async); for a Forge file its
    `test*` and `invariant*` functions."""
    if path.name.endswith(".t.sol"):
        return frozenset(re.findall(r"function\s+((?:test|invariant)\w*)\s*\(", path.read_text(encoding="utf-8")))
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for sub in node.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)) and sub.name.startswith("test"):
                    names.add(f"{node.name}::{sub.name}")
    return frozenset(names)


TEST_REF = re.compile(r"^((?:tests|infra/tests)/[\w/]+\.py)::([\w:]+)$")


def test_ref_problem(ref: str) -> str | None:
    m = TEST_REF.match(ref)
    if not m:
        return f"{ref!r} is not of the form tests/<path>.py::test_name"
    path = ROOT / m.group(1)
    if not path.exists():
        return f"{ref}: no such test file"
    if m.group(2) not in test_functions(path):
        return f"{ref}: no test function {m.group(2)!r} in {m.group(1)}"
    return None


# ------------------------------------------------------------------ relayer schema


def migrated_sqlite_schema(module: str = "relayer.store.migrations") -> dict[str, dict[str, tuple[str, bool, bool]]]:
    """Applies the migrations of `module` (the relayer's, or `indexer.migrations`) to a fresh in-memory SQLite
    database and reads the result back: table → column → (declared type, nullable, primary key)."""
    import importlib
    import sys

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from sqlalchemy import create_engine, inspect

    migrate = importlib.import_module(module).migrate

    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        migrate(conn)
    insp = inspect(engine)
    out = {}
    for table in insp.get_table_names():
        pk = set(insp.get_pk_constraint(table).get("constrained_columns") or [])
        out[table] = {
            c["name"]: (str(c["type"]).upper(), bool(c["nullable"]), c["name"] in pk) for c in insp.get_columns(table)
        }
    engine.dispose()
    return out


def documented_schema(path: Path, heading: str = "table") -> dict[str, dict[str, tuple[str, bool, bool]]]:
    """Tables documented as a `#### table `name`` heading (`#### mirror table `name`` for the indexer's) followed
    by a | column | type | null | key | table."""
    text = path.read_text(encoding="utf-8")
    out = {}
    for m in re.finditer(rf"^#{{2,6}}\s+{heading}\s+`(\w+)`\s*$", text, re.M):
        rest = text[m.end() :]
        nxt = re.search(r"^#{1,6}\s", rest, re.M)
        section = rest[: nxt.start()] if nxt else rest
        cols = {}
        for t in table_with_header(section, "column"):
            for row in t[1:]:
                name = backticked(row[0])[0] if backticked(row[0]) else row[0]
                ctype = (backticked(row[1])[0] if backticked(row[1]) else row[1]).upper()
                nullable = row[2].strip().lower() in {"yes", "null", "y"}
                key = "pk" in row[3].lower()
                cols[name] = (ctype, nullable, key)
        out[m.group(1)] = cols
    return out


# ------------------------------------------------------------------ git


def git_head() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
