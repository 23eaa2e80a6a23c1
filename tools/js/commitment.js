// Independent implementation of the zkbio commitment, construction v2 (docs/PROTOCOL.md,
// "Commitments"), on top of circomlibjs's Poseidon.
// Usage: node commitment.js <kind> <geometry> <data> <salt decimal>
//   geometry: dimensions separated by commas, outermost first ("128,512"), or "-" for none;
//   data: the bytes in hex, "@path" for a file holding them in hex (too long for argv), or
//   "int8:q0,q1,..." for int8 values, committed to as the bytes q + 128 (offset binary).
// Prints the commitment in decimal.
const fs = require("fs");
const { buildPoseidon } = require("circomlibjs");

const VERSION = 2n;

function parseGeometry(text) {
  const dims = text === "-" ? [] : text.split(",").map((d) => BigInt(d));
  if (dims.length > 4) throw new Error(`rank ${dims.length} > 4`);
  for (const d of dims) {
    if (d < 1n || d >= 1n << 32n) throw new Error(`dimension ${d} out of [1, 2^32)`);
  }
  while (dims.length < 4) dims.push(0n);
  return dims;
}

function tag(kind, dims, len) {
  if (kind >= 1n << 16n) throw new Error("kind >= 2^16");
  const [d0, d1, d2, d3] = dims;
  return (
    (kind << 208n) +
    (VERSION << 192n) +
    (len << 128n) +
    (d0 << 96n) +
    (d1 << 64n) +
    (d2 << 32n) +
    d3
  );
}

function parseData(data) {
  if (data.startsWith("int8:")) {
    const values = data === "int8:" ? [] : data.slice(5).split(",").map(Number);
    for (const q of values) {
      if (!Number.isInteger(q) || q < -128 || q > 127) throw new Error(`not an int8: ${q}`);
    }
    return Buffer.from(values.map((q) => q + 128));
  }
  const hex = data.startsWith("@") ? fs.readFileSync(data.slice(1), "utf8").trim() : data;
  return Buffer.from(hex, "hex");
}

async function main() {
  const [kind, geometry, data, salt] = process.argv.slice(2);
  const poseidon = await buildPoseidon();
  const F = poseidon.F;
  const h = (xs) => F.toObject(poseidon(xs));
  const bytes = parseData(data);
  const t = tag(BigInt(kind), parseGeometry(geometry), BigInt(bytes.length));
  const elems = [];
  for (let i = 0; i < bytes.length; i += 31) {
    let e = 0n;
    const chunk = bytes.subarray(i, Math.min(i + 31, bytes.length));
    for (let k = chunk.length - 1; k >= 0; k--) e = e * 256n + BigInt(chunk[k]);
    elems.push(e);
  }
  let acc = h([t, BigInt(salt)]);
  for (let i = 0; i < elems.length; i += 11) {
    const group = elems.slice(i, i + 11);
    while (group.length < 11) group.push(0n);
    acc = h([acc, ...group]);
  }
  console.log(acc.toString());
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
