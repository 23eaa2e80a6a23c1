//! The iden3 binary container shared by `.r1cs`, `.wtns`, `.zkey` and `.ptau` files.
//!
//! Layout (all integers little-endian): 4-byte magic (`b"r1cs"`, ...), `u32` version, `u32` number
//! of sections, then each section as `u32` type, `u64` byte size, and that many bytes. Sections may
//! come in any order; the formats here require each type they read to appear exactly once.

use std::io::{self, Write};

/// A malformed container, or an I/O failure while reading or writing one.
#[derive(Debug, thiserror::Error)]
pub enum BinFileError {
    /// The first four bytes are not the expected file type.
    #[error("bad magic: expected {expected:?}, found {found:?}")]
    BadMagic {
        /// The magic of the format being read.
        expected: [u8; 4],
        /// The bytes found.
        found: [u8; 4],
    },
    /// A version this reader does not know.
    #[error("unsupported version {found} (supported: 1 to {max})")]
    UnsupportedVersion {
        /// The file's version.
        found: u32,
        /// The newest supported version.
        max: u32,
    },
    /// The data ends before a header, section or value is complete.
    #[error("truncated {context}: needed {needed} more bytes, {available} available")]
    Truncated {
        /// What was being read.
        context: String,
        /// Bytes needed.
        needed: u64,
        /// Bytes left.
        available: u64,
    },
    /// A required section is absent.
    #[error("missing section {0}")]
    MissingSection(u32),
    /// A section that must be unique appears more than once.
    #[error("section {0} appears more than once")]
    DuplicateSection(u32),
    /// A section's size differs from what its contents or the header imply.
    #[error("section {section}: size {found} bytes, expected {expected}")]
    SizeMismatch {
        /// The section type.
        section: u32,
        /// The size implied by the header counts.
        expected: u64,
        /// The size found.
        found: u64,
    },
    /// Bytes after the last declared section.
    #[error("{0} unexpected bytes after the last section")]
    TrailingBytes(u64),
    /// The writer was asked for a different number of sections than it declared.
    #[error("declared {declared} sections, wrote {written}")]
    SectionCount {
        /// Sections announced in the file header.
        declared: u32,
        /// Sections actually written.
        written: u32,
    },
    /// Reading or writing failed.
    #[error("i/o error: {0}")]
    Io(#[from] io::Error),
}

/// A parsed container borrowing its sections from the file's bytes.
#[derive(Debug, Clone)]
pub struct BinFile<'a> {
    /// The container version.
    pub version: u32,
    sections: Vec<(u32, &'a [u8])>,
}

impl<'a> BinFile<'a> {
    /// Parses the container: checks magic and version, splits the sections, and rejects
    /// truncated sections and trailing bytes. Section contents are not interpreted.
    pub fn parse(bytes: &'a [u8], magic: &[u8; 4], max_version: u32) -> Result<Self, BinFileError> {
        let mut r = SectionReader::new(u32::MAX, bytes, "file header");
        let found: [u8; 4] = *r.array::<4>()?;
        if &found != magic {
            return Err(BinFileError::BadMagic {
                expected: *magic,
                found,
            });
        }
        let version = r.u32()?;
        if version == 0 || version > max_version {
            return Err(BinFileError::UnsupportedVersion {
                found: version,
                max: max_version,
            });
        }
        let n_sections = r.u32()?;
        // Each section needs at least its 12-byte header: bound the allocation by the input.
        let mut sections = Vec::with_capacity((n_sections as usize).min(r.remaining() / 12));
        for _ in 0..n_sections {
            r.context = "section header";
            r.id = u32::MAX;
            let id = r.u32()?;
            let size = r.u64()?;
            r.context = "section";
            r.id = id;
            let body = r.bytes_u64(size)?;
            sections.push((id, body));
        }
        if r.remaining() != 0 {
            return Err(BinFileError::TrailingBytes(r.remaining() as u64));
        }
        Ok(BinFile { version, sections })
    }

    /// All sections in file order, as `(type, bytes)`.
    pub fn sections(&self) -> &[(u32, &'a [u8])] {
        &self.sections
    }

    /// The bytes of section `id`, which must appear exactly once.
    pub fn section(&self, id: u32) -> Result<&'a [u8], BinFileError> {
        let mut found = self.sections.iter().filter(|s| s.0 == id);
        let first = found.next().ok_or(BinFileError::MissingSection(id))?;
        if found.next().is_some() {
            return Err(BinFileError::DuplicateSection(id));
        }
        Ok(first.1)
    }

    /// Like [`BinFile::section`], but `None` if the section is absent.
    pub fn optional_section(&self, id: u32) -> Result<Option<&'a [u8]>, BinFileError> {
        match self.section(id) {
            Err(BinFileError::MissingSection(_)) => Ok(None),
            other => other.map(Some),
        }
    }

