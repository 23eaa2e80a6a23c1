//! circom's `.wtns` witness file, version 2.
//!
//! Sections: 1 header (`u32 n8`, prime, `u32` number of values), 2 values (canonical
//! little-endian, `n8` bytes each, wire order: the constant one, public wires, private wires).
//! The values include private data: callers holding a real witness should zeroize the buffers.

use super::binfile::BinFile;
use super::binfile::BinWriter;
use super::{check_prime, fr_from_le, fr_modulus_le, fr_to_le, to_u32, FormatError, N8};
use ark_bn254::Fr;
use std::io::{BufWriter, Read, Write};

/// File magic.
pub const MAGIC: &[u8; 4] = b"wtns";
/// The version we write and the newest we read (circom and snarkjs write 2).
pub const VERSION: u32 = 2;
const HEADER: u32 = 1;
const VALUES: u32 = 2;

/// Writes `wires` as a `.wtns` file.
pub fn write(w: &mut impl Write, wires: &[Fr]) -> Result<(), FormatError> {
    let n = to_u32(wires.len(), "witness length")?;
    let mut out = BinWriter::new(BufWriter::new(w), MAGIC, VERSION, 2)?;
    out.section(HEADER, 4 + N8 as u64 + 4, |s| {
        s.write_all(&(N8 as u32).to_le_bytes())?;
        s.write_all(&fr_modulus_le())?;
        s.write_all(&n.to_le_bytes())
    })?;
    out.section(VALUES, u64::from(n) * N8 as u64, |s| {
        for v in wires {
            s.write_all(&fr_to_le(v))?;
        }
        Ok(())
    })?;
    out.finish()?.flush()?;
    Ok(())
}

/// `wires` as `.wtns` file bytes.
pub fn to_bytes(wires: &[Fr]) -> Result<Vec<u8>, FormatError> {
    let mut out = Vec::new();
    write(&mut out, wires)?;
    Ok(out)
}

/// Parses a `.wtns` file: checks the field, the value count against the data, and that every
/// value is canonical.
pub fn from_bytes(bytes: &[u8]) -> Result<Vec<Fr>, FormatError> {
    let file = BinFile::parse(bytes, MAGIC, VERSION)?;
    let mut h = file.reader(HEADER, "wtns header")?;
    let n8 = h.u32()?;
    let prime = h.bytes(n8 as usize)?;
    check_prime(n8, prime, fr_modulus_le(), "wtns field")?;
    let n = h.u32()?;
    h.finish()?;

    let values = file.section(VALUES)?;
    let expected = u64::from(n) * N8 as u64;
    if values.len() as u64 != expected {
        return Err(super::BinFileError::SizeMismatch {
            section: VALUES,
            expected,
            found: values.len() as u64,
        }
        .into());
    }
    values
        .chunks_exact(N8)
        .map(|c| {
            let mut b = [0u8; N8];
            b.copy_from_slice(c);
            fr_from_le(&b, "witness value")
        })
        .collect()
}

/// Reads a whole `.wtns` file from `r` (see [`from_bytes`]).
pub fn read(r: &mut impl Read) -> Result<Vec<Fr>, FormatError> {
    let mut bytes = Vec::new();
    r.read_to_end(&mut bytes)?;
    from_bytes(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circom::BinFileError;

    #[test]
    fn exact_bytes_and_round_trip() {
        let wires = [Fr::from(1u64), Fr::from(3u64), -Fr::from(1u64)];
        let bytes = to_bytes(&wires).unwrap();
        let mut e = b"wtns".to_vec();
        e.extend(2u32.to_le_bytes());
        e.extend(2u32.to_le_bytes());
        e.extend(1u32.to_le_bytes());
        e.extend(40u64.to_le_bytes());
        e.extend(32u32.to_le_bytes());
        e.extend(fr_modulus_le());
        e.extend(3u32.to_le_bytes());
        e.extend(2u32.to_le_bytes());
        e.extend(96u64.to_le_bytes());
        for v in [1u8, 3] {
            let mut b = [0u8; 32];
            b[0] = v;
            e.extend(b);
        }
        let mut minus_one = fr_modulus_le();
        minus_one[0] -= 1;
        e.extend(minus_one);
        assert_eq!(bytes, e);
        assert_eq!(from_bytes(&bytes).unwrap(), wires);
        assert_eq!(read(&mut &bytes[..]).unwrap(), wires);
    }

    #[test]
    fn truncated_and_corrupted_files_are_typed_errors() {
        let bytes = to_bytes(&[Fr::from(1u64), Fr::from(2u64)]).unwrap();
        for len in 0..bytes.len() {
            assert!(matches!(
                from_bytes(&bytes[..len]),
                Err(FormatError::Container(BinFileError::Truncated { .. }))
            ));
        }
        // Count says 3 values, data has 2.
        let mut b = bytes.clone();
        b[60] = 3;
        assert!(matches!(
            from_bytes(&b),
            Err(FormatError::Container(BinFileError::SizeMismatch {
                section: 2,
                ..
            }))
        ));
        // A value equal to r.
        let mut b = bytes.clone();
        let last = b.len() - 32;
        b[last..].copy_from_slice(&fr_modulus_le());
        assert!(matches!(
            from_bytes(&b),
            Err(FormatError::NonCanonical { .. })
        ));
        // Version 3 is not supported.
        let mut b = bytes.clone();
        b[4] = 3;
        assert!(matches!(
            from_bytes(&b),
            Err(FormatError::Container(BinFileError::UnsupportedVersion {
                found: 3,
                ..
            }))
        ));
        // Another prime.
        let mut b = bytes;
        b[30] ^= 0x10;
        assert!(matches!(
            from_bytes(&b),
            Err(FormatError::WrongPrime { .. })
        ));
    }
}
