//! circom's `.r1cs` constraint file, version 1.
//!
//! Sections: 1 header (`n8`, prime, wires, public outputs, public inputs, private inputs, labels,
//! constraints), 2 constraints (per constraint, A, B and C as a `u32` term count then
//! `(u32 wire, n8-byte canonical LE coefficient)` terms), 3 wire-to-label map (`u64` per wire).
//! snarkjs takes `nPublic = nPubOut + nPubIn`, so we write all our public inputs as public inputs
//! with no outputs and no private inputs (the latter only matters to circom's own tooling), and
//! the identity wire-to-label map with `nLabels = nWires`.

use super::binfile::{BinFile, BinWriter, SectionReader};
use super::{check_prime, fr_from_le, fr_modulus_le, fr_to_le, to_u32, FormatError, N8};
use crate::builder::{Constraint, R1cs};
use ark_bn254::Fr;
use std::io::{BufWriter, Read, Write};

/// File magic.
pub const MAGIC: &[u8; 4] = b"r1cs";
/// The version we write and the newest we read.
pub const VERSION: u32 = 1;
const HEADER: u32 = 1;
const CONSTRAINTS: u32 = 2;
const WIRE_MAP: u32 = 3;
const CUSTOM_GATES_LIST: u32 = 4;
const CUSTOM_GATES_USES: u32 = 5;
const HEADER_SIZE: u64 = 4 + N8 as u64 + 4 * 4 + 8 + 4;
const TERM_SIZE: usize = 4 + N8;

/// The counts in a `.r1cs` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct R1csHeader {
    /// Wires, including the constant one.
    pub n_wires: u32,
    /// Public outputs (wires `1..=n_pub_out`).
    pub n_pub_out: u32,
    /// Public inputs (the wires right after the outputs).
    pub n_pub_in: u32,
    /// Private inputs of circom's main component (informational).
    pub n_prv_in: u32,
    /// Labels (circom signals, including ones optimized away).
    pub n_labels: u64,
    /// Constraints.
    pub n_constraints: u32,
}

impl R1csHeader {
    /// Public wires after the constant one, as snarkjs counts them: outputs plus public inputs.
    pub fn n_public(&self) -> u64 {
        u64::from(self.n_pub_out) + u64::from(self.n_pub_in)
    }

    /// The header we write for `r1cs` (see the module docs).
    pub fn for_r1cs(r1cs: &R1cs) -> Result<Self, FormatError> {
        let n_wires = to_u32(r1cs.n_wires, "wire count")?;
        let n_public = to_u32(r1cs.n_public, "public input count")?;
        if r1cs.n_public >= r1cs.n_wires {
            return Err(FormatError::OutOfRange {
                what: "public input count",
                value: r1cs.n_public as u64,
                limit: r1cs.n_wires as u64,
            });
        }
        Ok(R1csHeader {
            n_wires,
            n_pub_out: 0,
            n_pub_in: n_public,
            n_prv_in: 0,
            n_labels: u64::from(n_wires),
            n_constraints: to_u32(r1cs.constraints.len(), "constraint count")?,
        })
    }
}

