//! zkbio-groth16: Groth16 over BN254 in the snarkjs/circom QAP convention, so keys and proofs
//! interoperate. The prover of zkbio, in a crate of its own so that a circom user can depend on
//! it (or run `zkbio groth16 prove`) without the vault, the registry or an EVM: it depends only
//! on arkworks, a few RustCrypto/format crates and zkbio-circuits (the witness builder and the
//! circom/snarkjs formats). zkbio-core re-exports it as `zkbio_core::groth16`.
//!
//! - [`setup`]: a deterministic, **insecure** development setup from a seed.
//! - [`prover`]: a matrix-free prover: it consumes the witness builder's wire values and
//!   per-constraint `A·z`, `B·z`, `C·z` evaluations plus a proving key, never the R1CS matrices.
//! - [`key_file`]: the `.zpk` proving-key layout, read by mmap with no per-point parsing.
//! - [`key_transport`]: the compressed transport form of a `.zpk` (half the bytes on the wire),
//!   expanded once on the device.
//! - [`coset_fft`]: the cache-blocked move of `A·z`, `B·z`, `C·z` to the odd coset (the FFTs).
//! - [`msm`]: the prover's G1 multi-scalar multiplication (signed digits, batch-affine
//!   buckets, a direct path for unit scalars).
//! - [`dev_marker`]: the INSECURE-development-key marker in `verification_key.json` and where
//!   such keys may be deployed.
//! - [`key_check`]: the structure check that refuses forgeable or degenerate keys.
//! - [`verifier`]: verification (arkworks' pairing check, after validating the proof's points).
//! - [`circom_prove`]: proving a circom circuit from a snarkjs `.zkey` and a `.wtns` (rapidsnark's
//!   command line), with the same prover core.
//! - [`trace`]: what the prover logs (phases and times through `tracing`; never witness data).
//! - [`zkey_convert`], [`zkey_verify`]: snarkjs `.zkey` import/export; an imported ceremony key
//!   is checked against the circuit and the powers of tau it was made from.
//!
//! The convention (snarkjs `groth16 prove`): the evaluation domain has `n` points, where
//! `n >= constraints + public inputs + 1`; row `constraints + i` has `A = z_i` for the one wire and
//! each public input; `H` is committed through its evaluations on the odd powers of the `2n`-th
//! root of unity, against `hExps_k = L^{(2n)}_{2k+1}(τ)/δ` (odd Lagrange basis of the doubled
//! domain), so no division by the vanishing polynomial is needed.

#![deny(missing_docs)]

pub mod circom_prove;
pub mod coset_fft;
pub mod dev_marker;
pub mod encoding;
pub mod heap;
pub mod key_check;
pub mod key_file;
pub mod key_transport;
pub mod msm;
pub mod progress;
pub mod prover;
pub mod qap;
pub mod setup;
pub mod trace;
pub mod verifier;
pub mod zkey_convert;
pub mod zkey_verify;

pub use ark_groth16::{Proof, ProvingKey, VerifyingKey};
pub use key_check::{check_key_structure, KeyStructureError};
pub use key_file::{KeyError, KeyHeader, KeyOrigin, KeySections, KeyView, MappedKey};
pub use progress::{Phase, ProveControl};
pub use prover::{prove, ProveError};
pub use setup::{
    dev_setup_insecure, dev_setup_insecure_with_progress, setup_from_toxic_waste_insecure,
    ToxicWaste,
};
pub use verifier::{verify, VerifyError};

#[cfg(test)]
mod tests;
