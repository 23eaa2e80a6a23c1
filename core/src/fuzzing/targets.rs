//! The bodies of the fuzz targets (`fuzz/fuzz_targets/*.rs`), one function per target, so the
//! libFuzzer binaries and the seed replay test (`tests/tests/fuzz_seeds.rs`, a plain `cargo test`)
//! run the same code.
//!
//! Each function feeds hostile bytes to one parser and panics when an invariant the target checks
//! is broken (a round trip that does not hold, a parsed value that contradicts its header); a
//! panic inside the parser itself fails it the same way. It returns whether the input got past
//! the parser, so the replay test can tell that the committed seeds still reach the deep checks.

use super::{decode_bundle, decode_state, encode_bundle, encode_state, open_record, parse_record};
use crate::flows::EnrollmentTransfer;
use crate::groth16::key_file::{digest, key_to_bytes_with_origin, KeyView};
use crate::groth16::key_transport::{compress_key, expand_key, TransportHeader};
use crate::package::Manifest;
use crate::vault::{InMemoryKeyProvider, KeyId, RecordId, VaultError, VaultKey};
use zkbio_circuits::circom::json::{
    g1_from_json, g1_to_json, g2_from_json, g2_to_json, public_from_json, public_to_json,
    ProofJson, VerificationKeyJson,
};
use zkbio_circuits::circom::{r1cs, wtns, Zkey};
use zkbio_circuits::models::iris::IrisModel;
use zkbio_circuits::models::tflite::{run, Model};

/// The key (id 1) every `vault_record` seed is sealed with, so the fuzzer gets past decryption on
/// inputs that keep the seed's ciphertext.
pub const VAULT_KEY: [u8; 32] = [0x5a; 32];

/// The largest `.tflite` input tensor the `tflite` target runs the model on (a bigger one is only
/// loaded), so one input stays fast.
pub const TFLITE_MAX_RUN_ELEMENTS: usize = 1 << 14;

/// `.zpk` proving-key header and view (`groth16/key_file.rs`): a header-checked view reads every
/// point without panicking, and a decoded key re-encodes (with its header's origin marker) to the
/// same bytes.
pub fn zpk(data: &[u8]) -> bool {
    let Ok(view) = KeyView::new(data) else {
        return false;
    };
    let vk = view.verifying_key();
    assert_eq!(vk.gamma_abc_g1.len(), view.n_public() + 1);
    let pk = view.to_proving_key();
    assert_eq!(pk.a_query.len(), view.n_vars());
    let again = key_to_bytes_with_origin(&pk, view.n_constraints(), view.origin())
        .expect("a parsed key re-encodes");
    assert!(again == data, "the .zpk encoding does not round-trip");
    true
}

/// Compressed proving-key transport (`groth16/key_transport.rs`): expanding hostile bytes never
/// panics nor allocates beyond one batch ahead of the input; what expands is a valid `.zpk` of
/// its header's length whose digest is the one returned, and compressing it again expands to the
/// same key.
pub fn zpk_transport(data: &[u8]) -> bool {
    let mut out = Vec::new();
    let Ok(d) = expand_key(&mut &data[..], &mut out, &mut |_, _| true) else {
        return false;
    };
    let header = TransportHeader::parse(data).expect("an expanded input has a valid header");
    assert_eq!(header.transport_len, data.len() as u64);
    assert_eq!(header.expanded_len, out.len() as u64);
    assert_eq!(d, digest(&out));
    assert!(KeyView::new(&out).is_ok(), "the expansion is not a .zpk");
    let mut again = Vec::new();
    compress_key(&out, &mut again).expect("an expanded key compresses");
    let mut twice = Vec::new();
    expand_key(&mut &again[..], &mut twice, &mut |_, _| true).expect("re-expands");
    assert!(twice == out, "compress/expand is not idempotent");
    true
}