    /// Checks that section `id`'s `bytes` are exactly `expected` long.
    pub fn check_size(id: u32, bytes: &[u8], expected: u64) -> Result<(), BinFileError> {
        if bytes.len() as u64 != expected {
            return Err(BinFileError::SizeMismatch {
                section: id,
                expected,
                found: bytes.len() as u64,
            });
        }
        Ok(())
    }

    /// A reader over section `id` that reports truncation in that section's terms.
    pub fn reader(
        &self,
        id: u32,
        context: &'static str,
    ) -> Result<SectionReader<'a>, BinFileError> {
        Ok(SectionReader::new(id, self.section(id)?, context))
    }
}

/// A cursor over one section's bytes; every read is bounds-checked.
#[derive(Debug, Clone)]
pub struct SectionReader<'a> {
    id: u32,
    context: &'static str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> SectionReader<'a> {
    /// A reader over `bytes`, which are section `id` (named `context` in errors).
    pub fn new(id: u32, bytes: &'a [u8], context: &'static str) -> Self {
        SectionReader {
            id,
            context,
            bytes,
            pos: 0,
        }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// The next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], BinFileError> {
        if n > self.remaining() {
            return Err(BinFileError::Truncated {
                context: self.describe(),
                needed: n as u64,
                available: self.remaining() as u64,
            });
        }
        let out = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    fn bytes_u64(&mut self, n: u64) -> Result<&'a [u8], BinFileError> {
        match usize::try_from(n) {
            Ok(n) => self.bytes(n),
            Err(_) => Err(BinFileError::Truncated {
                context: self.describe(),
                needed: n,
                available: self.remaining() as u64,
            }),
        }
    }

    /// The next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self) -> Result<&'a [u8; N], BinFileError> {
        let b = self.bytes(N)?;
        // `bytes(N)` returned exactly N bytes.
        b.try_into().map_err(|_| BinFileError::Truncated {
            context: self.describe(),
            needed: N as u64,
            available: b.len() as u64,
        })
    }

    /// The next little-endian `u32`.
    pub fn u32(&mut self) -> Result<u32, BinFileError> {
        Ok(u32::from_le_bytes(*self.array::<4>()?))
    }

    /// The next little-endian `u64`.
    pub fn u64(&mut self) -> Result<u64, BinFileError> {
        Ok(u64::from_le_bytes(*self.array::<8>()?))
    }

    /// Checks the section was consumed exactly (its size matches what was read).
    pub fn finish(self) -> Result<(), BinFileError> {
        if self.remaining() != 0 {
            return Err(BinFileError::SizeMismatch {
                section: self.id,
                expected: self.pos as u64,
                found: self.bytes.len() as u64,
            });
        }
        Ok(())
    }

    fn describe(&self) -> String {
        if self.id == u32::MAX {
            self.context.to_string()
        } else {
            format!("{} (section {})", self.context, self.id)
        }
    }
}

/// Writes a container section by section, checking each section's declared size.
///
/// The size is written before the section's bytes, so callers must know it up front; in exchange
/// nothing is buffered and `W` need not be seekable. Wrap `W` in a `BufWriter` for speed.
#[derive(Debug)]
pub struct BinWriter<W: Write> {
    out: W,
    declared: u32,
    written: u32,
}

impl<W: Write> BinWriter<W> {
    /// Writes the file header: `magic`, `version` and the number of sections to follow.
    pub fn new(mut out: W, magic: &[u8; 4], version: u32, n_sections: u32) -> io::Result<Self> {
        out.write_all(magic)?;
        out.write_all(&version.to_le_bytes())?;
        out.write_all(&n_sections.to_le_bytes())?;
        Ok(BinWriter {
            out,
            declared: n_sections,
            written: 0,
        })
    }

