// Parses every Mermaid block given on stdin with Mermaid's own parser (npm `mermaid`, DOM from `jsdom`), in Node,
// without a browser. Input: JSON [{"where": "docs/x.md:12", "source": "sequenceDiagram ..."}]. Output: JSON
// [{"where", "ok", "type", "error"}]. Exit 0 when every block parses, 1 otherwise, 2 when mermaid/jsdom are absent.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(path.join(process.cwd(), 'package.json'));
let JSDOM, mermaidUrl;
try {
  ({ JSDOM } = require('jsdom'));
  mermaidUrl = 'file://' + require.resolve('mermaid');
} catch (e) {
  console.error('mermaid-check: npm packages `mermaid` and `jsdom` are not installed: ' + e.message);
  process.exit(2);
}
const dom = new JSDOM('<!doctype html><html><body></body></html>', { pretendToBeVisual: true });
globalThis.window = dom.window;
globalThis.document = dom.window.document;
for (const k of ['navigator', 'Element', 'HTMLElement', 'SVGElement', 'DOMParser', 'MutationObserver', 'getComputedStyle']) {
  if (!(k in globalThis)) { try { globalThis[k] = dom.window[k]; } catch { /* read-only in this Node */ } }
}
const { default: mermaid } = await import(mermaidUrl);
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });

const blocks = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const b of blocks) {
  try {
    const r = await mermaid.parse(b.source);
    results.push({ where: b.where, ok: true, type: r.diagramType });
  } catch (e) {
    results.push({ where: b.where, ok: false, error: String(e && e.message ? e.message : e).split('\n').slice(0, 4).join(' | ') });
  }
}
process.stdout.write(JSON.stringify(results));
process.exit(results.every((r) => r.ok) ? 0 : 1);
