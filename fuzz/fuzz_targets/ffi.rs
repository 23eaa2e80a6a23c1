//! The FFI entry points that take bytes (bindings/src), called as Rust functions: the first byte
//! picks the entry point, the rest are its arguments. Each must return a value or a typed error;
//! `Internal` (a panic caught at the boundary) fails the target, and so does any panic (the
//! fuzzer's panic hook aborts before `guard` could catch it).
#![no_main]
use ark_bn254::{G1Affine, G2Affine};
use ark_ec::AffineRepr;
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use zkbio_circuits::circom::json::VerificationKeyJson;
use zkbio_core::groth16::VerifyingKey as ArkVerifyingKey;
use zkbio_ffi::{
    proof_to_snarkjs_json, public_inputs_to_snarkjs_json, tx_to_eip1193_json, verify, G1Point,
    G2Point, Groth16Proof, KeyStoreError, TxRequest, VaultKeyStore, VerifyingKey, ZkbioError,
    ZkbioVault,
};
use zkbio_fuzz::{Cursor, VAULT_KEY};

/// A key store in memory; every created key is the seeds' key.
#[derive(Default)]
struct Keys(Mutex<HashMap<u32, Vec<u8>>>);

impl VaultKeyStore for Keys {
    fn get_key(&self, key_id: u32) -> Result<Option<Vec<u8>>, KeyStoreError> {
        Ok(self.0.lock().expect("lock").get(&key_id).cloned())
    }
    fn create_key(&self, key_id: u32) -> Result<Vec<u8>, KeyStoreError> {
        let mut keys = self.0.lock().expect("lock");
        Ok(keys
            .entry(key_id)
            .or_insert_with(|| VAULT_KEY.to_vec())
            .clone())
    }
    fn delete_key(&self, key_id: u32) -> Result<(), KeyStoreError> {
        self.0.lock().expect("lock").remove(&key_id);
        Ok(())
    }
}

/// One vault per fuzzing process, in a fresh directory under the system's temporary directory.
fn vault() -> &'static ZkbioVault {
    static VAULT: OnceLock<Arc<ZkbioVault>> = OnceLock::new();
    VAULT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("zkbio-fuzz-vault-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        ZkbioVault::open(dir.display().to_string(), Arc::new(Keys::default())).expect("vault opens")
    })
}

/// A valid key with two public inputs (every point a generator), to verify fuzzed proofs against.
fn key() -> Arc<VerifyingKey> {
    static KEY: OnceLock<Arc<VerifyingKey>> = OnceLock::new();
    KEY.get_or_init(|| {
        let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
        let vk = ArkVerifyingKey::<ark_bn254::Bn254> {
            alpha_g1: g1,
            beta_g2: g2,
            gamma_g2: g2,
            delta_g2: g2,
            gamma_abc_g1: vec![g1; 3],
        };
        let json = serde_json::to_string(&VerificationKeyJson::from_vk(&vk)).expect("json");
        VerifyingKey::from_snarkjs_json(json).expect("a valid key")
    })
    .clone()
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
            x: element(c),
            y: element(c),
        },
        b: G2Point {
            x_c0: element(c),
            x_c1: element(c),
            y_c0: element(c),
            y_c1: element(c),
        },
        c: G1Point {
            x: element(c),
            y: element(c),
        },
    }
}

fn elements(c: &mut Cursor<'_>) -> Vec<Vec<u8>> {
    let n = c.byte() % 5;
    (0..n).map(|_| element(c)).collect()
}

fn no_internal<T>(r: Result<T, ZkbioError>) -> Option<T> {
    match r {
        Err(ZkbioError::Internal { why }) => panic!("internal error across the FFI: {why}"),
        r => r.ok(),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    match c.byte() % 7 {
        0 => {
            let json = String::from_utf8_lossy(c.rest()).into_owned();
            if let Some(vk) = no_internal(VerifyingKey::from_snarkjs_json(json)) {
                let again = VerifyingKey::from_snarkjs_json(vk.to_snarkjs_json())
                    .expect("an exported key parses");
                assert_eq!(again.public_input_count(), vk.public_input_count());
            }
        }
        1 => {
            let p = proof(&mut c);
            let inputs = elements(&mut c);
            no_internal(verify(key(), p, inputs));
        }
        2 => {
            no_internal(proof_to_snarkjs_json(proof(&mut c)));
        }
        3 => {
            no_internal(public_inputs_to_snarkjs_json(elements(&mut c)));
        }
        4 => {
            let tx = TxRequest {
                to: c.chunk(),
                data: c.chunk(),
                value: element(&mut c),
            };
            no_internal(tx_to_eip1193_json(tx));
        }
        5 => {
            let id = String::from_utf8_lossy(&c.chunk()).into_owned();
            let scanners = (0..c.byte() % 3).map(|_| c.chunk()).collect();
            let transfer = c.rest().to_vec();
            if no_internal(vault().import_enrollment(id.clone(), transfer, scanners)).is_some() {
                // Keep the vault small: each accepted transfer is stored once and removed.
                no_internal(vault().public_record(id.clone())).expect("stored record reads");
                no_internal(vault().remove(id)).expect("stored record removes");
            }
        }
        _ => {
            let id = String::from_utf8_lossy(c.rest()).into_owned();
            no_internal(vault().public_record(id));
        }
    }
});
