//! Revert data as a typed value: the registry's custom errors, `Error(string)`, `Panic(uint256)`.

use alloy_primitives::U256;
use alloy_sol_types::{Panic, Revert as RevertString, SolError, SolInterface};

use super::abi::BiometricRegistry::BiometricRegistryErrors;

/// Why a call reverted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Revert {
    /// One of the registry's custom errors, e.g. `InvalidProof` or `UnknownScanner(signer)`.
    Registry(BiometricRegistryErrors),
    /// `Error(string)` (`require` with a message).
    Message(String),
    /// `Panic(uint256)` (a failed `assert`, an arithmetic overflow, ...).
    Panic(U256),
    /// A revert without data (e.g. a call to an account without code).
    Empty,
    /// Data that is none of the above (e.g. another contract's custom error).
    Unknown(Vec<u8>),
}

impl Revert {
    /// Decodes revert data.
    pub fn decode(data: &[u8]) -> Self {
        if data.is_empty() {
            return Revert::Empty;
        }
        if let Ok(e) = BiometricRegistryErrors::abi_decode(data) {
            return Revert::Registry(e);
        }
        if let Ok(r) = RevertString::abi_decode(data) {
            return Revert::Message(r.reason);
        }
        if let Ok(p) = Panic::abi_decode(data) {
            return Revert::Panic(p.code);
        }
        Revert::Unknown(data.to_vec())
    }

    /// The registry error, if this is one.
    pub fn registry_error(&self) -> Option<&BiometricRegistryErrors> {
        match self {
            Revert::Registry(e) => Some(e),
            _ => None,
        }
    }
}

impl std::fmt::Display for Revert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // The generated enum's Debug is `Name(Name { field: value, .. })`: keep the inner part.
            Revert::Registry(e) => {
                let text = format!("{e:?}");
                let inner = text
                    .split_once('(')
                    .and_then(|(_, rest)| rest.strip_suffix(')'))
                    .unwrap_or(&text);
                f.write_str(inner)
            }
            Revert::Message(m) => write!(f, "Error({m:?})"),
            Revert::Panic(code) => write!(f, "Panic({code:#x})"),
            Revert::Empty => f.write_str("revert without data"),
            Revert::Unknown(data) => write!(f, "unknown revert data 0x{}", hex::encode(data)),
        }
    }
}
