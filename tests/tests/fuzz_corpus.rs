//! The fuzz targets' seed corpora (`fuzz/corpus/TARGET/seed-*`): small valid inputs made by our
//! own writers, so the fuzzers start past the format checks.
//!
//! `fresh_seeds_are_valid_inputs` checks that the seeds made by today's writers get past their
//! target's parser (tests/fuzz_seeds.rs replays the committed ones); `write_fuzz_corpus`
//! (ignored) regenerates them:
//! `cargo test -p zkbio-tests --test fuzz_corpus -- --ignored write_fuzz_corpus`.

use ark_bn254::{Bn254, Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField};
use ark_std::rand::SeedableRng;
use std::path::{Path, PathBuf};
use zkbio_circuits::builder::Builder;
use zkbio_circuits::circom::json::{public_to_json, ProofJson, VerificationKeyJson};
use zkbio_circuits::circom::{r1cs, wtns};
use zkbio_circuits::models::iris::IrisModel;
use zkbio_circuits::{Circuit, SynthesisError};
use zkbio_core::flows::{scanner_enroll, RegistryTarget};
use zkbio_core::fuzzing::targets::{TARGETS, VAULT_KEY};
use zkbio_core::fuzzing::{decode_bundle, encode_bundle, encode_state, seal_record};
use zkbio_core::groth16::key_file::{key_to_bytes, KeyView};
use zkbio_core::groth16::key_transport::compress_key;
use zkbio_core::groth16::progress::Silent;
use zkbio_core::groth16::zkey_convert::to_zkey;
use zkbio_core::groth16::{dev_setup_insecure, prove, Proof};
use zkbio_core::package::{Artifact, ArtifactRole, Manifest, ModelKind, MANIFEST_FORMAT};
use zkbio_core::registry::{Address, LocalSigner};
use zkbio_core::vault::{
    CodeOpening, EmbeddingOpening, FaceImage, FaceModelState, FieldBytes, IrisModelState,
    IrisSample, KeyId, RecordId, Salt, VaultKey,
};

/// The record id and version of the `vault_record` seeds.
const RECORD: (&str, u64) = ("alice", 1);
/// The scanner key of the transfer seeds (its address is in the `ffi` import seed).
const SCANNER_KEY: [u8; 32] = [0x11; 32];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus")
}

/// `y = x²`, `z = y·x`: the smallest circuit with a public input and a private wire.
struct Cube;

impl Circuit for Cube {
    type Input = u64;
    fn public_count(&self) -> usize {
        1
    }
    fn placeholder_input(&self) -> u64 {
        0
    }
    fn synthesize<B: Builder>(&self, b: &mut B, x: &u64) -> Result<(), SynthesisError> {
        let y = b.alloc_public(Fr::from(x * x));
        let xv = b.alloc(Fr::from(*x));
        let z = b.alloc(Fr::from(x * x * x));
        b.enforce(&xv, &xv, &y);
        b.enforce(&y, &xv, &z);
        Ok(())
    }
}

fn be32<F: PrimeField>(x: &F) -> Vec<u8> {
    let mut out = x.into_bigint().to_bytes_be();
    while out.len() < 32 {
        out.insert(0, 0);
    }
    out
}

/// An `ffi` length-prefixed argument: the length byte, then the bytes.
fn element(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(bytes.len() as u8);
    out.extend_from_slice(bytes);
}

/// A proof as the `ffi` target reads it: eight length-prefixed hex coordinates.
fn ffi_proof(proof: &Proof<Bn254>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut coordinate = |x: &ark_bn254::Fq| {
        let hex = format!("0x{}", hex::encode(be32(x)));
        element(&mut out, hex.as_bytes());
    };
    let (a, b, c): (&G1Affine, &G2Affine, &G1Affine) = (&proof.a, &proof.b, &proof.c);
    for x in [a.x, a.y, b.x.c0, b.x.c1, b.y.c0, b.y.c1, c.x, c.y] {
        coordinate(&x);
    }
    out
}

/// The public inputs of the `ffi` verify seed.
const FFI_INPUTS: [u64; 2] = [9, 1];

/// A valid proof for `inputs` under the `ffi` target's key (`zkbio_ffi::fuzzing::KEY_SCALARS`):
/// A = g₁, B = g₂ and C solves `1 = αβ + (ic₀ + Σ xᵢ·icᵢ)·γ + c·δ` in the exponent.
fn ffi_valid_proof(inputs: &[u64]) -> Proof<Bn254> {
    let [a, b, g, d, ic @ ..] = zkbio_ffi::fuzzing::KEY_SCALARS.map(Fr::from);
    assert_eq!(inputs.len() + 1, ic.len());
    let l = ic[0]
        + inputs
            .iter()
            .zip(&ic[1..])
            .map(|(x, i)| Fr::from(*x) * i)
            .sum::<Fr>();
    let c = (Fr::from(1u64) - a * b - l * g) / d;
    let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
    Proof {
        a: g1,
        b: g2,
        c: (g1 * c).into_affine(),
    }
}

