//! Containers for secret values that wipe themselves when dropped.
//!
//! Every decrypted image, mask, code and salt lives in one of these types, so no path that
//! drops a bundle (normal return, early error, panic unwinding) leaves plaintext in freed heap
//! memory. They deliberately implement neither `Copy` nor `PartialEq`: copies would escape
//! the wipe, and comparing secrets is a job for constant-time code, not `==`.

use std::fmt;

use zeroize::{DefaultIsZeroes, Zeroize, ZeroizeOnDrop};

/// A fixed-length heap buffer of secret values (pixels, mask or code bits), wiped on drop.
///
/// The buffer is a `Box<[T]>`, never a growable `Vec`: a `Vec` that reallocates while it
/// grows frees its old buffer without wiping it, which would leave a plaintext copy behind.
pub struct SecretVec<T: SecretValue>(Box<[T]>);

/// A plain value type that may sit in a [`SecretVec`]: zero is its wiped state.
pub trait SecretValue: DefaultIsZeroes + PartialEq {}

impl SecretValue for u8 {}
impl SecretValue for bool {}

impl<T: SecretValue> SecretVec<T> {
    /// Takes ownership of `values`.
    ///
    /// If `values` has spare capacity, its contents are moved into an exact-size buffer and
    /// the whole old allocation is wiped first (`Vec::into_boxed_slice` would shrink it by
    /// reallocating, freeing the old buffer unwiped).
    pub fn new(mut values: Vec<T>) -> Self {
        if values.len() == values.capacity() {
            return Self(values.into_boxed_slice());
        }
        let exact: Box<[T]> = values.as_slice().into();
        values.zeroize();
        Self(exact)
    }

    /// A buffer of `len` default (zero) values, to be filled in place.
    pub(crate) fn zeroed(len: usize) -> Self {
        Self(vec![T::default(); len].into_boxed_slice())
    }

    /// The values.
    pub fn as_slice(&self) -> &[T] {
        &self.0
    }

    /// The values, for filling a buffer made by [`SecretVec::zeroed`].
    pub(crate) fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.0
    }

    /// How many values the buffer holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the buffer holds no values.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T: SecretValue> Clone for SecretVec<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T: SecretValue> Drop for SecretVec<T> {
    fn drop(&mut self) {
        self.0.zeroize();
        #[cfg(test)]
        wipe_log::record(
            self.0.as_ptr() as usize,
            self.0.len(),
            self.0.iter().all(|v| *v == T::default()),
        );
    }
}

impl<T: SecretValue> ZeroizeOnDrop for SecretVec<T> {}

impl<T: SecretValue> fmt::Debug for SecretVec<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretVec(<{} values redacted>)", self.0.len())
    }
}

/// A secret BN254 field element (a commitment's salt): 32 bytes big-endian, wiped on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Salt([u8; 32]);

impl Salt {
    /// Wraps 32 big-endian bytes; they must encode a canonical field element (below `r`).
    pub fn from_be_bytes(bytes: [u8; 32]) -> Result<Self, super::BundleError> {
        if !super::bundle::is_canonical_field_element(&bytes) {
            return Err(super::BundleError::NotAFieldElement { what: "salt" });
        }
        Ok(Self(bytes))
    }

    /// The 32 big-endian bytes.
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for Salt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Salt(<redacted>)")
    }
}

/// A test-only record of every [`SecretVec`] wiped on this thread: where it was, how long,
/// and whether every value was zero after the wipe.
///
/// Why this shape: reading a buffer after it is freed is undefined behaviour, so a test
/// cannot look at memory once it is gone. Instead, the drop code itself reports the
/// buffer's contents after wiping it and *before* freeing it, while the memory is still
/// owned and initialized. Tests take the log, then check that the buffers they saw during a
/// `with_*` call (identified by address and length) were all reported wiped.
#[cfg(test)]
pub(crate) mod wipe_log {
    use std::cell::RefCell;

    /// One wiped buffer.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(crate) struct Wiped {
        pub(crate) addr: usize,
        pub(crate) len: usize,
        pub(crate) all_zero: bool,
    }

    thread_local! {
        static LOG: RefCell<Vec<Wiped>> = const { RefCell::new(Vec::new()) };
    }

    pub(crate) fn record(addr: usize, len: usize, all_zero: bool) {
        LOG.with(|log| {
            log.borrow_mut().push(Wiped {
                addr,
                len,
                all_zero,
            })
        });
    }

    /// Returns and clears this thread's log.
    pub(crate) fn take() -> Vec<Wiped> {
        LOG.with(|log| std::mem::take(&mut *log.borrow_mut()))
    }
}
