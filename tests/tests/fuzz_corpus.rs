//! The fuzz targets' seed corpora (`fuzz/corpus/TARGET/seed-*`): small valid inputs made by our
//! own writers, so the fuzzers start past the format checks.
//!
//! `committed_seeds_are_valid_inputs` checks that every committed seed still parses with today's
//! code (a format change that invalidates the seeds fails here, not silently in the fuzzer);
//! `write_fuzz_corpus` (ignored) regenerates them:
//! `cargo test -p zkbio-tests --test fuzz_corpus -- --ignored write_fuzz_corpus`.

use ark_bn254::{Bn254, Fr, G1Affine, G2Affine};
use ark_ff::{BigInteger, PrimeField};
use ark_std::rand::SeedableRng;
use std::path::{Path, PathBuf};
use zkbio_circuits::builder::Builder;
use zkbio_circuits::circom::json::{
    public_from_json, public_to_json, ProofJson, VerificationKeyJson,
};
use zkbio_circuits::circom::{r1cs, wtns, Zkey};
use zkbio_circuits::models::iris::IrisModel;
use zkbio_circuits::models::tflite::Model as TfliteModel;
use zkbio_circuits::{Circuit, SynthesisError};
use zkbio_core::flows::{scanner_enroll, EnrollmentTransfer, RegistryTarget};
use zkbio_core::fuzzing::{
    decode_bundle, decode_state, encode_bundle, encode_state, open_record, seal_record,
};
use zkbio_core::groth16::key_file::{key_to_bytes, KeyView};
use zkbio_core::groth16::key_transport::{compress_key, expand_key};
use zkbio_core::groth16::progress::Silent;
use zkbio_core::groth16::zkey_convert::to_zkey;
use zkbio_core::groth16::{dev_setup_insecure, prove, Proof};
use zkbio_core::package::{Artifact, ArtifactRole, Manifest, ModelKind, MANIFEST_FORMAT};
use zkbio_core::registry::{Address, LocalSigner};
use zkbio_core::vault::{
    CodeOpening, EmbeddingOpening, FaceImage, FaceModelState, FieldBytes, InMemoryKeyProvider,
    IrisModelState, IrisSample, KeyId, RecordId, Salt, VaultKey,
};

/// The key of the `vault_record` seeds; the same bytes as `VAULT_KEY` in fuzz/src/lib.rs, which
/// the target decrypts with.
const VAULT_KEY: [u8; 32] = [0x5a; 32];
/// The record id and version of the `vault_record` seeds.
const RECORD: (&str, u64) = ("alice", 1);
/// The scanner key of the transfer seeds (its address is in the `ffi` import seed).
const SCANNER_KEY: [u8; 32] = [0x11; 32];

/// Every fuzz target (the `[[bin]]`s of fuzz/Cargo.toml).
const TARGETS: [&str; 14] = [
    "zpk",
    "zpk_transport",
    "zkey",
    "r1cs",
    "wtns",
    "snarkjs_json",
    "vault_record",
    "vault_bundle",
    "vault_state",
    "transfer",
    "manifest",
    "iris_model",
    "tflite",
    "ffi",
];

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

/// An `ffi` field-element argument: the length byte 32, then the bytes.
fn element(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(bytes.len() as u8);
    out.extend_from_slice(bytes);
}

fn ffi_proof(proof: &Proof<Bn254>) -> Vec<u8> {
    let mut out = Vec::new();
    let g1 = |out: &mut Vec<u8>, p: &G1Affine| {
        element(out, &be32(&p.x));
        element(out, &be32(&p.y));
    };
    let g2 = |out: &mut Vec<u8>, p: &G2Affine| {
        for c in [p.x.c0, p.x.c1, p.y.c0, p.y.c1] {
            element(out, &be32(&c));
        }
    };
    g1(&mut out, &proof.a);
    g2(&mut out, &proof.b);
    g1(&mut out, &proof.c);
    out
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

    // The FFI target: a selector byte, then the arguments (see fuzz/fuzz_targets/ffi.rs).
    let mut vk = vec![0u8];
    vk.extend_from_slice(&vk_json);
    add("ffi", "0-vk", vk);
    let mut verify = vec![1u8];
    verify.extend(ffi_proof(&proof));
    verify.push(1);
    element(&mut verify, &be32(&Fr::from(9u64)));
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
    out
}

