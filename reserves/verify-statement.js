#!/usr/bin/env node
// Checks a RAT reserve statement with Node and OpenZeppelin's StandardMerkleTree alone (npm
// @openzeppelin/merkle-tree, which brings ethereum-cryptography for keccak256): no code of ours is trusted.
//
//   npm install @openzeppelin/merkle-tree@1.0.8
//   node --max-old-space-size=8192 verify-statement.js statement.json
//
// It does the offline steps of docs/reserves/methodology.md: the file's keccak256 (compare it with the
// RoundPublished event's statementHash), OpenZeppelin's load (every leaf and node), the checks load does NOT make
// (distinct tree indices, one value per leaf, the fixed lot encoding and field labels, distinct lot and request
// ids), and the per-asset sums of heldUnits and lot counts against the statement's totals. It prints a JSON
// report whose root, statementHash and per-asset heldUnits you compare with the event's merkleRoot,
// statementHash and shares. Exit codes as `rat-reserves verify`: 0 every check holds, 3 unreadable file,
// 4 tampered tree, 5 totals differ from the leaves.
'use strict';
const fs = require('fs');
const { StandardMerkleTree } = require('@openzeppelin/merkle-tree');
const { keccak256 } = require('ethereum-cryptography/keccak');
const { bytesToHex } = require('ethereum-cryptography/utils');

const LEAF_ENCODING = ['string', 'bytes32', 'bytes32', 'string', 'uint256', 'uint256', 'uint32', 'bytes32'];
const LEAF_FIELDS = ['lotId', 'requestId', 'brokerOrderRef', 'isin', 'mintedUnits', 'heldUnits', 'settlementDate',
  'accountHash'];
const [LOT_ID, REQUEST_ID, ISIN, HELD] = [0, 1, 3, 5];
const EXIT = { OK: 0, UNREADABLE: 3, TAMPERED: 4, TOTALS: 5 };

function finish(code, report) {
  process.stdout.write(JSON.stringify({ ok: code === EXIT.OK, exitCode: code, ...report }, null, 2) + '\n');
  process.exit(code);
}

const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: node verify-statement.js statement.json\n');
  process.exit(2);
}
let raw, statement;
try {
  raw = fs.readFileSync(path);
  statement = JSON.parse(raw.toString('utf8'));
} catch (e) {
  finish(EXIT.UNREADABLE, { problems: [`cannot read ${path} as JSON (missing, empty or truncated): ${e.message}`] });
}
const dump = statement && statement.merkleTree;
if (!dump || !Array.isArray(dump.tree) || !Array.isArray(dump.values) || !Array.isArray(statement.assets)) {
  finish(EXIT.UNREADABLE, { problems: ['not a rat-reserve-statement-v1 document with a merkleTree dump'] });
}
const statementHash = '0x' + bytesToHex(keccak256(raw));

// 1. OpenZeppelin's own validation: every value hashes to the leaf at its treeIndex, every node to its children.
let tree;
try {
  tree = StandardMerkleTree.load(dump);
} catch (e) {
  finish(EXIT.TAMPERED, { statementHash, problems: [`StandardMerkleTree.load refused the dump: ${e.message}`] });
}
// 2. What load does not check. Without these, a value listed twice under the same treeIndex passes load and is
// summed twice (with totals inflated to match).
const tampered = [];
if (tree.root !== statement.root) tampered.push(`root ${statement.root} is not the tree's root ${tree.root}`);
if (JSON.stringify(dump.leafEncoding) !== JSON.stringify(LEAF_ENCODING)) {
  tampered.push(`leafEncoding is not ${JSON.stringify(LEAF_ENCODING)}`);
}
if (JSON.stringify(statement.leafFields) !== JSON.stringify(LEAF_FIELDS)) {
  tampered.push(`leafFields are not ${JSON.stringify(LEAF_FIELDS)}`);
}
const leaves = (dump.tree.length + 1) / 2;
if (dump.values.length !== leaves) {
  tampered.push(`${dump.values.length} values for a tree of ${dump.tree.length} nodes (${leaves} leaves)`);
}
const seen = new Set();
for (const [i, { treeIndex }] of dump.values.entries()) {
  if (!Number.isInteger(treeIndex) || treeIndex < leaves - 1 || treeIndex >= dump.tree.length) {
    tampered.push(`value ${i}: treeIndex ${treeIndex} is not a leaf`);
  } else if (seen.has(treeIndex)) {
    tampered.push(`value ${i}: treeIndex ${treeIndex} is used by an earlier value`);
  }
  seen.add(treeIndex);
}
if (tampered.length) finish(EXIT.TAMPERED, { statementHash, root: tree.root, problems: tampered.slice(0, 20) });

// 3. Sums: every lot once, heldUnits per ISIN, against the statement's totals.
const totals = [];
const lotIds = new Set();
const requestIds = new Set();
const sums = new Map();
const counts = new Map();
for (const { value } of dump.values) {
  if (lotIds.has(value[LOT_ID])) totals.push(`lot ${value[LOT_ID]} appears twice`);
  if (requestIds.has(value[REQUEST_ID])) totals.push(`request ${value[REQUEST_ID]} has two lots`);
  lotIds.add(value[LOT_ID]);
  requestIds.add(value[REQUEST_ID]);
  sums.set(value[ISIN], (sums.get(value[ISIN]) || 0n) + BigInt(value[HELD]));
  counts.set(value[ISIN], (counts.get(value[ISIN]) || 0) + 1);
}
const assets = [];
for (const a of statement.assets) {
  const sum = sums.get(a.isin) || 0n;
  const lots = counts.get(a.isin) || 0;
  if (BigInt(a.heldUnits) !== sum) totals.push(`${a.isin}: statement says ${a.heldUnits} units, leaves sum to ${sum}`);
  if (a.lots !== lots) totals.push(`${a.isin}: statement says ${a.lots} lots, the tree has ${lots}`);
  assets.push({ isin: a.isin, token: a.token, heldUnits: sum.toString(), lots });
}
for (const isin of sums.keys()) {
  if (!statement.assets.some(a => a.isin === isin)) totals.push(`leaves hold ${isin}, which has no total`);
}
finish(totals.length ? EXIT.TOTALS : EXIT.OK, {
  statementHash, root: tree.root, asOfUnix: statement.asOfUnix, assets, problems: totals.slice(0, 20),
});
