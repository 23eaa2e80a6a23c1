//! The canonical byte encoding of an [`IrisModel`] (format 1, or 2 with a fragile-bit
//! refinement), hashed into the model hash.
//!
//! All integers are little-endian. Layout:
//!
//! ```text
//! magic            8 bytes  "zkbiris\0"
//! format           u16      1
//! name             u8 length, then that many ASCII bytes
//! iris_code_ver    u8 length, then that many ASCII bytes
//! image_rows       u16
//! image_cols       u16
//! mask_duplicated  u8       0 or 1
//! mask_num         u64
//! mask_den         u64
//! mask_inclusive   u8       0 or 1
//! n_filters        u8
//! per filter:
//!   kernel_rows    u16
//!   kernel_cols    u16
//!   real           kernel_rows * kernel_cols x i16, row-major
//!   imag           kernel_rows * kernel_cols x i16, row-major
//!   n_probe_rows   u16, then n_probe_rows x u16 pixel rows
//!   n_probe_cols   u16, then n_probe_cols x u16 pixel columns
//! format 2 only (the model has a fragile-bit refinement):
//! fragile_type     u8       1 (polar, maskisduplicated = False)
//! radius_min       u32      float32 bit pattern
//! radius_max       u32      float32 bit pattern
//! angle_cos        u32      float32 bit pattern
//! ```
//!
//! A model without a refinement is always format 1 (so the encoder-only models keep their hash),
//! one with a refinement always format 2. Decoding rejects anything else (bad magic or format, flags other than 0/1, truncation, trailing
//! bytes) and then validates the model, so decoding and re-encoding gives back the same bytes.

use super::{
    FragileRefinement, IntKernel, IrisFilter, IrisModel, IrisModelError, MaskRule, ProbeGrid,
};

const MAGIC: &[u8; 8] = b"zkbiris\0";
/// Encoder-only models.
const FORMAT: u16 = 1;
/// Models with a fragile-bit refinement.
const FORMAT_FRAGILE: u16 = 2;
/// `fragile_type` of a polar refinement (the only one).
const FRAGILE_POLAR: u8 = 1;

/// Why bytes are not a canonical iris model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IrisModelDecodeError {
    /// The bytes do not start with the iris-model magic.
    #[error("not an iris model (bad magic)")]
    BadMagic,
    /// The format number is not one this version reads.
    #[error("unsupported iris model format {0}")]
    UnsupportedFormat(u16),
    /// The bytes end in the middle of a field.
    #[error("iris model bytes are truncated")]
    Truncated,
    /// Bytes follow the last filter.
    #[error("{0} trailing bytes after the iris model")]
    TrailingBytes(usize),
    /// A flag byte is neither 0 nor 1.
    #[error("flag byte {0} is neither 0 nor 1")]
    InvalidFlag(u8),
    /// The fragile-bit refinement's type byte is not 1 (polar).
    #[error("unsupported fragile-bit refinement type {0}")]
    UnsupportedFragileType(u8),
    /// A string is not ASCII.
    #[error("model strings must be ASCII")]
    InvalidString,
    /// The decoded description is not a valid model.
    #[error("invalid iris model: {0}")]
    Invalid(#[from] IrisModelError),
}

