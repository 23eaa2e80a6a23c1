//! The commitment construction of docs/PROTOCOL.md: our native code, our gadget and an independent
//! implementation on circomlibjs's Poseidon (tools/js/commitment.js) all give the published vectors.

use ark_bn254::Fr;
use zkbio_circuits::builder::{Builder, WitnessBuilder};
use zkbio_circuits::gadgets::bits::alloc_byte;
use zkbio_circuits::gadgets::commitment::{commit, commit_gadget, CommitKind};

fn kind(k: u64) -> CommitKind {
    match k {
        1 => CommitKind::IrisImage,
        2 => CommitKind::FaceImage,
        3 => CommitKind::IrisCode,
        4 => CommitKind::FaceEmbedding,
        255 => CommitKind::Test,
        _ => panic!("unknown kind {k}"),
    }
}

#[test]
fn published_vectors_match_native_gadget_and_circomlibjs() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/commitment-vectors.json");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 6);
    for v in vectors {
        let name = v["name"].as_str().unwrap();
        let k = v["kind"].as_u64().unwrap();
        let hex_bytes = v["bytes_hex"].as_str().unwrap();
        let bytes = hex::decode(hex_bytes).unwrap();
        let salt: Fr = v["salt"].as_str().unwrap().parse().unwrap();
        let expected: Fr = v["commitment"].as_str().unwrap().parse().unwrap();

        assert_eq!(commit(kind(k), &bytes, salt), expected, "native: {name}");

        let mut wb = WitnessBuilder::new();
        let vars: Vec<Fr> = bytes.iter().map(|&b| alloc_byte(&mut wb, b)).collect();
        let s = wb.alloc(salt);
        assert_eq!(
            commit_gadget(&mut wb, kind(k), &vars, &s),
            expected,
            "gadget: {name}"
        );

        let js = zkbio_tests::node(
            "commitment.js",
            &[&k.to_string(), hex_bytes, v["salt"].as_str().unwrap()],
        );
        assert_eq!(
            js.trim(),
            v["commitment"].as_str().unwrap(),
            "circomlibjs: {name}"
        );
    }
}

#[test]
fn circomlibjs_agrees_on_random_inputs() {
    // Inputs nobody chose by hand: lengths around the 31-byte and 11-element boundaries.
    for (i, len) in [5usize, 30, 62, 340, 341, 343, 700].into_iter().enumerate() {
        let bytes: Vec<u8> = (0..len)
            .map(|j| ((j * 2654435761 + i * 97) >> 7) as u8)
            .collect();
        let salt = Fr::from(0xdead_beef_u64 + i as u64);
        let ours = commit(CommitKind::IrisCode, &bytes, salt);
        let js = zkbio_tests::node(
            "commitment.js",
            &["3", &hex::encode(&bytes), &salt.to_string()],
        );
        assert_eq!(js.trim(), ours.to_string(), "len {len}");
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
