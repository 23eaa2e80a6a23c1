#!/usr/bin/env node
// Reproducible build of contracts/src/Groth16Verifier.sol with the pinned solc (solcjs 0.8.37
// from tools/js). Writes the ABI and the creation bytecode the Rust SDK embeds:
//
//   node contracts/build-verifier.js [OUT]     (OUT defaults to core/src/evm/Groth16Verifier.json)
//
// The Rust test core/tests/verifier_bytecode.rs runs this into a temporary file and requires the
// committed JSON to match byte for byte, so the shipped bytecode always comes from this source.
// contracts/build-registry.js builds BiometricRegistry with the same `build` function.
// Settings are pinned here, not taken from the environment:
// - optimizer on, 200 runs: the usual trade-off for a contract called often;
// - evmVersion "paris": no PUSH0 (Shanghai), so the same bytecode deploys on every EVM chain that
//   has the EIP-196/197 precompiles at EIP-1108 prices, including L2s that lag behind mainnet;
//   the only cost is a few bytes and a few gas per PUSH0-able constant. revm runs it unchanged.
// - metadata left at solc's default (IPFS hash of the metadata appended to the code), so that a
//   deployed instance can be matched to this source by Sourcify-style verification. It makes the
//   bytecode depend on the source text, comments included: regenerate after every edit.
'use strict';

const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const OPTIMIZER = { enabled: true, runs: 200 };
const EVM_VERSION = 'paris';

function loadSolc() {
  const dir = path.join(ROOT, 'tools', 'js', 'node_modules', 'solc');
  try {
    return require(dir);
  } catch (e) {
    throw new Error(`cannot load solc from ${dir} (${e.message}): run npm ci --prefix tools/js`);
  }
}

// Compiles contract CONTRACT of contracts/src/CONTRACT.sol (a single file without imports) and
// writes its artifact to OUT (default core/src/evm/CONTRACT.json).
function build(contract, outArg) {
  const sourceName = `src/${contract}.sol`;
  const settings = {
    optimizer: OPTIMIZER,
    evmVersion: EVM_VERSION,
    outputSelection: {
      [sourceName]: { [contract]: ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] },
    },
  };
  const out = path.resolve(outArg || path.join(ROOT, 'core', 'src', 'evm', `${contract}.json`));
  const solc = loadSolc();
  const content = fs.readFileSync(path.join(ROOT, 'contracts', sourceName), 'utf8');
  const input = { language: 'Solidity', sources: { [sourceName]: { content } }, settings };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));

  // Warnings fail the build too: the audited contracts compile cleanly.
  const diagnostics = output.errors || [];
  for (const d of diagnostics) process.stderr.write(`${d.formattedMessage || d.message}\n`);
  if (diagnostics.length > 0) throw new Error(`solc reported ${diagnostics.length} diagnostic(s)`);

  const c = output.contracts[sourceName][contract];
  const artifact = {
    contractName: contract,
    sourceName,
    compiler: solc.version(),
    settings: { optimizer: OPTIMIZER, evmVersion: EVM_VERSION },
    abi: c.abi,
    bytecode: `0x${c.evm.bytecode.object}`,
    deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
  };
  fs.writeFileSync(out, `${JSON.stringify(artifact, null, 2)}\n`);
  process.stderr.write(
    `${path.relative(process.cwd(), out)}: creation ${c.evm.bytecode.object.length / 2} bytes, ` +
      `runtime ${c.evm.deployedBytecode.object.length / 2} bytes (solc ${solc.version()})\n`,
  );
}

// Runs `build` as a command: exit code 1 with the message on failure.
function cli(contract, tool) {
  try {
    build(contract, process.argv[2]);
  } catch (e) {
    process.stderr.write(`${tool}: ${e.message}\n`);
    process.exit(1);
  }
}

module.exports = { build, cli };

if (require.main === module) cli('Groth16Verifier', 'build-verifier');
