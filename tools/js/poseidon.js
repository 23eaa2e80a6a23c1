// circomlibjs Poseidon over several input vectors.
// Usage: node poseidon.js '[["1","2"],["3"]]'  ->  prints a JSON array of decimal hashes.
const { buildPoseidon } = require("circomlibjs");

buildPoseidon().then((poseidon) => {
  const vectors = JSON.parse(process.argv[2]);
  const out = vectors.map((v) => poseidon.F.toObject(poseidon(v.map(BigInt))).toString());
  console.log(JSON.stringify(out));
  process.exit(0);
}, (e) => { console.error(e); process.exit(1); });