/// Writes `r1cs` as a `.r1cs` file.
pub fn write(w: &mut impl Write, r1cs: &R1cs) -> Result<(), FormatError> {
    let header = R1csHeader::for_r1cs(r1cs)?;
    let mut body_size = 0u64;
    for k in &r1cs.constraints {
        for side in [&k.a, &k.b, &k.c] {
            to_u32(side.len(), "terms in a linear combination")?;
            if let Some(&(wire, _)) = side.iter().find(|t| t.0 >= header.n_wires) {
                return Err(FormatError::OutOfRange {
                    what: "wire index",
                    value: u64::from(wire),
                    limit: u64::from(header.n_wires),
                });
            }
            body_size += 4 + (side.len() * TERM_SIZE) as u64;
        }
    }

    let mut out = BinWriter::new(BufWriter::new(w), MAGIC, VERSION, 3)?;
    out.section(HEADER, HEADER_SIZE, |s| {
        s.write_all(&(N8 as u32).to_le_bytes())?;
        s.write_all(&fr_modulus_le())?;
        for v in [
            header.n_wires,
            header.n_pub_out,
            header.n_pub_in,
            header.n_prv_in,
        ] {
            s.write_all(&v.to_le_bytes())?;
        }
        s.write_all(&header.n_labels.to_le_bytes())?;
        s.write_all(&header.n_constraints.to_le_bytes())
    })?;
    out.section(CONSTRAINTS, body_size, |s| {
        for k in &r1cs.constraints {
            for side in [&k.a, &k.b, &k.c] {
                // Lengths were checked to fit in u32 above.
                s.write_all(&(side.len() as u32).to_le_bytes())?;
                for (wire, coeff) in side {
                    s.write_all(&wire.to_le_bytes())?;
                    s.write_all(&fr_to_le(coeff))?;
                }
            }
        }
        Ok(())
    })?;
    out.section(WIRE_MAP, 8 * u64::from(header.n_wires), |s| {
        for label in 0..u64::from(header.n_wires) {
            s.write_all(&label.to_le_bytes())?;
        }
        Ok(())
    })?;
    out.finish()?.flush()?;
    Ok(())
}

/// `r1cs` as `.r1cs` file bytes.
pub fn to_bytes(r1cs: &R1cs) -> Result<Vec<u8>, FormatError> {
    let mut out = Vec::new();
    write(&mut out, r1cs)?;
    Ok(out)
}

/// Reads the header of a `.r1cs` file.
pub fn header_from_bytes(bytes: &[u8]) -> Result<R1csHeader, FormatError> {
    read_header(&BinFile::parse(bytes, MAGIC, VERSION)?)
}

fn read_header(file: &BinFile<'_>) -> Result<R1csHeader, FormatError> {
    let mut r = file.reader(HEADER, "r1cs header")?;
    let n8 = r.u32()?;
    let prime = r.bytes(n8 as usize)?;
    check_prime(n8, prime, fr_modulus_le(), "r1cs field")?;
    let header = R1csHeader {
        n_wires: r.u32()?,
        n_pub_out: r.u32()?,
        n_pub_in: r.u32()?,
        n_prv_in: r.u32()?,
        n_labels: r.u64()?,
        n_constraints: r.u32()?,
    };
    r.finish()?;
    if header.n_public() >= u64::from(header.n_wires) {
        return Err(FormatError::OutOfRange {
            what: "public wire count",
            value: header.n_public(),
            limit: u64::from(header.n_wires),
        });
    }
    Ok(header)
}

/// Parses a `.r1cs` file (e.g. compiled by circom) into an [`R1cs`].
///
/// Terms keep the file's order (circom writes them sorted by wire); a wire listed twice in one
/// combination stays twice, meaning the sum, as the snarkjs prover reads it. The wire-to-label map
/// is required (circom always writes it) and only size-checked: its 8 bytes per wire bound the
/// header's wire count by the file's length, so a few hundred hostile bytes cannot declare 2³²
/// wires that everything after the parser (a writer, a setup, a witness) would allocate for.
/// Files with PLONK custom gates are rejected.
pub fn from_bytes(bytes: &[u8]) -> Result<R1cs, FormatError> {
    let file = BinFile::parse(bytes, MAGIC, VERSION)?;
    let header = read_header(&file)?;
    if file.optional_section(CUSTOM_GATES_LIST)?.is_some()
        || file.optional_section(CUSTOM_GATES_USES)?.is_some()
    {
        return Err(FormatError::Unsupported("r1cs with custom gates"));
    }
    let mut r = file.reader(CONSTRAINTS, "r1cs constraints")?;
    // Every constraint takes at least 12 bytes: bound the allocation by the input size.
    let mut constraints =
        Vec::with_capacity((header.n_constraints as usize).min(r.remaining() / 12));
    for _ in 0..header.n_constraints {
        constraints.push(Constraint {
            a: read_lc(&mut r, header.n_wires)?,
            b: read_lc(&mut r, header.n_wires)?,
            c: read_lc(&mut r, header.n_wires)?,
        });
    }
    r.finish()?;
    BinFile::check_size(
        WIRE_MAP,
        file.section(WIRE_MAP)?,
        8 * u64::from(header.n_wires),
    )?;
    Ok(R1cs {
        n_wires: header.n_wires as usize,
        n_public: header.n_public() as usize,
        constraints,
    })
}

