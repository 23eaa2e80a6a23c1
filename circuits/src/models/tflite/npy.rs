//! NumPy `.npy` files (format versions 1.0–3.0) for tensors: `int8`, `uint8`, `int32` and
//! `float32`, little-endian, C order.
//!
//! Hand-written rather than `npyz`: the subset is ~150 lines, and the reader sees files from
//! users, so it is written as hostile-input code (every length checked, element count limited,
//! typed errors). The header is NumPy's Python-literal dict; only the three keys NumPy writes
//! (`descr`, `fortran_order`, `shape`) are accepted.

/// Most elements in an array read from a file (2^26).
pub const MAX_ELEMENTS: usize = 1 << 26;
const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// Why a `.npy` file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NpyError {
    /// Not a `.npy` file (bad magic or version).
    #[error("not a .npy file (bad magic or unsupported version)")]
    NotNpy,
    /// The file ends before its header or data does.
    #[error(".npy file is truncated: {0}")]
    Truncated(&'static str),
    /// The header dict is not what NumPy writes.
    #[error(".npy header is malformed: {0}")]
    BadHeader(String),
    /// The element type is not one of `|i1`, `|u1`, `<i4`, `<f4`.
    #[error(".npy dtype {0:?} is not supported (int8, uint8, little-endian int32 or float32)")]
    UnsupportedDtype(String),
    /// Fortran-order arrays are not supported.
    #[error(".npy array is in Fortran order; C order is required")]
    FortranOrder,
    /// Too many elements.
    #[error(".npy array has {0} elements, over the limit")]
    TooLarge(u128),
    /// The data is not exactly the size the header announces.
    #[error(".npy data is {got} bytes, the header announces {expected}")]
    DataLength {
        /// Bytes announced.
        expected: usize,
        /// Bytes present.
        got: usize,
    },
}

/// Array elements.
#[derive(Debug, Clone, PartialEq)]
pub enum NpyData {
    /// `int8` (`|i1`).
    I8(Vec<i8>),
    /// `uint8` (`|u1`).
    U8(Vec<u8>),
    /// `int32` (`<i4`).
    I32(Vec<i32>),
    /// `float32` (`<f4`).
    F32(Vec<f32>),
}

impl NpyData {
    fn descr(&self) -> &'static str {
        match self {
            NpyData::I8(_) => "|i1",
            NpyData::U8(_) => "|u1",
            NpyData::I32(_) => "<i4",
            NpyData::F32(_) => "<f4",
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            NpyData::I8(v) => v.len(),
            NpyData::U8(v) => v.len(),
            NpyData::I32(v) => v.len(),
            NpyData::F32(v) => v.len(),
        }
    }

    /// `true` if there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// NumPy's dtype name (`int8`, …).
    pub fn dtype_name(&self) -> &'static str {
        match self {
            NpyData::I8(_) => "int8",
            NpyData::U8(_) => "uint8",
            NpyData::I32(_) => "int32",
            NpyData::F32(_) => "float32",
        }
    }
}

/// An array: shape (C order) and elements.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    /// Dimensions (empty for a scalar).
    pub shape: Vec<usize>,
    /// Elements, row-major.
    pub data: NpyData,
}

