"""Builds a browsable, offline HTML site of everything under docs/ for reviewers: one page per Markdown file,
links between .md files rewritten to .html, Mermaid blocks rendered in the browser by the `mermaid` npm package
copied next to the pages (no network needed to view). Uses markdown-it-py, already in the project venv.

    python tools/docs/build_site.py [--out build/docs-site]
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ratdocs  # noqa: E402
from markdown_it import MarkdownIt  # noqa: E402

STYLE = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#222}
nav{font-size:.9rem;margin-bottom:1rem} table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top} th{background:#f3f3f3}
code{background:#f5f5f5;padding:0 .2rem} pre{background:#f5f5f5;padding:.6rem;overflow:auto}
pre.mermaid{background:none} footer{margin-top:3rem;font-size:.8rem;color:#666}
"""


def render(md: MarkdownIt, text: str) -> str:
    def fence(self, tokens, idx, options, env):
        token = tokens[idx]
        if token.info.strip() == "mermaid":
            return f'<pre class="mermaid">{html.escape(token.content)}</pre>\n'
        return f"<pre><code>{html.escape(token.content)}</code></pre>\n"

    md.add_render_rule("fence", fence)
    body = md.render(text)
    # .md links → .html (relative links only), keeping anchors.
    return re.sub(r'href="(?![a-z][a-z0-9+.-]*:)([^"#]*?)\.md(#[^"]*)?"', r'href="\1.html\2"', body)


def heading_ids(body: str) -> str:
    seen: dict[str, int] = {}

    def add(m):
        level, inner = m.group(1), m.group(2)
        base = ratdocs.slug(re.sub(r"<[^>]+>", "", html.unescape(inner)))
        n = seen.get(base, 0)
        seen[base] = n + 1
        return f'<h{level} id="{base if n == 0 else f"{base}-{n}"}">{inner}</h{level}>'

    return re.sub(r"<h([1-6])>(.*?)</h\1>", add, body)


def build(out: Path) -> list[Path]:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    mermaid_js = ratdocs.ROOT / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
    if mermaid_js.exists():
        shutil.copy(mermaid_js, out / "mermaid.min.js")
    written = []
    files = ratdocs.doc_files()
    for src in files:
        relpath = src.relative_to(ratdocs.DOCS)
        dest = out / relpath.with_suffix(".html")
        dest.parent.mkdir(parents=True, exist_ok=True)
        depth = "../" * (len(relpath.parts) - 1)
        title = next((ln[2:] for ln in src.read_text(encoding="utf-8").splitlines() if ln.startswith("# ")), str(relpath))
        body = heading_ids(render(md, src.read_text(encoding="utf-8")))
        script = (
            f'<script src="{depth}mermaid.min.js"></script>'
            '<script>mermaid.initialize({startOnLoad:true,securityLevel:"strict"});</script>'
            if mermaid_js.exists()
            else "<!-- mermaid npm package not installed: diagrams shown as source -->"
        )
        dest.write_text(
            f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><nav><a href='{depth}README.html'>RAT documentation</a> · "
            f"{html.escape(str(relpath))}</nav>{body}<footer>Built from commit {ratdocs.git_head()} by "
            f"tools/docs/build_site.py</footer>{script}</body></html>",
            encoding="utf-8",
        )
        written.append(dest)
    (out / "index.html").write_text(
        "<!doctype html><meta http-equiv='refresh' content='0; url=README.html'><a href='README.html'>docs</a>",
        encoding="utf-8",
    )
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ratdocs.ROOT / "build" / "docs-site")
    args = parser.parse_args()
    pages = build(args.out)
    print(f"{len(pages)} pages → {args.out / 'index.html'}")


if __name__ == "__main__":
    main()
