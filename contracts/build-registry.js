#!/usr/bin/env node
// Reproducible build of contracts/src/BiometricRegistry.sol with the pinned solc, with the
// settings of build-verifier.js (optimizer 200 runs, evmVersion paris, default metadata):
//
//   node contracts/build-registry.js [OUT]     (OUT defaults to core/src/evm/BiometricRegistry.json)
//
// The Rust SDK embeds the result (zkbio_core::evm::registry_creation_code), so the CLI deploys
// the registry without forge; core/tests/registry_bytecode.rs rebuilds it into a temporary file
// and requires the committed JSON to match byte for byte. Regenerate after every edit of the
// contract (comments included: the metadata hash covers the source text).
'use strict';

require('./build-verifier.js').cli('BiometricRegistry', 'build-registry');