/// Whether `bytes` is a valid input of `target`'s parser (the checks each target starts with).
fn check_seed(target: &str, bytes: &[u8]) -> Result<(), String> {
    let e = |e: &dyn std::fmt::Display| e.to_string();
    match target {
        "zpk" => KeyView::new(bytes).map(|_| ()).map_err(|x| e(&x)),
        "zpk_transport" => expand_key(&mut &bytes[..], &mut Vec::new(), &mut |_, _| true)
            .map(|_| ())
            .map_err(|x| e(&x)),
        "zkey" => Zkey::from_bytes(bytes).map(|_| ()).map_err(|x| e(&x)),
        "r1cs" => r1cs::from_bytes(bytes).map(|_| ()).map_err(|x| e(&x)),
        "wtns" => wtns::from_bytes(bytes).map(|_| ()).map_err(|x| e(&x)),
        "snarkjs_json" => {
            let proof = serde_json::from_slice::<ProofJson>(bytes)
                .map_err(|x| e(&x))
                .and_then(|p| p.to_proof().map(|_| ()).map_err(|x| e(&x)));
            let vk = serde_json::from_slice::<VerificationKeyJson>(bytes)
                .map_err(|x| e(&x))
                .and_then(|v| v.to_vk().map(|_| ()).map_err(|x| e(&x)));
            let public = serde_json::from_slice::<Vec<String>>(bytes)
                .map_err(|x| e(&x))
                .and_then(|s| public_from_json(&s).map(|_| ()).map_err(|x| e(&x)));
            proof.or(vk).or(public)
        }
        "vault_record" => {
            let keys = InMemoryKeyProvider::new();
            keys.set_key(KeyId(1), VaultKey::from_slice(&VAULT_KEY).expect("key"));
            let id = RecordId::new(RECORD.0).expect("id");
            let plain = open_record(bytes, &id, RECORD.1, &keys).map_err(|x| e(&x))?;
            decode_bundle(&plain).map(|_| ()).map_err(|x| e(&x))
        }
        "vault_bundle" => decode_bundle(bytes).map(|_| ()).map_err(|x| e(&x)),
        "vault_state" => decode_state(bytes).map(|_| ()).map_err(|x| e(&x)),
        "transfer" => {
            let t = EnrollmentTransfer::from_bytes(bytes).map_err(|x| e(&x))?;
            t.verify().map(|_| ()).map_err(|x| e(&x))
        }
        "manifest" => {
            let m = Manifest::from_json(bytes).map_err(|x| e(&x))?;
            m.publisher().map(|_| ()).map_err(|x| e(&x))
        }
        "iris_model" => IrisModel::from_canonical_bytes(bytes)
            .map(|_| ())
            .map_err(|x| e(&x)),
        "tflite" => TfliteModel::from_bytes(bytes)
            .map(|_| ())
            .map_err(|x| e(&x)),
        "ffi" => match bytes.first() {
            Some(s) if *s < 7 => Ok(()),
            _ => Err("no entry-point selector".into()),
        },
        other => Err(format!("unknown target {other}")),
    }
}

#[test]
fn fresh_seeds_are_valid_inputs() {
    let seeds = seeds();
    for target in TARGETS {
        assert!(seeds.iter().any(|s| s.0 == target), "no seed for {target}");
    }
    for (target, name, bytes) in &seeds {
        check_seed(target, bytes).unwrap_or_else(|e| panic!("{target}/{name}: {e}"));
    }
    // The checker refuses what the targets' parsers refuse.
    let mut bad = seeds[0].2.clone();
    bad[0] ^= 1;
    assert!(check_seed(seeds[0].0, &bad).is_err());
}

#[test]
fn committed_seeds_are_valid_inputs() {
    let mut total = 0;
    for target in TARGETS {
        let dir = corpus_dir().join(target);
        let mut n = 0;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("dir entry").path();
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            if !name.starts_with("seed-") {
                continue;
            }
            let bytes = std::fs::read(&path).expect("read seed");
            total += bytes.len();
            check_seed(target, &bytes).unwrap_or_else(|e| panic!("{target}/{name}: {e}"));
            n += 1;
        }
        assert!(n > 0, "no committed seed for {target}");
    }
    assert!(total < 64 * 1024, "the seed corpora grew to {total} bytes");
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