/// snarkjs `.zkey` (`circom/zkey.rs` in zkbio-circuits): the in-place view the prover uses
/// never panics (its key view and its coefficient pass included) and accepts every key the
/// decoding reader accepts, with the same coefficients; a parsed key writes back and re-parses
/// equal.
pub fn zkey(data: &[u8]) -> bool {
    let view = zkbio_circuits::circom::ZkeyView::parse(data);
    if let Ok(v) = &view {
        let _ = v.header();
        let _ = v.rows_used();
        let _ = crate::groth16::circom_prove::key_view(v);
    }
    let Ok(key) = Zkey::from_bytes(data) else {
        return view.is_ok();
    };
    let view = view.expect("a key the decoding reader accepts is a valid view");
    assert!(
        view.coefs().ok().as_ref() == Some(&key.coefs),
        "the view's coefficients differ from the decoded key's"
    );
    let _ = key.contribution_info();
    let _ = key.verifying_key();
    let bytes = key.to_bytes().expect("a parsed .zkey writes back");
    let again = Zkey::from_bytes(&bytes).expect("a written .zkey parses");
    assert!(again == key, "the .zkey does not round-trip");
    true
}

/// circom `.r1cs` (`circom/r1cs.rs`): header and system parse, and a parsed system writes back
/// and re-parses equal.
pub fn r1cs(data: &[u8]) -> bool {
    let header = r1cs::header_from_bytes(data);
    let Ok(system) = r1cs::from_bytes(data) else {
        return false;
    };
    let header = header.expect("a parsed .r1cs has a valid header");
    assert_eq!(system.n_wires, header.n_wires as usize);
    assert_eq!(system.constraints.len(), header.n_constraints as usize);
    let bytes = r1cs::to_bytes(&system).expect("a parsed .r1cs writes back");
    let again = r1cs::from_bytes(&bytes).expect("a written .r1cs parses");
    assert!(again == system, "the .r1cs does not round-trip");
    true
}

/// snarkjs `.wtns` (`circom/wtns.rs`): parsed values write back and re-parse equal.
pub fn wtns(data: &[u8]) -> bool {
    let Ok(values) = wtns::from_bytes(data) else {
        return false;
    };
    let bytes = wtns::to_bytes(&values).expect("parsed values write back");
    assert_eq!(wtns::from_bytes(&bytes).expect("re-parse"), values);
    true
}

/// snarkjs JSON (`circom/json.rs`), the same bytes as `proof.json`, `verification_key.json` and
/// `public.json`: whatever parses converts to points or field elements with typed errors, and
/// what converts writes back and converts to the same values. Accepted: one of the three
/// converted.
pub fn snarkjs_json(data: &[u8]) -> bool {
    let mut accepted = false;
    if let Ok(proof) = serde_json::from_slice::<ProofJson>(data) {
        if let Ok(p) = proof.to_proof() {
            assert_eq!(ProofJson::from_proof(&p).to_proof().expect("re-parse"), p);
            accepted = true;
        }
    }
    if let Ok(vk_json) = serde_json::from_slice::<VerificationKeyJson>(data) {
        let text = serde_json::to_vec(&vk_json).expect("serializes");
        let back: VerificationKeyJson = serde_json::from_slice(&text).expect("re-parse");
        assert_eq!(back, vk_json);
        if let Ok(vk) = vk_json.to_vk() {
            // Every point re-encodes to itself (from_vk would also recompute e(α, β): too slow).
            for p in &vk.gamma_abc_g1 {
                assert_eq!(g1_from_json(&g1_to_json(p), "IC").expect("re-parse"), *p);
            }
            for p in [vk.beta_g2, vk.gamma_g2, vk.delta_g2] {
                assert_eq!(g2_from_json(&g2_to_json(&p), "G2").expect("re-parse"), p);
            }
            accepted = true;
        }
    }
    if let Ok(strings) = serde_json::from_slice::<Vec<String>>(data) {
        if let Ok(inputs) = public_from_json(&strings) {
            let back = public_from_json(&public_to_json(&inputs)).expect("re-parse");
            assert_eq!(back, inputs);
            accepted = true;
        }
    }
    accepted
}

/// The vault's encrypted record file (`vault/envelope.rs`): parsed as the record its header
/// names, decrypted with [`VAULT_KEY`] (or a wrong key under the next id), and the plaintext
/// decoded; a decoded bundle re-encodes to the same plaintext. Accepted: it decrypted.
pub fn vault_record(data: &[u8]) -> bool {
    let probe = RecordId::new("probe").expect("valid id");
    // Learn the record the header names (a file is only opened as the record it names).
    let (id, generation) = match parse_record(data, &probe, 0) {
        Err(VaultError::Misplaced {
            found_id,
            found_generation,
            ..
        }) => match RecordId::new(found_id) {
            Ok(id) => (id, found_generation),
            Err(_) => return false,
        },
        _ => return false,
    };
    let key_id = parse_record(data, &id, generation).expect("the header's own id and version");
    let keys = InMemoryKeyProvider::new();
    keys.set_key(key_id, VaultKey::from_slice(&VAULT_KEY).expect("32 bytes"));
    keys.set_key(
        KeyId(key_id.0.wrapping_add(1)),
        VaultKey::from_slice(&[1; 32]).expect("32"),
    );
    let Ok(plaintext) = open_record(data, &id, generation, &keys) else {
        return false;
    };
    if let Ok(bundle) = decode_bundle(&plaintext) {
        assert!(
            encode_bundle(&bundle) == plaintext,
            "the bundle encoding does not round-trip"
        );
    }
    true
}

