#!/usr/bin/env node
// A native-solc look-alike over solc-js, for machines that cannot download a compiler binary.
// ape-solidity (through py-solc-x) and forge only ever call `--version` and `--standard-json`.
'use strict';
const path = require('path');
const solc = require(path.join(__dirname, '..', 'node_modules', 'solc'));

const args = process.argv.slice(2);
if (args.includes('--version')) {
  const v = solc.version().replace('.Emscripten.clang', '');
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${v}.Linux.g++\n`);
  process.exit(0);
}
if (!args.includes('--standard-json')) {
  process.stderr.write('solc-shim: only --version and --standard-json are supported\n');
  process.exit(2);
}
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const basePaths = [process.cwd()];
  for (let i = 0; i < args.length; i++) {
    if ((args[i] === '--base-path' || args[i] === '--include-path' || args[i] === '--allow-paths') && args[i + 1]) {
      basePaths.push(...args[i + 1].split(','));
    }
  }
  const fs = require('fs');
  const findImports = (p) => {
    for (const base of basePaths) {
      const full = path.isAbsolute(p) ? p : path.join(base, p);
      if (fs.existsSync(full)) return { contents: fs.readFileSync(full, 'utf8') };
    }
    return { error: `File not found: ${p}` };
  };
  // Forge asks for the artifacts of every source it sees, OpenZeppelin's included; solc-js (32-bit WebAssembly) runs
  // out of memory on all of them at once. Forge's callers (Makefile, mutation runner) set this: dependencies are still
  // compiled into the project's contracts and tests that use them, they only get no artifacts of their own.
  if (process.env.RAT_SOLC_PROJECT_OUTPUTS_ONLY === '1' && input.settings && input.settings.outputSelection) {
    for (const source of Object.keys(input.settings.outputSelection)) {
      if (source.startsWith('node_modules/')) delete input.settings.outputSelection[source];
    }
  }
  // solc-js copies the whole standard-JSON input onto the WebAssembly stack (emscripten's ccall reserves 4 bytes per
  // character of a 5 MB stack), so an input over about 1.2 MB crashes with "memory access out of bounds". Sources whose
  // text is the file on disk are therefore passed by name (`urls`) and read through the import callback into the heap.
  for (const [name, source] of Object.entries(input.sources || {})) {
    if (typeof source.content !== 'string') continue;
    const onDisk = findImports(name);
    if (onDisk.contents === source.content) input.sources[name] = { urls: [name] };
  }
  process.stdout.write(solc.compile(JSON.stringify(input), { import: findImports }));
});