fn salt(last: u8) -> Salt {
    let mut bytes = [0u8; 32];
    bytes[31] = last;
    Salt::from_be_bytes(bytes).expect("small salt")
}

/// All seeds: `(target, name, bytes)`.
fn seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let mut out: Vec<(&'static str, String, Vec<u8>)> = Vec::new();
    let mut add = |target: &'static str, name: &str, bytes: Vec<u8>| {
        out.push((target, format!("seed-{name}"), bytes));
    };

    // Proof system files of the tiny circuit.
    let system = Cube.to_r1cs().expect("synthesis");
    let pk = dev_setup_insecure(&system, [1; 32]).expect("setup");
    let zpk = key_to_bytes(&pk, system.constraints.len()).expect("zpk");
    let witness = Cube.witness(&3).expect("witness");
    add(
        "wtns",
        "cube",
        wtns::to_bytes(&witness.wires).expect("wtns"),
    );
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let view = KeyView::new(&zpk).expect("zpk view");
    let proof = prove(&view, witness, &mut rng, &Silent).expect("prove");
    add("zpk", "cube", zpk.clone());
    let mut transport = Vec::new();
    compress_key(&zpk, &mut transport).expect("compress");
    add("zpk_transport", "cube", transport);
    add(
        "zkey",
        "cube",
        to_zkey(&pk, &system).to_bytes().expect("zkey"),
    );
    add("r1cs", "cube", r1cs::to_bytes(&system).expect("r1cs"));
    let proof_json = serde_json::to_vec_pretty(&ProofJson::from_proof(&proof)).expect("json");
    let vk_json = serde_json::to_vec_pretty(&VerificationKeyJson::from_vk(&pk.vk)).expect("json");
    let public_json = serde_json::to_vec(&public_to_json(&[Fr::from(9u64)])).expect("json");
    add("snarkjs_json", "proof", proof_json);
    add("snarkjs_json", "vk", vk_json.clone());
    add("snarkjs_json", "public", public_json);

    // The scanner's transfer and the vault's formats around the same bundle.
    let scanner = LocalSigner::from_bytes(&SCANNER_KEY).expect("scanner key");
    let iris = IrisSample::with_shape(
        2,
        4,
        vec![0, 40, 80, 120, 160, 200, 240, 255],
        vec![true, true, false, true, true, true, true, false],
    )
    .expect("iris");
    let face = FaceImage::new(2, 2, vec![9, 8, 7, 6]).expect("face");
    let target = RegistryTarget {
        chain_id: 31337,
        registry: Address::repeat_byte(0x22),
    };
    let transfer = scanner_enroll(
        &scanner,
        target,
        Address::repeat_byte(0x33),
        u64::MAX,
        iris,
        face,
    )
    .expect("enroll")
    .to_bytes()
    .as_slice()
    .to_vec();
    add("transfer", "2x4", transfer.clone());
    let plain = transfer[38..].to_vec();
    add("vault_bundle", "no-models", plain.clone());
    let mut bundle = decode_bundle(&plain).expect("bundle");
    bundle.iris_model = Some(IrisModelState {
        version: 2,
        c_code: FieldBytes::from_be_bytes(*salt(5).expose(), "C_code").expect("field"),
        opening: Some(
            CodeOpening::new(
                (0..12).map(|i| i % 3 == 0).collect(),
                (0..12).map(|i| i % 5 != 0).collect(),
                salt(6),
            )
            .expect("opening"),
        ),
    });
    bundle.face_model = Some(FaceModelState {
        version: 1,
        c_emb: FieldBytes::from_be_bytes(*salt(7).expose(), "C_emb").expect("field"),
        opening: Some(EmbeddingOpening::new(vec![1, 2, 3, 250], salt(8)).expect("opening")),
    });
    let with_models = encode_bundle(&bundle);
    add("vault_bundle", "models", with_models.clone());
    let key = VaultKey::from_slice(&VAULT_KEY).expect("key");
    let id = RecordId::new(RECORD.0).expect("id");
    add(
        "vault_record",
        "models",
        seal_record(&id, RECORD.1, KeyId(1), &key, &with_models).expect("seal"),
    );
    add("vault_state", "one-key", encode_state(KeyId(1), None));
    add(
        "vault_state",
        "rotating",
        encode_state(KeyId(3), Some(KeyId(2))),
    );

    // A signed package manifest and a model file.
    let artifact = |name: &str, role, size| Artifact {
        name: name.into(),
        role,
        sha3_256: [size as u8; 32],
        size,
    };
    let mut manifest = Manifest {
        format: MANIFEST_FORMAT,
        kind: ModelKind::Iris,
        version: 1,
        model_hash: [0xab; 32],
        artifacts: vec![
            artifact("model.bin", ArtifactRole::Model, 1234),
            artifact("circuit.zpk", ArtifactRole::ProvingKey, 99),
            artifact("verification_key.json", ArtifactRole::VerificationKey, 9),
        ],
        insecure_dev_key: false,
        proving_key_transport: None,
        family: None,
        signature: None,
    };
    manifest.sign(&[0x44; 32]).expect("sign");
    add("manifest", "signed", manifest.to_json().into_bytes());
    add(
        "iris_model",
        "tiny",
        IrisModel::tiny_test_model(1).to_canonical_bytes(),
    );

    // Small int8 models of the LiteRT differential tests (made by tests/tflite/gen_models.py).
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../circuits/tests/data/tflite");
    for name in [
        "model_f02",
        "model_f03",
        "model_f05",
        "model_f08",
        "model_f18",
    ] {
        let bytes = std::fs::read(fixtures.join(format!("{name}.tflite"))).expect("fixture");
        add("tflite", name, bytes);
    }

    // The FFI target: a selector byte, then the arguments (see bindings/src/fuzzing.rs).
    let mut vk = vec![0u8];
    vk.extend_from_slice(&vk_json);
    add("ffi", "0-vk", vk);
    let mut verify = vec![1u8];
    verify.extend(ffi_proof(&ffi_valid_proof(&FFI_INPUTS)));
    verify.push(FFI_INPUTS.len() as u8);
    for x in FFI_INPUTS {
        element(&mut verify, &be32(&Fr::from(x)));
    }
    add("ffi", "1-verify", verify);
    let mut to_json = vec![2u8];
    to_json.extend(ffi_proof(&proof));
    add("ffi", "2-proof-json", to_json);
    let mut public = vec![3u8, 2];
    element(&mut public, &be32(&Fr::from(9u64)));
    element(&mut public, &be32(&-Fr::from(1u64)));
    add("ffi", "3-public-json", public);
    let mut tx = vec![4u8];
    element(&mut tx, &[0x22; 20]);
    element(&mut tx, &[0xde, 0xad, 0xbe, 0xef]);
    element(&mut tx, &[0; 32]);
    add("ffi", "4-tx", tx);
    let mut import = vec![5u8];
    element(&mut import, RECORD.0.as_bytes());
    import.push(1);
    element(&mut import, scanner.address().as_slice());
    import.extend_from_slice(&transfer);
    add("ffi", "5-import", import);
    let mut record = vec![6u8];
    record.extend_from_slice(RECORD.0.as_bytes());
    add("ffi", "6-record", record);
    // The value constructors: selector 7, which constructor, its argument.
    let values: [(&str, u8, Vec<u8>); 4] = [
        ("7-field-hex", 1, b"0x2a".to_vec()),
        (
            "7-field-decimal",
            2,
            Fr::from(-1i64).to_string().into_bytes(),
        ),
        (
            "7-address-checksum",
            4,
            scanner.address().to_checksum(None).into_bytes(),
        ),
        ("7-uint-decimal", 7, u64::MAX.to_string().into_bytes()),
    ];
    for (name, which, arg) in values {
        let mut v = vec![7u8, which];
        v.extend(arg);
        add("ffi", name, v);
    }
    out
}

/// Runs `target`'s fuzz body on `bytes`; whether its parser accepted them.
fn accepted(target: &str, bytes: &[u8]) -> bool {
    if target == "ffi" {
        return zkbio_ffi::fuzzing::ffi(bytes);
    }
    let (_, body) = TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .unwrap_or_else(|| panic!("unknown target {target}"));
    body(bytes)
}

#[test]
fn fresh_seeds_are_valid_inputs() {
    let seeds = seeds();
    for (target, _) in TARGETS {
        assert!(seeds.iter().any(|s| s.0 == target), "no seed for {target}");
    }
    assert!(seeds.iter().any(|s| s.0 == "ffi"), "no seed for ffi");
    for (target, name, bytes) in &seeds {
        assert!(accepted(target, bytes), "{target}/{name} is refused");
    }
    // The targets refuse what their parsers refuse.
    let mut bad = seeds[0].2.clone();
    bad[0] ^= 1;
    assert!(!accepted(seeds[0].0, &bad));
}

#[test]
#[ignore = "writes fuzz/corpus; run by hand after a format change"]
fn write_fuzz_corpus() {
    for (target, name, bytes) in seeds() {
        let dir = corpus_dir().join(target);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join(name), bytes).expect("write seed");
    }
}
