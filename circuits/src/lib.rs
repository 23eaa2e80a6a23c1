//! zkbio-circuits: the R1CS builder, the gadgets written against it, and circom/snarkjs file formats.
//!
//! Every gadget is written once, generic over [`builder::Builder`]. The same code either records
//! R1CS constraints ([`builder::Recorder`], for setup and export) or computes the witness and each
//! constraint's `A·z`, `B·z`, `C·z` evaluations ([`builder::WitnessBuilder`], on the phone). The
//! phone never materializes a constraint matrix.
#![deny(missing_docs)]

pub mod builder;
pub mod check;
pub mod circom;
pub mod circuit;
pub mod gadgets;
pub mod models;
pub mod soundness;
pub mod statements;
pub mod uniqueness;

pub use ark_bn254::Fr;
pub use builder::{Builder, Lc, Recorder, WitnessBuilder};
pub use circuit::{Circuit, SynthesisError};
