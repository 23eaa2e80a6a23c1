//! zkbio-core: the SDK's logic (no FFI): proving, keys, registry encoding and flows.
#![deny(missing_docs)]

pub mod evm;
pub mod flows;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
pub use zkbio_groth16 as groth16;
pub mod iris;
pub mod log;
pub mod package;
pub mod registry;
pub mod sample;
pub mod vault;
