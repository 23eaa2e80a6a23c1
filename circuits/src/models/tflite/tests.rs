//! Hostile-input tests of the reader and loader: one per class of malformed or unsupported file,
//! on real converter output (the committed fixtures) and on files built here byte by byte.

use super::reader::{TfliteError, MAX_FILE_BYTES};
use super::{model_hash, Model};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/tflite")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A minimal FlatBuffers writer for test files: objects are laid out front to back, each child
/// after its parent, so every `uoffset` points forward as the format requires.
mod fb {
    /// A field value or object.
    pub enum V {
        U8(u8),
        I32(i32),
        U32(u32),
        U64(u64),
        /// A table: `(slot, value)` fields.
        T(Vec<(u16, V)>),
        VI32(Vec<i32>),
        VI64(Vec<i64>),
        VF32(Vec<f32>),
        Bytes(Vec<u8>),
        Str(&'static str),
        /// A vector of tables.
        VT(Vec<V>),
    }

    fn align(buf: &mut Vec<u8>, a: usize) {
        while !buf.len().is_multiple_of(a) {
            buf.push(0);
        }
    }

    fn is_offset(v: &V) -> bool {
        !matches!(v, V::U8(_) | V::I32(_) | V::U32(_) | V::U64(_))
    }

    /// Write an object (not a scalar) and return its position.
    fn object(buf: &mut Vec<u8>, v: &V) -> usize {
        align(buf, 4);
        match v {
            V::T(fields) => {
                let nslots = fields
                    .iter()
                    .map(|(s, _)| *s as usize + 1)
                    .max()
                    .unwrap_or(0);
                // Table body layout: soffset, then each field at a 4- or 8-aligned offset.
                let mut offs = vec![0u16; nslots];
                let mut body_len = 4usize;
                let mut layout = Vec::new();
                for (slot, val) in fields {
                    let size = match val {
                        V::U8(_) => 1,
                        V::U64(_) => 8,
                        _ => 4,
                    };
                    body_len = body_len.next_multiple_of(size);
                    offs[*slot as usize] = body_len as u16;
                    layout.push((body_len, val));
                    body_len += size;
                }
                let body_len = body_len.next_multiple_of(4);
                let vt_len = 4 + 2 * nslots;
                let vt = buf.len();
                buf.extend_from_slice(&(vt_len as u16).to_le_bytes());
                buf.extend_from_slice(&(body_len as u16).to_le_bytes());
                for o in &offs {
                    buf.extend_from_slice(&o.to_le_bytes());
                }
                align(buf, 8);
                let t = buf.len();
                buf.resize(t + body_len, 0);
                buf[t..t + 4].copy_from_slice(&((t - vt) as i32).to_le_bytes());
                let mut children = Vec::new();
                for (off, val) in layout {
                    let p = t + off;
                    match val {
                        V::U8(x) => buf[p] = *x,
                        V::I32(x) => buf[p..p + 4].copy_from_slice(&x.to_le_bytes()),
                        V::U32(x) => buf[p..p + 4].copy_from_slice(&x.to_le_bytes()),
                        V::U64(x) => buf[p..p + 8].copy_from_slice(&x.to_le_bytes()),
                        other => children.push((p, other)),
                    }
                }
                for (p, child) in children {
                    let c = object(buf, child);
                    buf[p..p + 4].copy_from_slice(&((c - p) as u32).to_le_bytes());
                }
                t
            }
            V::VT(items) => {
                let start = buf.len();
                buf.extend_from_slice(&(items.len() as u32).to_le_bytes());
                buf.resize(start + 4 + 4 * items.len(), 0);
                for (i, item) in items.iter().enumerate() {
                    let p = start + 4 + 4 * i;
                    let c = object(buf, item);
                    buf[p..p + 4].copy_from_slice(&((c - p) as u32).to_le_bytes());
                }
                start
            }
            V::VI32(x) => vector(buf, x.len(), x.iter().flat_map(|v| v.to_le_bytes())),
            V::VF32(x) => vector(buf, x.len(), x.iter().flat_map(|v| v.to_le_bytes())),
            V::VI64(x) => {
                if buf.len().is_multiple_of(8) {
                    buf.extend_from_slice(&[0; 4]);
                }
                vector(buf, x.len(), x.iter().flat_map(|v| v.to_le_bytes()))
            }
            V::Bytes(x) => vector(buf, x.len(), x.iter().copied()),
            V::Str(s) => {
                let p = vector(buf, s.len(), s.bytes());
                buf.push(0);
                p
            }
            V::U8(_) | V::I32(_) | V::U32(_) | V::U64(_) => unreachable!("scalars are inline"),
        }
    }

