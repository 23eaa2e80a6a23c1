//! Splits one fuzz input into several arguments (the `ffi` target's entry-point arguments).

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

#[cfg(test)]
mod tests {
    use super::Cursor;

    #[test]
    fn reads_stop_at_the_end() {
        let mut c = Cursor::new(&[2, 7, 8, 9]);
        assert_eq!(c.chunk(), vec![7, 8]);
        assert_eq!(c.take(5), &[9]);
        assert_eq!(c.byte(), 0);
        assert_eq!(c.chunk(), Vec::<u8>::new());
        assert!(c.rest().is_empty());
    }
}