/// Parse a `.npy` file.
pub fn read(bytes: &[u8]) -> Result<NpyArray, NpyError> {
    if bytes.len() < 8 {
        return Err(if bytes.starts_with(&MAGIC[..bytes.len().min(6)]) {
            NpyError::Truncated("header")
        } else {
            NpyError::NotNpy
        });
    }
    if &bytes[..6] != MAGIC {
        return Err(NpyError::NotNpy);
    }
    let (header_len, start) = match bytes[6] {
        1 => {
            let b = bytes
                .get(8..10)
                .ok_or(NpyError::Truncated("header length"))?;
            (u16::from_le_bytes([b[0], b[1]]) as usize, 10)
        }
        2 | 3 => {
            let b = bytes
                .get(8..12)
                .ok_or(NpyError::Truncated("header length"))?;
            (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 12)
        }
        _ => return Err(NpyError::NotNpy),
    };
    if header_len > 1 << 16 {
        return Err(NpyError::BadHeader("header longer than 64 KiB".into()));
    }
    let header = bytes
        .get(start..start + header_len)
        .ok_or(NpyError::Truncated("header"))?;
    let header =
        std::str::from_utf8(header).map_err(|_| NpyError::BadHeader("not UTF-8".into()))?;
    let (descr, fortran, shape) = parse_header(header)?;
    if fortran {
        return Err(NpyError::FortranOrder);
    }
    let count: u128 = shape.iter().map(|&d| d as u128).product();
    if count > MAX_ELEMENTS as u128 {
        return Err(NpyError::TooLarge(count));
    }
    let count = count as usize;
    let width = match descr.as_str() {
        "|i1" | "i1" | "|u1" | "u1" => 1,
        "<i4" | "<f4" => 4,
        _ => return Err(NpyError::UnsupportedDtype(descr)),
    };
    let data = &bytes[start + header_len..];
    if data.len() != count * width {
        return Err(NpyError::DataLength {
            expected: count * width,
            got: data.len(),
        });
    }
    let words = || data.chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]);
    let data = match descr.as_str() {
        "|i1" | "i1" => NpyData::I8(data.iter().map(|&b| b as i8).collect()),
        "|u1" | "u1" => NpyData::U8(data.to_vec()),
        "<i4" => NpyData::I32(words().map(i32::from_le_bytes).collect()),
        _ => NpyData::F32(words().map(f32::from_le_bytes).collect()),
    };
    Ok(NpyArray { shape, data })
}

