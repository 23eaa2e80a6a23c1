//! The body of the `ffi` fuzz target (`fuzz/fuzz_targets/ffi.rs`), shared with the seed replay
//! test (`tests/tests/fuzz_seeds.rs`): the FFI entry points that take bytes, called as Rust
//! functions. The first byte picks the entry point, the rest are its arguments. Each must return
//! a value or a typed error (selector 7: the value constructors, whose parsed values must
//! round-trip); [`ZkbioError::Internal`] (a panic caught at the boundary) is turned
//! into a panic here, so it fails the target like any other panic.
//!
//! Compiled only with the `fuzzing` feature.

use crate::{
    proof_to_snarkjs_json, public_inputs_to_snarkjs_json, tx_to_eip1193_json, verify, Address,
    Bytes32, FieldElement, G1Point, G2Point, Groth16Proof, KeyStoreError, TxRequest, Uint256,
    VaultKeyStore, VerifyingKey, ZkbioError, ZkbioVault,
};
use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use zkbio_circuits::circom::json::VerificationKeyJson;
use zkbio_core::fuzzing::targets::VAULT_KEY;
use zkbio_core::fuzzing::Cursor;
use zkbio_core::groth16::VerifyingKey as ArkVerifyingKey;

/// The number of entry points the selector byte picks from (it is taken modulo this).
pub const ENTRY_POINTS: u8 = 8;

/// A key store in memory; every created key is the seeds' key.
#[derive(Default)]
struct Keys(Mutex<HashMap<i64, Vec<u8>>>);

impl VaultKeyStore for Keys {
    fn get_key(&self, key_id: i64) -> Result<Option<Vec<u8>>, KeyStoreError> {
        Ok(self.0.lock().expect("lock").get(&key_id).cloned())
    }
    fn create_key(&self, key_id: i64) -> Result<Vec<u8>, KeyStoreError> {
        let mut keys = self.0.lock().expect("lock");
        Ok(keys
            .entry(key_id)
            .or_insert_with(|| VAULT_KEY.to_vec())
            .clone())
    }
    fn delete_key(&self, key_id: i64) -> Result<(), KeyStoreError> {
        self.0.lock().expect("lock").remove(&key_id);
        Ok(())
    }
}

/// One vault per process, in a fresh directory under the system's temporary directory.
fn vault() -> &'static ZkbioVault {
    static VAULT: OnceLock<Arc<ZkbioVault>> = OnceLock::new();
    VAULT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("zkbio-fuzz-vault-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        ZkbioVault::open(dir.display().to_string(), Arc::new(Keys::default())).expect("vault opens")
    })
}

/// The discrete logarithms of the fuzzed proofs' key: α₁, β₂, γ₂, δ₂ and the three IC points
/// (two public inputs) are these multiples of the generators. Distinct and not 1, so the key
/// passes the structure check (δ ≠ ±γ, δ ≠ g₂) and `verify` reaches the pairing; knowing them,
/// the seed writer (tests/fuzz_corpus.rs) makes a valid proof the fuzzer starts from.
pub const KEY_SCALARS: [u64; 7] = [2, 3, 5, 7, 11, 13, 17];

/// The key the `verify` entry point checks fuzzed proofs against, made from [`KEY_SCALARS`].
pub fn verifying_key() -> Arc<VerifyingKey> {
    static KEY: OnceLock<Arc<VerifyingKey>> = OnceLock::new();
    KEY.get_or_init(|| {
        let [a, b, g, d, ic @ ..] = KEY_SCALARS.map(Fr::from);
        let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
        let vk = ArkVerifyingKey::<ark_bn254::Bn254> {
            alpha_g1: (g1 * a).into_affine(),
            beta_g2: (g2 * b).into_affine(),
            gamma_g2: (g2 * g).into_affine(),
            delta_g2: (g2 * d).into_affine(),
            gamma_abc_g1: ic.iter().map(|x| (g1 * x).into_affine()).collect(),
        };
        let json = serde_json::to_string(&VerificationKeyJson::from_vk(&vk)).expect("json");
        VerifyingKey::from_snarkjs_json(json).expect("a valid key")
    })
    .clone()
}

/// A length-prefixed text (one length byte, then that many bytes, lossily UTF-8): a point
/// coordinate or a value in hex or decimal.
fn text(c: &mut Cursor<'_>) -> String {
    String::from_utf8_lossy(&c.chunk()).into_owned()
}

/// A field element's bytes: usually exactly 32, sometimes another length (a length byte of 64
/// or more means 32).
fn element(c: &mut Cursor<'_>) -> Vec<u8> {
    let n = usize::from(c.byte());
    c.take(if n >= 64 { 32 } else { n }).to_vec()
}

fn proof(c: &mut Cursor<'_>) -> Groth16Proof {
    Groth16Proof {
        a: G1Point {
            x: text(c),
            y: text(c),
        },
        b: G2Point {
            x_c0: text(c),
            x_c1: text(c),
            y_c0: text(c),
            y_c1: text(c),
        },
        c: G1Point {
            x: text(c),
            y: text(c),
        },
    }
}

