//! The commitment construction of docs/PROTOCOL.md (v2): our native code, our gadget and an
//! independent implementation on circomlibjs's Poseidon (tools/js/commitment.js) all give the
//! published vectors.

use ark_bn254::Fr;
use serde_json::Value;
use zkbio_circuits::builder::{Builder, WitnessBuilder};
use zkbio_circuits::gadgets::bits::alloc_byte;
use zkbio_circuits::gadgets::commitment::{
    alloc_int8, commit, commit_gadget, commit_int8_tensor, commit_int8_tensor_gadget, int8_byte,
    CommitKind, Geometry,
};

fn kind(k: u64) -> CommitKind {
    match k {
        1 => CommitKind::IrisImage,
        2 => CommitKind::FaceImage,
        3 => CommitKind::IrisCode,
        4 => CommitKind::FaceEmbedding,
        5 => CommitKind::Int8Tensor,
        255 => CommitKind::Test,
        _ => panic!("unknown kind {k}"),
    }
}

/// A published vector, its data expanded.
struct Vector {
    name: String,
    kind: u64,
    dims: Vec<usize>,
    bytes: Vec<u8>,
    int8: Option<Vec<i8>>,
    salt: String,
    commitment: String,
}

fn vectors() -> Vec<Vector> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/commitment-vectors.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(doc["version"], 2);
    let str_of = |v: &Value, k: &str| v[k].as_str().unwrap_or_else(|| panic!("no {k}")).to_owned();
    doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let int8: Option<Vec<i8>> = v["int8_values"].as_array().map(|a| {
                a.iter()
                    .map(|q| i8::try_from(q.as_i64().unwrap()).unwrap())
                    .collect()
            });
            // Data is given as hex, as an affine byte pattern (too long to print), or as int8
            // values (committed to as q + 128).
            let bytes = if let Some(hex_bytes) = v["bytes_hex"].as_str() {
                hex::decode(hex_bytes).unwrap()
            } else if let Some(p) = v["bytes_affine"].as_object() {
                let n = |k: &str| p[k].as_u64().unwrap() as usize;
                (0..n("len"))
                    .map(|i| ((n("mul") * i + n("add")) % 256) as u8)
                    .collect()
            } else {
                int8.as_ref()
                    .expect("some data")
                    .iter()
                    .map(|&q| int8_byte(q))
                    .collect()
            };
            Vector {
                name: str_of(v, "name"),
                kind: v["kind"].as_u64().unwrap(),
                dims: v["geometry"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d.as_u64().unwrap() as usize)
                    .collect(),
                bytes,
                int8,
                salt: str_of(v, "salt"),
                commitment: str_of(v, "commitment"),
            }
        })
        .collect()
}

