//! Shared pieces of the fuzz targets: the fixed vault key of the record seeds and a cursor that
//! splits one fuzz input into several arguments.

/// The key (id 1) every `vault_record` seed is sealed with, so the fuzzer gets past decryption on
/// inputs that keep the seed's ciphertext.
pub const VAULT_KEY: [u8; 32] = [0x5a; 32];

/// Reads arguments off the front of a fuzz input; past the end, every read is empty.
pub struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    /// A cursor over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Cursor { rest: data }
    }

    /// One byte (0 past the end).
    pub fn byte(&mut self) -> u8 {
        self.take(1).first().copied().unwrap_or(0)
    }

    /// Up to `n` bytes.
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, tail) = self.rest.split_at(n.min(self.rest.len()));
        self.rest = tail;
        head
    }

    /// A length-prefixed chunk: one length byte, then up to that many bytes.
    pub fn chunk(&mut self) -> Vec<u8> {
        let n = usize::from(self.byte());
        self.take(n).to_vec()
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.rest)
    }
}