fn read_lc(r: &mut SectionReader<'_>, n_wires: u32) -> Result<Vec<(u32, Fr)>, FormatError> {
    let n = r.u32()? as usize;
    // Checks the whole combination is present before allocating for it.
    let body = r.bytes(n.saturating_mul(TERM_SIZE))?;
    body.chunks_exact(TERM_SIZE)
        .map(|t| {
            let (wire, coeff) = t.split_at(4);
            let wire = u32::from_le_bytes([wire[0], wire[1], wire[2], wire[3]]);
            if wire >= n_wires {
                return Err(FormatError::OutOfRange {
                    what: "wire index",
                    value: u64::from(wire),
                    limit: u64::from(n_wires),
                });
            }
            let mut c = [0u8; N8];
            c.copy_from_slice(coeff);
            Ok((wire, fr_from_le(&c, "r1cs coefficient")?))
        })
        .collect()
}

/// Reads a whole `.r1cs` file from `r` (see [`from_bytes`]).
pub fn read(r: &mut impl Read) -> Result<R1cs, FormatError> {
    let mut bytes = Vec::new();
    r.read_to_end(&mut bytes)?;
    from_bytes(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circom::BinFileError;

    /// `x * x = y` with `x` public: wires [1, x, y].
    fn tiny() -> R1cs {
        R1cs {
            n_wires: 3,
            n_public: 1,
            constraints: vec![Constraint {
                a: vec![(1, Fr::from(1u64))],
                b: vec![(1, Fr::from(1u64))],
                c: vec![(0, Fr::from(5u64)), (2, -Fr::from(1u64))],
            }],
        }
    }

    fn u32le(v: u32) -> Vec<u8> {
        v.to_le_bytes().to_vec()
    }

    fn coeff(v: u64) -> Vec<u8> {
        let mut b = v.to_le_bytes().to_vec();
        b.resize(32, 0);
        b
    }

    #[test]
    fn tiny_system_has_the_exact_bytes() {
        let mut e = b"r1cs".to_vec();
        e.extend(u32le(1));
        e.extend(u32le(3));
        // Header: 64 bytes.
        e.extend(u32le(1));
        e.extend(64u64.to_le_bytes());
        e.extend(u32le(32));
        e.extend(fr_modulus_le());
        for v in [3, 0, 1, 0] {
            e.extend(u32le(v));
        }
        e.extend(3u64.to_le_bytes());
        e.extend(u32le(1));
        // Constraints: 3 counts + 4 terms of 36 bytes.
        e.extend(u32le(2));
        e.extend((12u64 + 4 * 36).to_le_bytes());
        e.extend(u32le(1));
        e.extend(u32le(1));
        e.extend(coeff(1));
        e.extend(u32le(1));
        e.extend(u32le(1));
        e.extend(coeff(1));
        e.extend(u32le(2));
        e.extend(u32le(0));
        e.extend(coeff(5));
        e.extend(u32le(2));
        // -1 = r - 1, canonical.
        let mut minus_one = fr_modulus_le();
        minus_one[0] -= 1;
        e.extend(minus_one);
        // Identity wire map.
        e.extend(u32le(3));
        e.extend(24u64.to_le_bytes());
        for i in 0..3u64 {
            e.extend(i.to_le_bytes());
        }
        assert_eq!(to_bytes(&tiny()).unwrap(), e);
    }

    #[test]
    fn round_trips() {
        let bytes = to_bytes(&tiny()).unwrap();
        assert_eq!(from_bytes(&bytes).unwrap(), tiny());
        assert_eq!(read(&mut &bytes[..]).unwrap(), tiny());
        let h = header_from_bytes(&bytes).unwrap();
        assert_eq!((h.n_wires, h.n_public(), h.n_constraints), (3, 1, 1));
    }

    #[test]
    fn truncations_are_typed_errors() {
        let bytes = to_bytes(&tiny()).unwrap();
        for len in 0..bytes.len() {
            match from_bytes(&bytes[..len]) {
                Err(FormatError::Container(BinFileError::Truncated { .. })) => {}
                other => panic!("length {len}: {other:?}"),
            }
        }
    }

    #[test]
    fn corrupted_files_are_typed_errors() {
        let good = to_bytes(&tiny()).unwrap();
        // Header body starts at 12 + 12 = 24: n8 at 24, prime at 28, n_wires at 60.
        let mut b = good.clone();
        b[28] ^= 1;
        assert!(matches!(
            from_bytes(&b),
            Err(FormatError::WrongPrime { .. })
        ));
        let mut b = good.clone();
        b[24] = 48;
        assert!(matches!(
            from_bytes(&b),
            Err(FormatError::FieldSize { found: 48, .. })
        ));
        // Shrink n_wires to 2: wire 2 in C becomes out of range.
        let mut b = good.clone();
        b[60] = 2;
        assert!(matches!(
            from_bytes(&b),
            Err(FormatError::OutOfRange {
                what: "wire index",
                value: 2,
                limit: 2
            })
        ));
        // n_pub_in = 3 >= n_wires.
        let mut b = good.clone();
        b[68] = 3;
        assert!(matches!(
            from_bytes(&b),
            Err(FormatError::OutOfRange { .. })
        ));
        // First coefficient (constraints body at 88 + 12 = 100; coefficient at 108) set to r.
        let mut b = good.clone();
        b[108..140].copy_from_slice(&fr_modulus_le());
        assert!(matches!(
            from_bytes(&b),
            Err(FormatError::NonCanonical { .. })
        ));
        // Two constraints declared, one present.
        let mut b = good.clone();
        b[84] = 2;
        assert!(matches!(
            from_bytes(&b),
            Err(FormatError::Container(BinFileError::Truncated { .. }))
        ));
        // Zero constraints declared: the section has leftover bytes.
        let mut b = good.clone();
        b[84] = 0;
        assert!(matches!(
            from_bytes(&b),
            Err(FormatError::Container(BinFileError::SizeMismatch {
                section: 2,
                ..
            }))
        ));
    }

    /// Found by the `r1cs` fuzz target (fuzz/corpus/r1cs/regress-unbacked-wire-count): a header
    /// declaring 2²⁸ wires with no wire map parsed, and writing the system back allocated 2 GiB.
    #[test]
    fn wire_count_must_be_backed_by_the_wire_map() {
        let good = to_bytes(&tiny()).unwrap();
        // The wire map is the last section: 12 bytes of section header, then 3 labels.
        let map_start = good.len() - 12 - 24;
        let mut no_map = good[..map_start].to_vec();
        no_map[8] = 2; // two sections
        assert!(matches!(
            from_bytes(&no_map),
            Err(FormatError::Container(BinFileError::MissingSection(3)))
        ));
        // The same without the map and with 2²⁸ wires declared: refused before anything is
        // allocated for them.
        let mut huge = no_map.clone();
        huge[60..64].copy_from_slice(&(1u32 << 28).to_le_bytes());
        assert!(matches!(
            from_bytes(&huge),
            Err(FormatError::Container(BinFileError::MissingSection(3)))
        ));
        // A map of the wrong size is refused too.
        let mut short_map = good.clone();
        short_map[map_start + 4..map_start + 12].copy_from_slice(&16u64.to_le_bytes());
        short_map.truncate(good.len() - 8);
        assert!(matches!(
            from_bytes(&short_map),
            Err(FormatError::Container(BinFileError::SizeMismatch {
                section: 3,
                ..
            }))
        ));
    }

    #[test]
    fn invalid_systems_are_not_written() {
        let mut r = tiny();
        r.constraints[0].a.push((3, Fr::from(1u64)));
        assert!(matches!(to_bytes(&r), Err(FormatError::OutOfRange { .. })));
        let mut r = tiny();
        r.n_public = 3;
        assert!(matches!(to_bytes(&r), Err(FormatError::OutOfRange { .. })));
    }
}