/// Up to four field elements, or `None` if one of them is refused (a typed error).
fn elements(c: &mut Cursor<'_>) -> Option<Vec<Arc<FieldElement>>> {
    let n = c.byte() % 5;
    let all: Vec<_> = (0..n)
        .map(|_| no_internal(FieldElement::from_bytes(element(c))))
        .collect();
    all.into_iter().collect()
}

/// The value constructors (`from_bytes`, `from_hex`, `from_decimal`): a parsed value converts
/// back to each of its forms and re-parses equal.
fn value(c: &mut Cursor<'_>) -> bool {
    let which = c.byte() % 8;
    let rest = c.rest();
    let text = String::from_utf8_lossy(rest).into_owned();
    let field = |f: Option<Arc<FieldElement>>| {
        let Some(f) = f else { return false };
        let b = f.to_bytes();
        let again = [
            FieldElement::from_bytes(b.clone()),
            FieldElement::from_hex(f.to_hex()),
            FieldElement::from_decimal(f.to_decimal()),
        ];
        for g in again {
            assert_eq!(g.expect("a printed field element parses").to_bytes(), b);
        }
        true
    };
    let uint = |u: Option<Arc<Uint256>>| {
        let Some(u) = u else { return false };
        let b = u.to_bytes();
        assert_eq!(
            Uint256::from_bytes(b.clone()).expect("re-parse").to_bytes(),
            b
        );
        true
    };
    match which {
        0 => field(no_internal(FieldElement::from_bytes(rest.to_vec()))),
        1 => field(no_internal(FieldElement::from_hex(text))),
        2 => field(no_internal(FieldElement::from_decimal(text))),
        3 | 4 => {
            let a = if which == 3 {
                no_internal(Address::from_bytes(rest.to_vec()))
            } else {
                no_internal(Address::from_hex(text))
            };
            let Some(a) = a else { return false };
            for s in [a.to_hex(), a.to_checksum_hex()] {
                assert_eq!(
                    Address::from_hex(s).expect("re-parse").to_bytes(),
                    a.to_bytes()
                );
            }
            true
        }
        5 => {
            let Some(h) = no_internal(Bytes32::from_bytes(rest.to_vec())) else {
                return false;
            };
            let again = Bytes32::from_hex(h.to_hex()).expect("re-parse");
            assert_eq!(again.to_bytes(), h.to_bytes());
            true
        }
        6 => uint(no_internal(Uint256::from_bytes(rest.to_vec()))),
        _ => uint(no_internal(Uint256::from_decimal(text))),
    }
}

fn no_internal<T>(r: Result<T, ZkbioError>) -> Option<T> {
    match r {
        Err(ZkbioError::Internal { why }) => panic!("internal error across the FFI: {why}"),
        r => r.ok(),
    }
}

/// Runs one FFI entry point on `data`; returns whether it returned a value (not an error).
///
/// Panics if an entry point returns [`ZkbioError::Internal`] or a round trip fails.
pub fn ffi(data: &[u8]) -> bool {
    let mut c = Cursor::new(data);
    match c.byte() % ENTRY_POINTS {
        0 => {
            let json = String::from_utf8_lossy(c.rest()).into_owned();
            let Some(vk) = no_internal(VerifyingKey::from_snarkjs_json(json)) else {
                return false;
            };
            let again = VerifyingKey::from_snarkjs_json(vk.to_snarkjs_json())
                .expect("an exported key parses");
            assert_eq!(again.public_input_count(), vk.public_input_count());
            true
        }
        1 => {
            let p = proof(&mut c);
            let Some(inputs) = elements(&mut c) else {
                return false;
            };
            no_internal(verify(verifying_key(), p, inputs)).is_some()
        }
        2 => no_internal(proof_to_snarkjs_json(proof(&mut c))).is_some(),
        3 => match elements(&mut c) {
            Some(inputs) => !public_inputs_to_snarkjs_json(inputs).is_empty(),
            None => false,
        },
        4 => {
            let to = no_internal(Address::from_bytes(c.chunk()));
            let data = c.chunk();
            let value = no_internal(Uint256::from_bytes(element(&mut c)));
            let (Some(to), Some(value)) = (to, value) else {
                return false;
            };
            no_internal(tx_to_eip1193_json(TxRequest { to, data, value })).is_some()
        }
        5 => {
            let id = String::from_utf8_lossy(&c.chunk()).into_owned();
            let scanners: Option<Vec<_>> = (0..c.byte() % 3)
                .map(|_| no_internal(Address::from_bytes(c.chunk())))
                .collect();
            let transfer = c.rest().to_vec();
            let Some(scanners) = scanners else {
                return false;
            };
            if no_internal(vault().import_enrollment(id.clone(), transfer, scanners)).is_none() {
                return false;
            }
            // Keep the vault small: each accepted transfer is stored once and removed.
            no_internal(vault().public_record(id.clone())).expect("stored record reads");
            no_internal(vault().remove(id)).expect("stored record removes");
            true
        }
        6 => {
            // Accepted: a valid id, whether or not the (usually empty) vault holds it.
            let id = String::from_utf8_lossy(c.rest()).into_owned();
            match vault().public_record(id) {
                Err(ZkbioError::RecordNotFound { .. }) => true,
                r => no_internal(r).is_some(),
            }
        }
        _ => value(&mut c),
    }
}