/// Parse `{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }` (keys in any order).
fn parse_header(h: &str) -> Result<(String, bool, Vec<usize>), NpyError> {
    let bad = |why: &str| NpyError::BadHeader(why.to_owned());
    let body = h
        .trim_end_matches(['\n', ' '])
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .ok_or_else(|| bad("not a dict"))?;
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    let mut rest = body.trim();
    while !rest.is_empty() {
        let r = rest
            .strip_prefix('\'')
            .ok_or_else(|| bad("key is not quoted"))?;
        let end = r.find('\'').ok_or_else(|| bad("unterminated key"))?;
        let key = &r[..end];
        let r = r[end + 1..]
            .trim_start()
            .strip_prefix(':')
            .ok_or_else(|| bad("missing ':'"))?
            .trim_start();
        let (value, r) = if let Some(v) = r.strip_prefix('\'') {
            let end = v.find('\'').ok_or_else(|| bad("unterminated string"))?;
            (&v[..end], &v[end + 1..])
        } else if r.starts_with('(') {
            let end = r.find(')').ok_or_else(|| bad("unterminated tuple"))?;
            (&r[..=end], &r[end + 1..])
        } else {
            let end = r.find(',').unwrap_or(r.len());
            (r[..end].trim(), &r[end..])
        };
        match key {
            "descr" if descr.is_none() => descr = Some(value.to_owned()),
            "fortran_order" if fortran.is_none() => {
                fortran = Some(match value {
                    "False" => false,
                    "True" => true,
                    _ => return Err(bad("fortran_order is not a bool")),
                })
            }
            "shape" if shape.is_none() => {
                let inner = value
                    .strip_prefix('(')
                    .and_then(|v| v.strip_suffix(')'))
                    .ok_or_else(|| bad("shape is not a tuple"))?;
                let dims = inner
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| {
                        s.parse::<usize>()
                            .map_err(|_| bad("shape has a non-integer dimension"))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                if dims.len() > 32 {
                    return Err(bad("more than 32 dimensions"));
                }
                shape = Some(dims);
            }
            _ => {
                return Err(NpyError::BadHeader(format!(
                    "unexpected or repeated key {key:?}"
                )))
            }
        }
        let r = r.trim_start();
        rest = r.strip_prefix(',').unwrap_or(r).trim_start();
    }
    Ok((
        descr.ok_or_else(|| bad("no descr"))?,
        fortran.ok_or_else(|| bad("no fortran_order"))?,
        shape.ok_or_else(|| bad("no shape"))?,
    ))
}

/// Serialize as a version 1.0 `.npy` file, as `numpy.save` does (header padded to 64 bytes).
pub fn write(a: &NpyArray) -> Vec<u8> {
    let dims: Vec<String> = a.shape.iter().map(|d| d.to_string()).collect();
    let shape = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut header = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {shape}, }}",
        a.data.descr()
    );
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + a.data.len() * 4);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    match &a.data {
        NpyData::I8(v) => out.extend(v.iter().map(|&x| x as u8)),
        NpyData::U8(v) => out.extend_from_slice(v),
        NpyData::I32(v) => v
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        NpyData::F32(v) => v
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_dtype() {
        for data in [
            NpyData::I8(vec![-128, 0, 127, 5, -7, 1]),
            NpyData::U8(vec![0, 255, 3, 4, 5, 6]),
            NpyData::I32(vec![i32::MIN, -1, 0, 1, i32::MAX, 42]),
            NpyData::F32(vec![0.5, -1.25, 3.0, 1e-3, -0.0, 7.0]),
        ] {
            let a = NpyArray {
                shape: vec![2, 3],
                data,
            };
            let bytes = write(&a);
            assert_eq!(
                (bytes.len()
                    - a.data.len()
                        * if matches!(a.data, NpyData::I32(_) | NpyData::F32(_)) {
                            4
                        } else {
                            1
                        })
                    % 64,
                0
            );
            assert_eq!(read(&bytes).unwrap(), a);
        }
        let scalar = NpyArray {
            shape: vec![],
            data: NpyData::I8(vec![3]),
        };
        assert_eq!(read(&write(&scalar)).unwrap(), scalar);
        let vector = NpyArray {
            shape: vec![4],
            data: NpyData::I8(vec![1, 2, 3, 4]),
        };
        assert!(String::from_utf8_lossy(&write(&vector)).contains("'shape': (4,)"));
        assert_eq!(read(&write(&vector)).unwrap(), vector);
    }

    #[test]
    fn reads_version_2_headers() {
        let v1 = write(&NpyArray {
            shape: vec![1, 2],
            data: NpyData::I8(vec![1, -2]),
        });
        let hl = u16::from_le_bytes([v1[8], v1[9]]) as u32;
        let mut v2 = b"\x93NUMPY\x02\x00".to_vec();
        v2.extend_from_slice(&hl.to_le_bytes());
        v2.extend_from_slice(&v1[10..]);
        assert_eq!(read(&v2).unwrap(), read(&v1).unwrap());
    }

    #[test]
    fn refuses_hostile_files() {
        let good = write(&NpyArray {
            shape: vec![2, 2],
            data: NpyData::I32(vec![1, 2, 3, 4]),
        });
        for n in 0..good.len() {
            assert!(read(&good[..n]).is_err(), "truncated at {n}");
        }
        let mut extra = good.clone();
        extra.push(0);
        assert!(matches!(read(&extra), Err(NpyError::DataLength { .. })));
        assert_eq!(read(b"PK\x03\x04zipfile!"), Err(NpyError::NotNpy));
        // Replace header text in place (same length, so the header length stays right).
        let swap = |from: &str, to: &str| {
            assert_eq!(from.len(), to.len());
            let mut f = good.clone();
            let at = f
                .windows(from.len())
                .position(|w| w == from.as_bytes())
                .unwrap();
            f[at..at + to.len()].copy_from_slice(to.as_bytes());
            read(&f)
        };
        assert!(matches!(
            swap("<i4", ">i4"),
            Err(NpyError::UnsupportedDtype(_))
        ));
        assert!(matches!(
            swap("'fortran_order': False", "'fortran_order': True "),
            Err(NpyError::FortranOrder)
        ));
        assert!(matches!(
            swap("(2, 2), }              ", "(99999999, 99999999), }"),
            Err(NpyError::TooLarge(_))
        ));
        assert!(matches!(
            swap("(2, 2)", "(2, x)"),
            Err(NpyError::BadHeader(_))
        ));
        assert!(matches!(
            swap("'descr'", "'dtype'"),
            Err(NpyError::BadHeader(_))
        ));
    }
}