fn geometry_arg(dims: &[usize]) -> String {
    if dims.is_empty() {
        return "-".into();
    }
    dims.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// circomlibjs's commitment of `bytes` (passed through a file: a full-size image's hex is too
/// long for one argument).
fn js_commit(kind: u64, dims: &[usize], bytes: &[u8], salt: &str) -> String {
    // Tests run in parallel: one file per call.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let file = dir.join(format!("commitment-{}-{call}.hex", std::process::id()));
    std::fs::write(&file, hex::encode(bytes)).unwrap();
    let data = format!("@{}", file.display());
    let out = zkbio_tests::node(
        "commitment.js",
        &[&kind.to_string(), &geometry_arg(dims), &data, salt],
    );
    std::fs::remove_file(&file).unwrap();
    out.trim().to_owned()
}

fn js_commit_int8(dims: &[usize], values: &[i8], salt: &str) -> String {
    let list: Vec<String> = values.iter().map(|q| q.to_string()).collect();
    let data = format!("int8:{}", list.join(","));
    zkbio_tests::node("commitment.js", &["5", &geometry_arg(dims), &data, salt])
        .trim()
        .to_owned()
}

#[test]
fn published_vectors_match_native_gadget_and_circomlibjs() {
    let vectors = vectors();
    assert!(vectors.len() >= 12);
    for v in &vectors {
        let name = &v.name;
        let geometry = Geometry::new(&v.dims).unwrap();
        let salt: Fr = v.salt.parse().unwrap();
        let expected: Fr = v.commitment.parse().unwrap();

        assert_eq!(
            commit(kind(v.kind), &geometry, &v.bytes, salt),
            expected,
            "native: {name}"
        );

        let mut wb = WitnessBuilder::new();
        let vars: Vec<Fr> = v.bytes.iter().map(|&b| alloc_byte(&mut wb, b)).collect();
        let s = wb.alloc(salt);
        assert_eq!(
            commit_gadget(&mut wb, kind(v.kind), &geometry, &vars, &s),
            expected,
            "gadget: {name}"
        );

        assert_eq!(
            js_commit(v.kind, &v.dims, &v.bytes, &v.salt),
            v.commitment,
            "circomlibjs: {name}"
        );

        if let Some(values) = &v.int8 {
            assert_eq!(v.kind, 5, "{name}");
            assert_eq!(
                commit_int8_tensor(&geometry, values, salt),
                Ok(expected),
                "native int8: {name}"
            );
            let mut wb = WitnessBuilder::new();
            let bytes: Vec<Fr> = values
                .iter()
                .map(|&q| alloc_int8(&mut wb, q).byte)
                .collect();
            let s = wb.alloc(salt);
            assert_eq!(
                commit_int8_tensor_gadget(&mut wb, &geometry, &bytes, &s),
                Ok(expected),
                "gadget int8: {name}"
            );
            assert_eq!(
                js_commit_int8(&v.dims, values, &v.salt),
                v.commitment,
                "circomlibjs int8: {name}"
            );
        }
    }
}

/// The audit's finding (row 6): construction v1 bound only the length, so the same bytes as a
/// 128x512 and as a 256x256 image had one commitment. The published pairs hold the same bytes,
/// kind and salt under two geometries; their commitments must differ.
#[test]
fn published_pairs_differ_only_by_geometry_and_their_commitments_differ() {
    let vectors = vectors();
    let find = |name: &str| {
        vectors
            .iter()
            .find(|v| v.name == name)
            .unwrap_or_else(|| panic!("vector {name:?}"))
    };
    for (a, b) in [
        (
            "iris image: full size 128x512",
            "iris image: the same bytes as 256x256",
        ),
        (
            "int8 tensor: 2x6 of the same values",
            "int8 tensor: 3x4 of the same values",
        ),
    ] {
        let (a, b) = (find(a), find(b));
        assert_eq!(
            (a.kind, &a.bytes, &a.salt),
            (b.kind, &b.bytes, &b.salt),
            "{} / {}",
            a.name,
            b.name
        );
        assert_ne!(a.dims, b.dims);
        assert_ne!(a.commitment, b.commitment, "{} / {}", a.name, b.name);
    }
    let full = find("iris image: full size 128x512");
    assert_eq!(full.dims, [128, 512]);
    assert_eq!(full.bytes.len(), 128 * 512 + 128 * 512 / 8);
}

#[test]
fn circomlibjs_agrees_on_random_inputs() {
    // Inputs nobody chose by hand: lengths around the 31-byte and 11-element boundaries, and
    // geometries of every rank.
    let dims: [&[usize]; 7] = [
        &[5],
        &[2, 15],
        &[62, 1, 1],
        &[4, 5, 17, 1],
        &[341],
        &[1, 343],
        &[7, 100],
    ];
    for (i, dims) in dims.into_iter().enumerate() {
        let len: usize = dims.iter().product();
        let bytes: Vec<u8> = (0..len)
            .map(|j| ((j * 2654435761 + i * 97) >> 7) as u8)
            .collect();
        let salt = Fr::from(0xdead_beef_u64 + i as u64);
        let geometry = Geometry::new(dims).unwrap();
        let ours = commit(CommitKind::IrisCode, &geometry, &bytes, salt);
        let js = js_commit(3, dims, &bytes, &salt.to_string());
        assert_eq!(js, ours.to_string(), "{dims:?}");

        let values: Vec<i8> = bytes.iter().map(|&b| b as i8).collect();
        let ours = commit_int8_tensor(&geometry, &values, salt).unwrap();
        let js = js_commit_int8(dims, &values, &salt.to_string());
        assert_eq!(js, ours.to_string(), "int8 {dims:?}");
    }
}

#[test]
fn poseidon_gadget_and_native_match_circomlibjs_for_every_width() {
    use zkbio_circuits::gadgets::poseidon::{hash, poseidon, MAX_INPUTS};
    let vectors: Vec<Vec<Fr>> = (1..=MAX_INPUTS)
        .map(|n| {
            (0..n)
                .map(|i| {
                    Fr::from(0x1234_5678_9abc_u64 * (n as u64) + i as u64) - Fr::from(n as u64 * 3)
                })
                .collect()
        })
        .collect();
    let arg: Vec<Vec<String>> = vectors
        .iter()
        .map(|v| v.iter().map(|x| x.to_string()).collect())
        .collect();
    let js: Vec<String> = serde_json::from_str(&zkbio_tests::node(
        "poseidon.js",
        &[&serde_json::to_string(&arg).unwrap()],
    ))
    .unwrap();
    assert_eq!(js.len(), MAX_INPUTS);
    for (v, expected) in vectors.iter().zip(&js) {
        let expected: Fr = expected.parse().unwrap();
        assert_eq!(hash(v), expected, "native, {} inputs", v.len());
        let mut wb = WitnessBuilder::new();
        let vars: Vec<Fr> = v.iter().map(|x| wb.alloc(*x)).collect();
        assert_eq!(
            poseidon(&mut wb, &vars),
            expected,
            "gadget, {} inputs",
            v.len()
        );
    }
}