    fn vector(buf: &mut Vec<u8>, n: usize, bytes: impl Iterator<Item = u8>) -> usize {
        let p = buf.len();
        buf.extend_from_slice(&(n as u32).to_le_bytes());
        buf.extend(bytes);
        p
    }

    /// A whole file with identifier `TFL3` and `root` as the root table.
    pub fn file(root: &V) -> Vec<u8> {
        assert!(is_offset(root));
        let mut buf = vec![0u8; 8];
        buf[4..8].copy_from_slice(b"TFL3");
        let r = object(&mut buf, root);
        buf[0..4].copy_from_slice(&(r as u32).to_le_bytes());
        buf
    }
}

use fb::V;

/// An int8 activation tensor (per-tensor quantization, no data).
fn act(shape: Vec<i32>, scale: f32, zp: i64) -> V {
    V::T(vec![
        (0, V::VI32(shape)),
        (1, V::U8(9)),
        (2, V::U32(0)),
        (3, V::Str("t")),
        (
            4,
            V::T(vec![(2, V::VF32(vec![scale])), (3, V::VI64(vec![zp]))]),
        ),
    ])
}

/// A model: one subgraph with these tensors, operators (`(opcode, inputs, outputs)`), inputs and
/// outputs; `codes` are builtin operator codes; `buffers` are buffer data (buffer 0 is empty).
fn model(
    tensors: Vec<V>,
    ops: Vec<(u32, Vec<i32>, Vec<i32>)>,
    io: (i32, i32),
    codes: Vec<i32>,
    buffers: Vec<Vec<u8>>,
) -> Vec<u8> {
    let ops = ops
        .into_iter()
        .map(|(c, i, o)| V::T(vec![(0, V::U32(c)), (1, V::VI32(i)), (2, V::VI32(o))]))
        .collect();
    let codes = codes
        .into_iter()
        .map(|c| {
            V::T(vec![
                (0, V::U8(c.min(127) as u8)),
                (2, V::I32(1)),
                (3, V::I32(c)),
            ])
        })
        .collect();
    let mut bufs = vec![V::T(vec![])];
    bufs.extend(buffers.into_iter().map(|b| V::T(vec![(0, V::Bytes(b))])));
    fb::file(&V::T(vec![
        (0, V::U32(3)),
        (1, V::VT(codes)),
        (
            2,
            V::VT(vec![V::T(vec![
                (0, V::VT(tensors)),
                (1, V::VI32(vec![io.0])),
                (2, V::VI32(vec![io.1])),
                (3, V::VT(ops)),
            ])]),
        ),
        (4, V::VT(bufs)),
    ]))
}

/// A valid two-op model: RESHAPE [1,2,2,1] -> [1,4], then RESHAPE back.
fn reshape_model() -> Vec<u8> {
    model(
        vec![
            act(vec![1, 2, 2, 1], 0.5, 3),
            act(vec![1, 4], 0.5, 3),
            act(vec![1, 2, 2, 1], 0.5, 3),
        ],
        vec![(0, vec![0], vec![1]), (0, vec![1], vec![2])],
        (0, 2),
        vec![22],
        vec![],
    )
}

#[test]
fn the_test_writer_makes_files_the_loader_accepts() {
    let m = Model::from_bytes(&reshape_model()).unwrap();
    assert_eq!(m.ops.len(), 2);
    let out = super::run(&m, &[1, -2, 3, 127]).unwrap();
    assert_eq!(out.output(), &[1, -2, 3, 127]);
}

#[test]
fn truncated_files_are_refused_without_panicking() {
    let good = fixture("model_f00.tflite");
    Model::from_bytes(&good).unwrap();
    let mut out_of_bounds = 0;
    for n in 0..good.len() {
        match Model::from_bytes(&good[..n]) {
            Ok(_) => panic!("a file truncated to {n} bytes was accepted"),
            Err(TfliteError::Truncated { len }) => assert!(n < 8 && len == n),
            Err(TfliteError::OutOfBounds { .. }) => out_of_bounds += 1,
            Err(_) => {}
        }
    }
    assert!(out_of_bounds > good.len() / 2, "{out_of_bounds}");
}

#[test]
fn a_wrong_file_identifier_is_refused() {
    let mut f = fixture("model_f00.tflite");
    f[4..8].copy_from_slice(b"TFL2");
    assert_eq!(
        Model::from_bytes(&f),
        Err(TfliteError::BadIdentifier { found: *b"TFL2" })
    );
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    assert!(matches!(
        Model::from_bytes(png),
        Err(TfliteError::BadIdentifier { .. })
    ));
}

#[test]
fn offsets_out_of_range_are_refused() {
    let good = reshape_model();
    // The root offset points past the end.
    let mut f = good.clone();
    f[0..4].copy_from_slice(&(good.len() as u32 + 16).to_le_bytes());
    assert!(matches!(
        Model::from_bytes(&f),
        Err(TfliteError::OutOfBounds { .. })
    ));
    // The root table's vtable offset points before the start of the file.
    let root = u32::from_le_bytes(good[0..4].try_into().unwrap()) as usize;
    let mut f = good.clone();
    f[root..root + 4].copy_from_slice(&(-(1i32 << 20)).to_le_bytes()); // vtable before the file start
    assert!(matches!(
        Model::from_bytes(&f),
        Err(TfliteError::OutOfBounds { .. })
    ));
    // Every single-word corruption of a real file is refused or accepted, never a panic; many
    // are refused as out of range.
    let real = fixture("model_f12.tflite");
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let mut refused = 0;
    for _ in 0..3000 {
        let mut f = real.clone();
        let at = (rng.next_u32() as usize % (f.len() / 4)) * 4;
        let v = match rng.next_u32() % 4 {
            0 => 0xffff_fff0u32,
            1 => rng.next_u32(),
            2 => u32::from_le_bytes(f[at..at + 4].try_into().unwrap()).wrapping_add(4),
            _ => f.len() as u32,
        };
        f[at..at + 4].copy_from_slice(&v.to_le_bytes());
        if let Err(e) = Model::from_bytes(&f) {
            refused += 1;
            let _ = e.to_string();
        }
    }
    assert!(refused > 1000, "{refused}");
}

#[test]
fn huge_shapes_and_counts_are_refused() {
    let huge = model(
        vec![act(vec![1, 65536, 65536, 1], 0.5, 0)],
        vec![],
        (0, 0),
        vec![],
        vec![],
    );
    assert!(matches!(
        Model::from_bytes(&huge),
        Err(TfliteError::Limit {
            what: "tensor elements",
            ..
        })
    ));
    let rank5 = model(
        vec![act(vec![1, 1, 1, 1, 1], 0.5, 0)],
        vec![],
        (0, 0),
        vec![],
        vec![],
    );
    assert!(matches!(
        Model::from_bytes(&rank5),
        Err(TfliteError::Limit {
            what: "Tensor.shape",
            ..
        })
    ));
    let negative = model(
        vec![act(vec![1, -1, 2, 1], 0.5, 0)],
        vec![],
        (0, 0),
        vec![],
        vec![],
    );
    assert!(matches!(
        Model::from_bytes(&negative),
        Err(TfliteError::BadTensor { tensor: 0, .. })
    ));
    let too_big = vec![0u8; MAX_FILE_BYTES + 1];
    assert!(matches!(
        Model::from_bytes(&too_big),
        Err(TfliteError::FileTooLarge { .. })
    ));
    // A constant whose buffer does not match its shape.
    let mut t = act(vec![1, 4], 0.5, 0);
    if let V::T(fields) = &mut t {
        fields[2] = (2, V::U32(1));
    }
    let short = model(
        vec![act(vec![1, 4], 0.5, 0), t],
        vec![],
        (0, 0),
        vec![],
        vec![vec![1, 2, 3]],
    );
    assert!(matches!(
        Model::from_bytes(&short),
        Err(TfliteError::BadTensor { tensor: 1, .. })
    ));
}

#[test]
fn unsupported_ops_are_named_with_their_index() {
    // Converter output: CONV_2D then LOGISTIC.
    match Model::from_bytes(&fixture("bad_logistic.tflite")) {
        Err(TfliteError::UnsupportedOp { index, op }) => {
            assert_eq!(op, "LOGISTIC");
            assert_eq!(index, 1);
        }
        other => panic!("{other:?}"),
    }
    // A hand-made model whose second operator is TANH (28).
    let f = model(
        vec![
            act(vec![1, 4], 0.5, 0),
            act(vec![1, 4], 0.5, 0),
            act(vec![1, 4], 0.5, 0),
        ],
        vec![(0, vec![0], vec![1]), (1, vec![1], vec![2])],
        (0, 2),
        vec![22, 28],
        vec![],
    );
    let e = Model::from_bytes(&f).unwrap_err();
    assert_eq!(
        e,
        TfliteError::UnsupportedOp {
            index: 1,
            op: "TANH".into()
        }
    );
    assert_eq!(e.to_string(), "operator 1 is TANH, which is not supported");
    // A new-style code above 127 (deprecated_builtin_code saturated at 127: PLACEHOLDER).
    let f = model(
        vec![act(vec![1, 4], 0.5, 0), act(vec![1, 4], 0.5, 0)],
        vec![(0, vec![0], vec![1])],
        (0, 1),
        vec![150],
        vec![],
    );
    assert_eq!(
        Model::from_bytes(&f),
        Err(TfliteError::UnsupportedOp {
            index: 0,
            op: "GELU".into()
        })
    );
}

#[test]
fn float_models_are_refused() {
    assert!(matches!(
        Model::from_bytes(&fixture("bad_float.tflite")),
        Err(TfliteError::FloatModel {
            dtype: "FLOAT32",
            ..
        })
    ));
}

#[test]
fn non_int8_inputs_and_outputs_are_refused() {
    match Model::from_bytes(&fixture("bad_uint8_io.tflite")) {
        Err(TfliteError::IoType {
            which: "input",
            dtype,
            ..
        }) => assert_eq!(dtype, "UINT8"),
        other => panic!("{other:?}"),
    }
    // An int32 output.
    let mut out = act(vec![1, 4], 0.5, 0);
    if let V::T(fields) = &mut out {
        fields[1] = (1, V::U8(2));
        fields.truncate(4);
    }
    let f = model(
        vec![act(vec![1, 4], 0.5, 0), out],
        vec![(0, vec![0], vec![1])],
        (0, 1),
        vec![22],
        vec![],
    );
    assert!(matches!(
        Model::from_bytes(&f),
        Err(TfliteError::IoType {
            which: "output",
            tensor: 1,
            ..
        })
    ));
    // A per-axis quantized input.
    let input = V::T(vec![
        (0, V::VI32(vec![1, 2])),
        (1, V::U8(9)),
        (
            4,
            V::T(vec![
                (2, V::VF32(vec![0.5, 0.25])),
                (3, V::VI64(vec![0, 0])),
                (6, V::I32(1)),
            ]),
        ),
    ]);
    let f = model(
        vec![input, act(vec![1, 2], 0.5, 0)],
        vec![(0, vec![0], vec![1])],
        (0, 1),
        vec![22],
        vec![],
    );
    assert!(matches!(
        Model::from_bytes(&f),
        Err(TfliteError::IoType { which: "input", .. })
    ));
}

#[test]
fn structural_errors_are_typed() {
    // An operator reading a tensor nothing has written.
    let f = model(
        vec![
            act(vec![1, 4], 0.5, 0),
            act(vec![1, 4], 0.5, 0),
            act(vec![1, 4], 0.5, 0),
        ],
        vec![(0, vec![1], vec![2])],
        (0, 2),
        vec![22],
        vec![],
    );
    assert!(matches!(
        Model::from_bytes(&f),
        Err(TfliteError::Graph { index: 0, .. })
    ));
    // RESHAPE that changes quantization is refused with the op's name and index.
    let f = model(
        vec![act(vec![1, 4], 0.5, 0), act(vec![1, 4], 0.25, 0)],
        vec![(0, vec![0], vec![1])],
        (0, 1),
        vec![22],
        vec![],
    );
    assert!(matches!(
        Model::from_bytes(&f),
        Err(TfliteError::UnsupportedOpParams {
            index: 0,
            op: "RESHAPE",
            ..
        })
    ));
    // An opcode index out of range, and a tensor index out of range.
    let f = model(
        vec![act(vec![1, 4], 0.5, 0), act(vec![1, 4], 0.5, 0)],
        vec![(5, vec![0], vec![1])],
        (0, 1),
        vec![22],
        vec![],
    );
    assert!(matches!(
        Model::from_bytes(&f),
        Err(TfliteError::Malformed(_))
    ));
    let f = model(
        vec![act(vec![1, 4], 0.5, 0), act(vec![1, 4], 0.5, 0)],
        vec![(0, vec![7], vec![1])],
        (0, 1),
        vec![22],
        vec![],
    );
    assert!(matches!(
        Model::from_bytes(&f),
        Err(TfliteError::Malformed(_))
    ));
    // Two subgraphs.
    let sg = || {
        V::T(vec![
            (0, V::VT(vec![act(vec![1], 0.5, 0)])),
            (1, V::VI32(vec![0])),
            (2, V::VI32(vec![0])),
        ])
    };
    let f = fb::file(&V::T(vec![
        (0, V::U32(3)),
        (2, V::VT(vec![sg(), sg()])),
        (4, V::VT(vec![V::T(vec![])])),
    ]));
    assert_eq!(Model::from_bytes(&f), Err(TfliteError::SubgraphCount(2)));
    // A buffer in the offset/size form (data outside the FlatBuffer).
    let f = fb::file(&V::T(vec![
        (0, V::U32(3)),
        (2, V::VT(vec![sg()])),
        (
            4,
            V::VT(vec![
                V::T(vec![]),
                V::T(vec![(1, V::U64(4096)), (2, V::U64(16))]),
            ]),
        ),
    ]));
    assert!(
        matches!(Model::from_bytes(&f), Err(TfliteError::Malformed(m)) if m.contains("offset/size"))
    );
}

#[test]
fn the_same_file_gives_the_same_model_and_the_hash_is_keccak256_of_the_bytes() {
    assert_eq!(
        model_hash(b""),
        [
            0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c, 0x92, 0x7e, 0x7d, 0xb2, 0xdc, 0xc7,
            0x03, 0xc0, 0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82, 0x27, 0x3b, 0x7b, 0xfa, 0xd8, 0x04,
            0x5d, 0x85, 0xa4, 0x70
        ]
    );
    let bytes = fixture("model_f12.tflite");
    let a = Model::from_bytes(&bytes).unwrap();
    let b = Model::from_bytes(&bytes.clone()).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.hash, model_hash(&bytes));
    let mut other = bytes.clone();
    let last = other.len() - 1;
    other[last] ^= 1;
    assert_ne!(model_hash(&other), a.hash);
}

