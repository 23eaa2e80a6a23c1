//! Record names.

use std::fmt;

use super::VaultError;

/// The name of a vault record: 1 to 64 ASCII letters, digits, `_` or `-`, so it is a safe
/// file-name component on every platform.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordId(String);

impl RecordId {
    /// Longest allowed id, in bytes.
    pub const MAX_LEN: usize = 64;

    /// Checks and wraps `id`.
    pub fn new(id: impl Into<String>) -> Result<Self, VaultError> {
        let id = id.into();
        let ok = (1..=Self::MAX_LEN).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(id))
        } else {
            Err(VaultError::InvalidRecordId(id))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_safe_file_name_components_are_ids() {
        for good in ["a", "enrollment-1", "A_b-9", &"x".repeat(64)] {
            assert!(RecordId::new(good).is_ok(), "{good}");
        }
        for bad in ["", "../x", "a/b", "a.b", "é", " ", &"x".repeat(65)] {
            assert!(
                matches!(RecordId::new(bad), Err(VaultError::InvalidRecordId(_))),
                "{bad}"
            );
        }
    }
}