/// A record's plaintext, the vault's bundle encoding (`vault/codec.rs`): it is canonical, so
/// whatever decodes re-encodes to the same bytes.
pub fn vault_bundle(data: &[u8]) -> bool {
    let Ok(bundle) = decode_bundle(data) else {
        return false;
    };
    let _ = bundle.public_part();
    assert!(
        encode_bundle(&bundle) == data,
        "the bundle encoding does not round-trip"
    );
    true
}

/// The vault's state file (`vault/state.rs`): whatever decodes re-encodes to the same bytes.
pub fn vault_state(data: &[u8]) -> bool {
    let Ok((active, retiring)) = decode_state(data) else {
        return false;
    };
    assert_eq!(encode_state(active, retiring), data);
    true
}

/// The scanner's enrollment transfer (`flows/transfer.rs`): whatever decodes re-encodes to the
/// same bytes, and its check (commitments, EIP-712 signature recovery) returns, never panics.
pub fn transfer(data: &[u8]) -> bool {
    let Ok(transfer) = EnrollmentTransfer::from_bytes(data) else {
        return false;
    };
    assert!(
        transfer.to_bytes().as_slice() == data,
        "the transfer encoding does not round-trip"
    );
    let _ = transfer.verify();
    true
}

/// A model package's `manifest.json` (`package/manifest.rs`): a parsed manifest prints and
/// re-parses equal, and its signature check returns, never panics.
pub fn manifest(data: &[u8]) -> bool {
    let Ok(manifest) = Manifest::from_json(data) else {
        return false;
    };
    let again =
        Manifest::from_json(manifest.to_json().as_bytes()).expect("printed manifest parses");
    assert_eq!(again, manifest);
    let _ = manifest.canonical_encoding();
    let _ = manifest.publisher();
    true
}

/// An iris model file (`model.bin` of a package, `models/iris/canonical.rs` in zkbio-circuits):
/// whatever decodes re-encodes to the same bytes.
pub fn iris_model(data: &[u8]) -> bool {
    let Ok(model) = IrisModel::from_canonical_bytes(data) else {
        return false;
    };
    assert!(
        model.to_canonical_bytes() == data,
        "the model encoding does not round-trip"
    );
    true
}

/// A `.tflite` model (`models/tflite` in zkbio-circuits): the reader and the validating lowering
/// return typed errors, and a model that loads runs on a zero input (when its input has at most
/// [`TFLITE_MAX_RUN_ELEMENTS`] elements) to a trace or a typed error.
pub fn tflite(data: &[u8]) -> bool {
    let Ok(model) = Model::from_bytes(data) else {
        return false;
    };
    let n = model.input_tensor().num_elements();
    if n <= TFLITE_MAX_RUN_ELEMENTS {
        let _ = run(&model, &vec![0i8; n]);
    }
    true
}

/// A target's body: feeds one input to its parser, panics on a broken invariant, returns whether
/// the parser accepted the input.
pub type Body = fn(&[u8]) -> bool;

/// Every target above by its name (the `[[bin]]` names of `fuzz/Cargo.toml`), for the replay
/// test; `ffi` lives in zkbio-ffi (`zkbio_ffi::fuzzing::ffi`).
pub const TARGETS: [(&str, Body); 13] = [
    ("zpk", zpk),
    ("zpk_transport", zpk_transport),
    ("zkey", zkey),
    ("r1cs", r1cs),
    ("wtns", wtns),
    ("snarkjs_json", snarkjs_json),
    ("vault_record", vault_record),
    ("vault_bundle", vault_bundle),
    ("vault_state", vault_state),
    ("transfer", transfer),
    ("manifest", manifest),
    ("iris_model", iris_model),
    ("tflite", tflite),
];
