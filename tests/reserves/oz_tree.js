// Runs OpenZeppelin's StandardMerkleTree (npm @openzeppelin/merkle-tree) for the cross-implementation tests.
// Usage: node oz_tree.js request.json  ->  JSON result on stdout. Requests:
//   {"op":"of","values":[[...]],"encoding":[...],"multi":[valueIndex...]}
//   {"op":"load","dump":"<standard-v1 JSON text>","checks":[{"value":[...],"proof":[...]}],
//    "multi":{"leaves":[[...]],"proof":[...],"proofFlags":[...]}}
'use strict';
const fs = require('fs');
const { StandardMerkleTree } = require('@openzeppelin/merkle-tree');

const request = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
let out;
if (request.op === 'of') {
  const tree = StandardMerkleTree.of(request.values, request.encoding);
  out = {
    root: tree.root,
    dump: JSON.stringify(tree.dump()),
    proofs: request.values.map((_, i) => tree.getProof(i)),
    multi: request.multi ? tree.getMultiProof(request.multi) : null,
  };
} else if (request.op === 'load') {
  let tree;
  try {
    tree = StandardMerkleTree.load(JSON.parse(request.dump));
  } catch (e) {
    out = { error: String(e.message || e) };
  }
  if (tree) {
    out = {
      root: tree.root,
      redump: JSON.stringify(tree.dump()),
      proofs: Array.from({ length: tree.length }, (_, i) => tree.getProof(i)),
      verified: (request.checks || []).map(c => StandardMerkleTree.verify(tree.root, tree.leafEncoding, c.value, c.proof)),
      multiVerified: request.multi ? StandardMerkleTree.verifyMultiProof(tree.root, tree.leafEncoding, request.multi) : null,
    };
  }
} else {
  throw new Error(`unknown op ${request.op}`);
}
process.stdout.write(JSON.stringify(out));