#[test]
fn derived_constants_follow_the_reference_prepare_steps() {
    use super::model::OpKind;
    let m = Model::from_bytes(&fixture("model_f12.tflite")).unwrap();
    for op in &m.ops {
        match &op.kind {
            OpKind::Conv2d(c) => {
                let (s_in, _) = m.tensor(c.input).scale_zero_point().unwrap();
                let (s_out, zp_out) = m.tensor(c.output).scale_zero_point().unwrap();
                let s_w = &m.tensor(c.filter).quant.as_ref().unwrap().scales;
                for (k, q) in c.multipliers.iter().enumerate() {
                    let eff = s_in as f64 * s_w[k] as f64 / s_out as f64;
                    let back = q.multiplier as f64 * 2f64.powi(q.shift - 31);
                    assert!((back / eff - 1.0).abs() < 1e-9, "{eff} {q:?}");
                }
                // Fused RELU: the clamp starts at the output zero point.
                assert_eq!(c.act.min, zp_out.max(-128));
                assert_eq!(c.act.max, 127);
            }
            OpKind::Mean(mean) => {
                assert_eq!(mean.count, 36);
                let b = mean.base_multiplier;
                // sh = floor(log2 36) = 5; M' = (M << 5) / 36; shift' = shift - 5.
                assert_eq!(mean.multiplier.shift, b.shift - 5);
                assert_eq!(
                    mean.multiplier.multiplier as i64,
                    ((b.multiplier as i64) << 5) / 36
                );
            }
            OpKind::FullyConnected(fc) => {
                let (s_in, _) = m.tensor(fc.input).scale_zero_point().unwrap();
                let (s_out, _) = m.tensor(fc.output).scale_zero_point().unwrap();
                let q = m.tensor(fc.weights).quant.as_ref().unwrap();
                for (k, s) in fc.scales.iter().enumerate() {
                    let sw = if q.is_per_tensor() {
                        q.scales[0]
                    } else {
                        q.scales[k]
                    };
                    assert_eq!(s.value, s_in as f64 * sw as f64 / s_out as f64);
                    assert_eq!(s.mantissa as f64 * 2f64.powi(s.exponent), s.value);
                }
            }
            _ => {}
        }
    }
}

#[test]
fn mutated_fixtures_are_refused_or_run_without_panicking() {
    // Byte-level corruption of every committed model; whatever the loader accepts, the
    // interpreter must run (its invariants come from the loader's checks alone).
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tflite");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".tflite") && !n.contains("bench"))
        .collect();
    names.sort();
    let mut rng = ChaCha20Rng::seed_from_u64(12);
    let (mut accepted, mut refused) = (0, 0);
    for name in &names {
        let real = fixture(name);
        for _ in 0..400 {
            let mut f = real.clone();
            for _ in 0..1 + rng.next_u32() % 3 {
                let at = rng.next_u32() as usize % f.len();
                f[at] = rng.next_u32() as u8;
            }
            match Model::from_bytes(&f) {
                Ok(m) => {
                    accepted += 1;
                    let n = m.input_tensor().num_elements();
                    let x: Vec<i8> = (0..n).map(|_| rng.next_u32() as i8).collect();
                    let out = super::run(&m, &x).unwrap();
                    assert_eq!(out.output().len(), m.output_tensor().num_elements());
                }
                Err(_) => refused += 1,
            }
        }
    }
    assert!(
        accepted > 0 && refused > 0,
        "{accepted} accepted, {refused} refused"
    );
}
