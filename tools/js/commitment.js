// Independent implementation of the zkbio commitment (docs/PROTOCOL.md, "Commitments") on top of
// circomlibjs's Poseidon. Usage: node commitment.js <kind> <hex bytes> <salt decimal>
// Prints the commitment in decimal.
const { buildPoseidon } = require("circomlibjs");

async function main() {
  const [kind, hex, salt] = process.argv.slice(2);
  const poseidon = await buildPoseidon();
  const F = poseidon.F;
  const h = (xs) => F.toObject(poseidon(xs));
  const bytes = Buffer.from(hex, "hex");
  const tag = (BigInt(kind) << 96n) + (1n << 64n) + BigInt(bytes.length);
  const elems = [];
  for (let i = 0; i < bytes.length; i += 31) {
    let e = 0n;
    const chunk = bytes.subarray(i, Math.min(i + 31, bytes.length));
    for (let k = chunk.length - 1; k >= 0; k--) e = e * 256n + BigInt(chunk[k]);
    elems.push(e);
  }
  let acc = h([tag, BigInt(salt)]);
  for (let i = 0; i < elems.length; i += 11) {
    const group = elems.slice(i, i + 11);
    while (group.length < 11) group.push(0n);
    acc = h([acc, ...group]);
  }
  console.log(acc.toString());
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