    /// Writes section `id` of exactly `size` bytes produced by `body`.
    pub fn section(
        &mut self,
        id: u32,
        size: u64,
        body: impl FnOnce(&mut SizedWriter<'_, W>) -> io::Result<()>,
    ) -> Result<(), BinFileError> {
        if self.written == self.declared {
            return Err(BinFileError::SectionCount {
                declared: self.declared,
                written: self.written + 1,
            });
        }
        self.out.write_all(&id.to_le_bytes())?;
        self.out.write_all(&size.to_le_bytes())?;
        let mut w = SizedWriter {
            out: &mut self.out,
            left: size,
        };
        body(&mut w)?;
        if w.left != 0 {
            return Err(BinFileError::SizeMismatch {
                section: id,
                expected: size,
                found: size - w.left,
            });
        }
        self.written += 1;
        Ok(())
    }

    /// Checks every declared section was written, flushes, and returns the inner writer.
    pub fn finish(mut self) -> Result<W, BinFileError> {
        if self.written != self.declared {
            return Err(BinFileError::SectionCount {
                declared: self.declared,
                written: self.written,
            });
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The writer a section body gets: refuses to write past the section's declared size.
#[derive(Debug)]
pub struct SizedWriter<'w, W: Write> {
    out: &'w mut W,
    left: u64,
}

impl<W: Write> Write for SizedWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.len() as u64 > self.left {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "section body is larger than its declared size",
            ));
        }
        let n = self.out.write(buf)?;
        self.left -= n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut w = BinWriter::new(Vec::new(), b"test", 2, 2).unwrap();
        w.section(1, 4, |s| s.write_all(&7u32.to_le_bytes()))
            .unwrap();
        w.section(5, 3, |s| s.write_all(b"abc")).unwrap();
        w.finish().unwrap()
    }

    #[test]
    fn writes_the_documented_layout() {
        let mut expected = Vec::new();
        expected.extend_from_slice(b"test");
        expected.extend_from_slice(&[2, 0, 0, 0, 2, 0, 0, 0]);
        expected.extend_from_slice(&[1, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0]);
        expected.extend_from_slice(&[5, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0]);
        expected.extend_from_slice(b"abc");
        assert_eq!(sample(), expected);
    }

    #[test]
    fn round_trips() {
        let bytes = sample();
        let f = BinFile::parse(&bytes, b"test", 2).unwrap();
        assert_eq!(f.version, 2);
        assert_eq!(f.section(5).unwrap(), b"abc");
        let mut r = f.reader(1, "one").unwrap();
        assert_eq!(r.u32().unwrap(), 7);
        r.finish().unwrap();
        assert!(f.optional_section(9).unwrap().is_none());
        assert!(matches!(f.section(9), Err(BinFileError::MissingSection(9))));
    }

    #[test]
    fn every_truncation_is_a_typed_error() {
        let bytes = sample();
        for len in 0..bytes.len() {
            let err = BinFile::parse(&bytes[..len], b"test", 2).unwrap_err();
            assert!(
                matches!(err, BinFileError::Truncated { .. }),
                "{len}: {err}"
            );
        }
    }

    #[test]
    fn header_errors() {
        let mut bytes = sample();
        assert!(matches!(
            BinFile::parse(&bytes, b"r1cs", 2),
            Err(BinFileError::BadMagic { .. })
        ));
        assert!(matches!(
            BinFile::parse(&bytes, b"test", 1),
            Err(BinFileError::UnsupportedVersion { found: 2, max: 1 })
        ));
        bytes.push(0);
        assert!(matches!(
            BinFile::parse(&bytes, b"test", 2),
            Err(BinFileError::TrailingBytes(1))
        ));
        // A huge declared section size must not allocate or panic.
        let mut huge = sample();
        huge[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(
            BinFile::parse(&huge, b"test", 2),
            Err(BinFileError::Truncated { .. })
        ));
    }

    #[test]
    fn duplicate_and_size_errors() {
        let mut w = BinWriter::new(Vec::new(), b"test", 1, 2).unwrap();
        w.section(1, 1, |s| s.write_all(b"x")).unwrap();
        w.section(1, 1, |s| s.write_all(b"y")).unwrap();
        let bytes = w.finish().unwrap();
        let f = BinFile::parse(&bytes, b"test", 1).unwrap();
        assert!(matches!(
            f.section(1),
            Err(BinFileError::DuplicateSection(1))
        ));

        let mut w = BinWriter::new(Vec::new(), b"test", 1, 1).unwrap();
        assert!(matches!(
            w.section(1, 2, |s| s.write_all(b"x")),
            Err(BinFileError::SizeMismatch {
                section: 1,
                expected: 2,
                found: 1
            })
        ));
        let mut w = BinWriter::new(Vec::new(), b"test", 1, 1).unwrap();
        assert!(matches!(
            w.section(1, 1, |s| s.write_all(b"xy")),
            Err(BinFileError::Io(_))
        ));
        let w = BinWriter::new(Vec::new(), b"test", 1, 1).unwrap();
        assert!(matches!(
            w.finish(),
            Err(BinFileError::SectionCount {
                declared: 1,
                written: 0
            })
        ));

        let bytes = sample();
        let f = BinFile::parse(&bytes, b"test", 2).unwrap();
        let r = f.reader(5, "five").unwrap();
        assert!(matches!(
            r.finish(),
            Err(BinFileError::SizeMismatch { section: 5, .. })
        ));
    }
}