pub(super) fn encode(m: &IrisModel) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    let format = if m.fragile.is_some() {
        FORMAT_FRAGILE
    } else {
        FORMAT
    };
    out.extend_from_slice(&format.to_le_bytes());
    // Lengths and sizes fit their fields: IrisModel::new checked them.
    for s in [&m.name, &m.iris_code_version] {
        out.push(s.len() as u8);
        out.extend_from_slice(s.as_bytes());
    }
    put_u16(&mut out, m.image_rows);
    put_u16(&mut out, m.image_cols);
    out.push(m.mask_duplicated as u8);
    out.extend_from_slice(&m.mask_rule.num.to_le_bytes());
    out.extend_from_slice(&m.mask_rule.den.to_le_bytes());
    out.push(m.mask_rule.inclusive as u8);
    out.push(m.filters.len() as u8);
    for f in &m.filters {
        put_u16(&mut out, f.kernel.rows);
        put_u16(&mut out, f.kernel.cols);
        for v in f.kernel.real.iter().chain(&f.kernel.imag) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for positions in [&f.probes.rows, &f.probes.cols] {
            put_u16(&mut out, positions.len());
            for &p in positions.iter() {
                put_u16(&mut out, p);
            }
        }
    }
    if let Some(r) = &m.fragile {
        out.push(FRAGILE_POLAR);
        for v in r.bits() {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

fn put_u16(out: &mut Vec<u8>, v: usize) {
    out.extend_from_slice(&(v as u16).to_le_bytes());
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], IrisModelDecodeError> {
        if self.bytes.len() < n {
            return Err(IrisModelDecodeError::Truncated);
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], IrisModelDecodeError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u8(&mut self) -> Result<u8, IrisModelDecodeError> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<usize, IrisModelDecodeError> {
        Ok(u16::from_le_bytes(self.array()?) as usize)
    }

    fn u32(&mut self) -> Result<u32, IrisModelDecodeError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, IrisModelDecodeError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    fn flag(&mut self) -> Result<bool, IrisModelDecodeError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(IrisModelDecodeError::InvalidFlag(b)),
        }
    }

    fn string(&mut self) -> Result<String, IrisModelDecodeError> {
        let len = self.u8()? as usize;
        let raw = self.take(len)?;
        if !raw.is_ascii() {
            return Err(IrisModelDecodeError::InvalidString);
        }
        Ok(raw.iter().map(|&b| b as char).collect())
    }

    fn i16s(&mut self, n: usize) -> Result<Vec<i16>, IrisModelDecodeError> {
        let raw = self.take(n.checked_mul(2).ok_or(IrisModelDecodeError::Truncated)?)?;
        Ok(raw
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect())
    }

    fn positions(&mut self) -> Result<Vec<usize>, IrisModelDecodeError> {
        let n = self.u16()?;
        (0..n).map(|_| self.u16()).collect()
    }
}

pub(super) fn decode(bytes: &[u8]) -> Result<IrisModel, IrisModelDecodeError> {
    let mut r = Reader { bytes };
    if r.take(MAGIC.len())
        .map_err(|_| IrisModelDecodeError::BadMagic)?
        != MAGIC
    {
        return Err(IrisModelDecodeError::BadMagic);
    }
    let format = r.u16()? as u16;
    if format != FORMAT && format != FORMAT_FRAGILE {
        return Err(IrisModelDecodeError::UnsupportedFormat(format));
    }
    let name = r.string()?;
    let iris_code_version = r.string()?;
    let image_rows = r.u16()?;
    let image_cols = r.u16()?;
    let mask_duplicated = r.flag()?;
    let num = r.u64()?;
    let den = r.u64()?;
    let inclusive = r.flag()?;
    let n_filters = r.u8()? as usize;
    let mut filters = Vec::with_capacity(n_filters);
    for _ in 0..n_filters {
        let rows = r.u16()?;
        let cols = r.u16()?;
        let real = r.i16s(rows * cols)?;
        let imag = r.i16s(rows * cols)?;
        let probe_rows = r.positions()?;
        let probe_cols = r.positions()?;
        filters.push(IrisFilter::new(
            IntKernel::new(rows, cols, real, imag),
            ProbeGrid::new(probe_rows, probe_cols),
        ));
    }
    let fragile = if format == FORMAT_FRAGILE {
        let kind = r.u8()?;
        if kind != FRAGILE_POLAR {
            return Err(IrisModelDecodeError::UnsupportedFragileType(kind));
        }
        let [lo, hi, c] = [r.u32()?, r.u32()?, r.u32()?];
        Some(FragileRefinement::from_bits(lo, hi, c)?)
    } else {
        None
    };
    if !r.bytes.is_empty() {
        return Err(IrisModelDecodeError::TrailingBytes(r.bytes.len()));
    }
    let model = IrisModel::new(
        name,
        iris_code_version,
        image_rows,
        image_cols,
        filters,
        MaskRule::new(num, den, inclusive),
        mask_duplicated,
    )?;
    Ok(match fragile {
        Some(f) => model.with_fragile_refinement(f)?,
        None => model,
    })
}
