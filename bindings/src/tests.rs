//! The FFI surface driven from Rust, as the Kotlin and Swift tests drive it from their side.

use crate::*;
use ark_bn254::Fr;
use futures_executor::block_on;
use std::sync::{Arc, Mutex};
use zkbio_circuits::statements::image_opening::ImageOpening;
use zkbio_circuits::Circuit;
use zkbio_core::groth16::dev_setup_insecure;
use zkbio_core::groth16::key_file::key_to_bytes;

const ROWS: i32 = 4;
const COLS: i32 = 16;

/// An INSECURE development key for the small statement, written to a temporary file.
fn key_file() -> tempfile::NamedTempFile {
    let stmt = ImageOpening {
        rows: ROWS as usize,
        cols: COLS as usize,
    };
    let r1cs = stmt.to_r1cs().unwrap();
    let pk = dev_setup_insecure(&r1cs, [7; 32]).unwrap();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        file.path(),
        key_to_bytes(&pk, r1cs.constraints.len()).unwrap(),
    )
    .unwrap();
    file
}

fn materials(file: &tempfile::NamedTempFile) -> Arc<ProvingMaterials> {
    ProvingMaterials::image_opening(file.path().display().to_string(), ROWS, COLS).unwrap()
}

fn fe(x: u64) -> Arc<FieldElement> {
    FieldElement::new(Fr::from(x))
}

fn mask_bits(n: usize) -> Vec<bool> {
    (0..n).map(|i| i % 5 != 0).collect()
}

fn input() -> ImageOpeningInput {
    let n = (ROWS * COLS) as usize;
    ImageOpeningInput {
        image: (0..n).map(|i| (i * 37 % 256) as u8).collect(),
        mask: crate::field::pack_bits(&mask_bits(n)),
        salt: fe(12345),
        binding: fe(777),
    }
}

#[derive(Default)]
struct Recorder(Mutex<Vec<(ProvingPhase, f32)>>);

impl ProgressListener for Recorder {
    fn on_progress(&self, phase: ProvingPhase, fraction: f32) {
        self.0.lock().unwrap().push((phase, fraction));
    }
}

#[test]
fn proves_verifies_and_reports_progress_in_order() {
    let file = key_file();
    let m = materials(&file);
    assert_eq!(
        m.statement(),
        Statement::ImageOpening {
            rows: ROWS,
            cols: COLS
        }
    );
    let rec = Arc::new(Recorder::default());
    let out = block_on(
        m.clone()
            .prove_image_opening(input(), Some(rec.clone()), None),
    )
    .unwrap();
    assert_eq!(out.public_inputs.binding, fe(777));
    let vk = m.verifying_key();
    assert_eq!(vk.public_input_count(), 2);
    verify_image_opening(vk.clone(), out.clone()).unwrap();

    // Progress: phases in order, fractions non-decreasing within a phase, each phase complete.
    let events = rec.0.lock().unwrap().clone();
    let order = [
        ProvingPhase::Witness,
        ProvingPhase::MsmG1,
        ProvingPhase::MsmG2,
        ProvingPhase::Fft,
        ProvingPhase::MsmH,
    ];
    let rank = |p| order.iter().position(|&q| q == p).unwrap();
    for w in events.windows(2) {
        let ((p0, f0), (p1, f1)) = (w[0], w[1]);
        assert!(rank(p0) < rank(p1) || (p0 == p1 && f0 <= f1), "{events:?}");
    }
    for p in order {
        assert!(events.contains(&(p, 0.0)), "{p:?} start in {events:?}");
        assert!(events.contains(&(p, 1.0)), "{p:?} end in {events:?}");
    }

    // A changed public input is rejected; so is a tampered proof.
    let mut wrong = out.clone();
    wrong.public_inputs.binding = fe(778);
    assert_eq!(
        verify_image_opening(vk.clone(), wrong),
        Err(ZkbioError::VerificationFailed)
    );
    let mut tampered = out.proof.clone();
    tampered.a = out.proof.c.clone();
    assert_eq!(
        verify(vk.clone(), tampered, out.public_inputs.to_list()),
        Err(ZkbioError::VerificationFailed)
    );

    // The snarkjs exports parse back and carry the same numbers.
    let json: serde_json::Value =
        serde_json::from_str(&proof_to_snarkjs_json(out.proof.clone()).unwrap()).unwrap();
    assert_eq!(json["protocol"], "groth16");
    let public: Vec<String> =
        serde_json::from_str(&public_inputs_to_snarkjs_json(out.public_inputs.to_list())).unwrap();
    assert_eq!(public[1], "777");
    let vk2 = VerifyingKey::from_snarkjs_json(vk.to_snarkjs_json()).unwrap();
    verify_image_opening(vk2, out).unwrap();
}

#[test]
fn bad_inputs_are_typed_errors() {
    let file = key_file();
    let m = materials(&file);
    let prove = |i: ImageOpeningInput| block_on(m.clone().prove_image_opening(i, None, None));

    let mut short = input();
    short.image.pop();
    match prove(short) {
        Err(ZkbioError::InvalidInput { what, why }) => {
            assert_eq!(what, "image");
            assert!(why.contains("63 entries"), "{why}");
        }
        other => panic!("{other:?}"),
    }
    let mut long_mask = input();
    long_mask.mask.push(0);
    assert!(
        matches!(prove(long_mask), Err(ZkbioError::InvalidInput { what, .. }) if what == "mask")
    );
    // 64 pixels fill 8 bytes exactly; at 63 the last bit is padding and must be zero.
    let mut padded = input();
    padded.image.pop();
    padded.mask[7] |= 1;
    let m63 = ProvingMaterials::image_opening(file.path().display().to_string(), 7, 9).unwrap();
    assert!(matches!(
        block_on(m63.prove_image_opening(padded, None, None)),
        Err(ZkbioError::InvalidInput { what, why }) if what == "mask" && why.contains("padding")
    ));
    // Salts and bindings are canonical by construction: the checks are the constructors'.
    assert!(matches!(
        FieldElement::from_bytes(vec![0xff; 32]),
        Err(ZkbioError::InvalidInput { why, .. }) if why.contains("modulus")
    ));
    assert!(FieldElement::from_bytes(vec![1; 33]).is_err());

    // Verification arguments.
    let vk = m.verifying_key();
    let out = prove(input()).unwrap();
    assert!(matches!(
        verify(vk.clone(), out.proof.clone(), vec![fe(1)]),
        Err(ZkbioError::InvalidInput { what, .. }) if what == "public_inputs"
    ));
    let mut off_curve = out.proof.clone();
    off_curve.a.y = fe(5).to_hex();
    assert!(matches!(
        verify(vk.clone(), off_curve, out.public_inputs.to_list()),
        Err(ZkbioError::InvalidInput { what, .. }) if what == "proof.a"
    ));
    let mut not_field = out.proof;
    not_field.b.x_c1 = format!("0x{}", "ff".repeat(32));
    assert!(matches!(
        verify(vk, not_field, out.public_inputs.to_list()),
        Err(ZkbioError::InvalidInput { what, .. }) if what == "proof.b.x_c1"
    ));
    assert!(matches!(
        VerifyingKey::from_snarkjs_json("{}".into()),
        Err(ZkbioError::InvalidInput { .. })
    ));
}

#[test]
fn bad_key_files_are_typed_errors() {
    let missing = "/nonexistent/zkbio/key.zpk".to_string();
    assert!(matches!(
        ProvingMaterials::image_opening(missing.clone(), ROWS, COLS),
        Err(ZkbioError::Io { path, .. }) if path == missing
    ));

    let file = key_file();
    let good = std::fs::read(file.path()).unwrap();
    let corrupt = tempfile::NamedTempFile::new().unwrap();
    let path = corrupt.path().display().to_string();
    let mut bad_magic = good.clone();
    bad_magic[0] ^= 1;
    std::fs::write(corrupt.path(), &bad_magic).unwrap();
    assert!(matches!(
        ProvingMaterials::image_opening(path.clone(), ROWS, COLS),
        Err(ZkbioError::CorruptedArtifact { path: p, why }) if p == path && why.contains("magic")
    ));
    std::fs::write(corrupt.path(), &good[..good.len() - 64]).unwrap();
    assert!(matches!(
        ProvingMaterials::image_opening(path.clone(), ROWS, COLS),
        Err(ZkbioError::CorruptedArtifact { .. })
    ));

    // A key for another image size loads (same public inputs) but fails at proving, typed.
    let other = ProvingMaterials::image_opening(file.path().display().to_string(), 2, 16).unwrap();
    let mut i = input();
    i.image.truncate(32);
    i.mask.truncate(4);
    let r = block_on(other.prove_image_opening(i, None, None));
    assert!(
        matches!(&r, Err(ZkbioError::CorruptedArtifact { why, .. }) if why.contains("another circuit")),
        "{r:?}"
    );
    assert!(matches!(
        ProvingMaterials::image_opening(file.path().display().to_string(), 0, 16),
        Err(ZkbioError::InvalidInput { what, .. }) if what == "rows"
    ));
}

/// Cancels when the listener first sees `at`, and counts what it saw afterwards.
struct CancelAt {
    at: ProvingPhase,
    token: Arc<CancellationToken>,
    after: Mutex<Vec<ProvingPhase>>,
}

impl ProgressListener for CancelAt {
    fn on_progress(&self, phase: ProvingPhase, _fraction: f32) {
        if self.token.is_cancelled() {
            self.after.lock().unwrap().push(phase);
        } else if phase == self.at {
            self.token.cancel();
        }
    }
}

#[test]
fn cancellation_stops_every_phase() {
    let file = key_file();
    let m = materials(&file);
    let token = CancellationToken::new();
    token.cancel();
    assert_eq!(
        block_on(m.clone().prove_image_opening(input(), None, Some(token))),
        Err(ZkbioError::Cancelled)
    );
    for at in [
        ProvingPhase::Witness,
        ProvingPhase::MsmG1,
        ProvingPhase::MsmG2,
        ProvingPhase::Fft,
        ProvingPhase::MsmH,
    ] {
        let token = CancellationToken::new();
        let l = Arc::new(CancelAt {
            at,
            token: token.clone(),
            after: Mutex::default(),
        });
        let r = block_on(
            m.clone()
                .prove_image_opening(input(), Some(l.clone()), Some(token)),
        );
        assert_eq!(r, Err(ZkbioError::Cancelled), "cancelled at {at:?}");
        // The prover stopped within the phase: no later phase started.
        let after = l.after.lock().unwrap();
        assert!(after.iter().all(|&p| p == at), "{at:?}: {after:?}");
    }
}

// ---- The enrollment flows -------------------------------------------------------------------

mod flows {
    use super::block_on;
    use crate::*;
    use alloy_sol_types::SolCall;
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use zkbio_circuits::models::iris::IrisModel as CoreModel;
    use zkbio_circuits::statements::iris_code::{code_commitment, code_geometry};
    use zkbio_core::flows::dev::publish_dev_iris_package;
    use zkbio_core::flows::{scanner_enroll, RegistryTarget};
    use zkbio_core::package::{publisher_address, MANIFEST_FILE};
    use zkbio_core::registry::{binding, Address, BiometricRegistry, LocalSigner, U256};
    use zkbio_core::vault::{FaceImage, IrisSample};

    const PUBLISHER: [u8; 32] = [0x42; 32];
    const CHAIN: u64 = 31337;
    const REGISTRY: [u8; 20] = [0x77; 20];
    const ID: &str = "me";

    /// The host's key store, in memory.
    #[derive(Default)]
    struct MemKeys {
        keys: Mutex<BTreeMap<i64, Vec<u8>>>,
        unavailable: bool,
    }

    impl MemKeys {
        fn with_key(id: i64, key: [u8; 32]) -> Arc<Self> {
            let keys = MemKeys::default();
            keys.keys.lock().unwrap().insert(id, key.to_vec());
            Arc::new(keys)
        }
    }

    impl VaultKeyStore for MemKeys {
        fn get_key(&self, key_id: i64) -> Result<Option<Vec<u8>>, KeyStoreError> {
            if self.unavailable {
                return Err(KeyStoreError::Unavailable {
                    why: "device locked".into(),
                });
            }
            Ok(self.keys.lock().unwrap().get(&key_id).cloned())
        }

        fn create_key(&self, key_id: i64) -> Result<Vec<u8>, KeyStoreError> {
            if let Some(key) = self.get_key(key_id)? {
                return Ok(key);
            }
            let mut key = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
            self.keys.lock().unwrap().insert(key_id, key.to_vec());
            Ok(key.to_vec())
        }

        fn delete_key(&self, key_id: i64) -> Result<(), KeyStoreError> {
            self.keys.lock().unwrap().remove(&key_id);
            Ok(())
        }
    }

    /// Serves a directory: `<anything>/<name>` is the file `name`. Counts calls.
    struct DirFetcher {
        dir: PathBuf,
        calls: AtomicUsize,
    }

    impl DirFetcher {
        fn new(dir: &Path) -> Arc<Self> {
            Arc::new(DirFetcher {
                dir: dir.to_path_buf(),
                calls: AtomicUsize::new(0),
            })
        }
    }

    impl Fetcher for DirFetcher {
        fn fetch_range(
            &self,
            url: String,
            start: i64,
            end: Option<i64>,
        ) -> Result<Vec<u8>, FetchError> {
            self.calls.fetch_add(1, Ordering::Relaxed);
            let name = url.rsplit('/').next().unwrap_or_default();
            let bytes = std::fs::read(self.dir.join(name))
                .map_err(|_| FetchError::Status { status: 404 })?;
            let end = end.map_or(bytes.len(), |e| (e as usize).min(bytes.len()));
            Ok(bytes[start as usize..end].to_vec())
        }
    }

    #[derive(Default)]
    struct Events(Mutex<Vec<DownloadEvent>>);

    impl DownloadListener for Events {
        fn on_event(&self, event: DownloadEvent) {
            self.0.lock().unwrap().push(event);
        }
    }

    fn signer(byte: u8) -> LocalSigner {
        LocalSigner::from_bytes(&[byte; 32]).unwrap()
    }

    fn addr(a: Address) -> Arc<crate::Address> {
        crate::Address::new(a)
    }

    fn nonce(n: u64) -> Arc<Uint256> {
        Uint256::new(U256::from(n))
    }

    fn target(wallet: Arc<crate::Address>, n: u64) -> ProofTarget {
        ProofTarget {
            chain_id: CHAIN as i64,
            registry: addr(Address::new(REGISTRY)),
            wallet,
            nonce: nonce(n),
        }
    }

    /// A scanner's enrollment transfer of a 12 x 24 synthetic iris for `subject`, signed by
    /// `signer(2)`.
    fn transfer(subject: Address) -> Vec<u8> {
        let (image, mask) = zkbio_core::sample::synthetic_iris(12, 24, 7);
        let iris = IrisSample::with_shape(12, 24, image, mask).unwrap();
        let face = FaceImage::new(8, 6, (0..48).map(|i| (i * 5) as u8).collect()).unwrap();
        let target = RegistryTarget {
            chain_id: CHAIN,
            registry: Address::new(REGISTRY),
        };
        let deadline = u64::MAX; // never expires: these tests are not about the deadline
        let t = scanner_enroll(&signer(2), target, subject, deadline, iris, face).unwrap();
        t.to_bytes().as_slice().to_vec()
    }

    /// A published INSECURE dev package of the tiny model `variant` as `version`: its
    /// directory, manifest and pin.
    fn publish(root: &Path, version: u32, variant: i16) -> (PathBuf, String, ModelPin) {
        let dir = root.join(format!("published-{version}"));
        let model = CoreModel::tiny_test_model(variant);
        publish_dev_iris_package(&dir, version, &model, [version as u8; 32], &PUBLISHER).unwrap();
        let manifest = std::fs::read_to_string(dir.join(MANIFEST_FILE)).unwrap();
        let pin = ModelPin {
            version: i64::from(version),
            model_hash: Bytes32::new(model.model_hash()),
            vk_hash: None,
        };
        (dir, manifest, pin)
    }

    fn publishers() -> Vec<Arc<crate::Address>> {
        vec![addr(publisher_address(&PUBLISHER).unwrap())]
    }

    fn fetch(
        cache: &Arc<ModelCache>,
        published: &(PathBuf, String, ModelPin),
        listener: Option<Arc<dyn DownloadListener>>,
    ) -> Result<Arc<IrisModel>, ZkbioError> {
        let (dir, manifest, pin) = published;
        block_on(cache.clone().fetch_iris_model(
            manifest.clone(),
            "https://models.invalid/iris/".into(),
            pin.clone(),
            publishers(),
            DirFetcher::new(dir),
            listener,
            None,
        ))
    }

    fn open_vault(dir: &Path, keys: Arc<MemKeys>) -> Arc<ZkbioVault> {
        ZkbioVault::open(dir.display().to_string(), keys).unwrap()
    }

    fn prove(
        enroll: bool,
        vault: &Arc<ZkbioVault>,
        model: &Arc<IrisModel>,
        wallet: Arc<crate::Address>,
        n: u64,
    ) -> Result<Arc<IrisCodeProof>, ZkbioError> {
        let (v, m) = (vault.clone(), model.clone());
        let t = target(wallet, n);
        block_on(async move {
            if enroll {
                prove_enrollment(v, ID.into(), m, t, None, None).await
            } else {
                prove_reenrollment(v, ID.into(), m, t, None, None).await
            }
        })
    }

    #[test]
    fn import_fetch_regenerate_prove_confirm_and_reenroll() {
        let dir = tempfile::tempdir().unwrap();
        let vault = open_vault(&dir.path().join("vault"), Arc::new(MemKeys::default()));
        let subject = signer(3).address();
        let wallet = addr(subject);

        // Import.
        let imported = vault
            .import_enrollment(
                ID.into(),
                transfer(subject),
                vec![addr(signer(9).address()), addr(signer(2).address())],
            )
            .unwrap();
        assert_eq!(imported.subject, wallet);
        assert_eq!(imported.scanner, addr(signer(2).address()));
        assert_eq!(
            (imported.chain_id, imported.registry.to_bytes()),
            (CHAIN as i64, REGISTRY.to_vec())
        );
        assert_eq!(vault.records(), vec![ID.to_string()]);
        let record = vault.public_record(ID.into()).unwrap();
        assert_eq!(record.c_img, imported.c_img);
        assert_eq!(record.scanner_signature.len(), 65);
        assert_eq!(record.iris_model, None);

        // Fetch and verify both versions; the second fetch of v1 is served by the cache.
        let cache =
            ModelCache::open(dir.path().join("cache").display().to_string(), 1 << 30).unwrap();
        let p1 = publish(dir.path(), 1, 1);
        let p2 = publish(dir.path(), 2, -1);
        let events = Arc::new(Events::default());
        let v1 = fetch(&cache, &p1, Some(events.clone())).unwrap();
        assert_eq!(
            (v1.version(), v1.image_rows(), v1.image_cols()),
            (1, 12, 24)
        );
        assert_eq!(v1.model_hash(), p1.2.model_hash);
        let seen = events.0.lock().unwrap().clone();
        let verified = seen
            .iter()
            .filter(|e| matches!(e, DownloadEvent::Verified { .. }))
            .count();
        assert_eq!(verified, 3, "{seen:?}");
        assert!(seen
            .iter()
            .any(|e| matches!(e, DownloadEvent::Progress { done, total, .. } if done == total)));
        assert!(cache.total_size() > 0);
        let again = Arc::new(Events::default());
        fetch(&cache, &p1, Some(again.clone())).unwrap();
        let hits = again.0.lock().unwrap().clone();
        assert!(
            hits.iter()
                .filter(|e| matches!(e, DownloadEvent::CacheHit { .. }))
                .count()
                == 3,
            "{hits:?}"
        );
        let v2 = fetch(&cache, &p2, None).unwrap();

        // Regenerate: the two versions give different codes.
        let regen = |m: &Arc<IrisModel>| {
            block_on(regenerate_iris_code(vault.clone(), ID.into(), m.clone())).unwrap()
        };
        let (code1, code2) = (regen(&v1), regen(&v2));
        assert_eq!(code1.code.len(), code1.mask.len());
        assert_eq!(code1.code.len(), (code1.bit_count as usize).div_ceil(8));
        assert_ne!(code1.code, code2.code);

        // Doomed requests are refused before proving.
        assert_eq!(
            prove(false, &vault, &v2, wallet.clone(), 0).unwrap_err(),
            ZkbioError::NotEnrolled
        );
        let stranger = addr(signer(4).address());
        assert_eq!(
            prove(true, &vault, &v1, stranger.clone(), 0).unwrap_err(),
            ZkbioError::WalletNotSubject {
                wallet: stranger.to_bytes(),
                subject: wallet.to_bytes()
            }
        );

        // Enrollment.
        let enrolled = prove(true, &vault, &v1, wallet.clone(), 0).unwrap();
        assert_eq!(enrolled.purpose(), IrisPurpose::Enroll);
        assert_eq!(enrolled.version(), 1);
        assert_eq!(enrolled.target(), target(wallet.clone(), 0));
        verify_iris_code(v1.verifying_key(), enrolled.clone()).unwrap();
        assert_eq!(v1.verifying_key().public_input_count(), 3);
        assert_eq!(
            verify_iris_code(v2.verifying_key(), enrolled.clone()),
            Err(ZkbioError::VerificationFailed)
        );
        let public = enrolled.public_inputs();
        assert_eq!(public.c_img, imported.c_img);
        assert_eq!(
            public.binding,
            FieldElement::new(binding(CHAIN, Address::new(REGISTRY), subject, U256::ZERO))
        );
        assert_eq!(
            enrolled.public_input_list(),
            vec![
                public.c_img.clone(),
                public.c_code.clone(),
                public.binding.clone()
            ]
        );
        let tx = enrolled.tx();
        assert_eq!(tx.to.to_bytes(), REGISTRY.to_vec());
        assert_eq!(tx.value, nonce(0));
        let call = BiometricRegistry::enrollCall::abi_decode(&tx.data).unwrap();
        assert_eq!((call.subject, call.version), (subject, 1));
        assert_eq!(
            call.codeCommitment.to_be_bytes::<32>().to_vec(),
            public.c_code.to_bytes()
        );
        let json: serde_json::Value =
            serde_json::from_str(&tx_to_eip1193_json(tx.clone()).unwrap()).unwrap();
        assert_eq!(json["to"], format!("{}", Address::new(REGISTRY)));
        assert_eq!(json["value"], "0x0");
        assert!(json["data"].as_str().unwrap().starts_with("0x"));
        // The opening opens C_code, and it is the regenerated code.
        let opening = enrolled.opening();
        let n = opening.bits.bit_count as usize;
        let unpack = |b: &[u8]| crate::field::unpack_bits("bits", b, n).unwrap();
        assert_eq!(
            FieldElement::new(code_commitment(
                &code_geometry(&CoreModel::tiny_test_model(1)).unwrap(),
                &unpack(&opening.bits.code),
                &unpack(&opening.bits.mask),
                opening.salt_code.fr()
            )),
            public.c_code
        );
        assert_eq!(opening.bits, code1);

        // Confirm: the record holds v1's C_code; enrolling again is refused.
        confirm_iris_code(vault.clone(), ID.into(), enrolled.clone()).unwrap();
        let record = vault.public_record(ID.into()).unwrap();
        assert_eq!(
            record.iris_model,
            Some(ModelCommitment {
                version: 1,
                commitment: public.c_code.clone()
            })
        );
        assert_eq!(
            prove(true, &vault, &v1, wallet.clone(), 1).unwrap_err(),
            ZkbioError::AlreadyEnrolled { version: 1 }
        );
        assert_eq!(
            prove(false, &vault, &v1, wallet.clone(), 1).unwrap_err(),
            ZkbioError::NotNewer {
                current: 1,
                offered: 1
            }
        );

        // Re-enrollment to v2.
        let re = prove(false, &vault, &v2, wallet.clone(), 1).unwrap();
        assert_eq!((re.purpose(), re.version()), (IrisPurpose::Reenroll, 2));
        assert_eq!(re.target().nonce, nonce(1));
        verify_iris_code(v2.verifying_key(), re.clone()).unwrap();
        let re_public = re.public_inputs();
        assert_eq!(re_public.c_img, public.c_img);
        assert_ne!(re_public.c_code, public.c_code);
        let call = BiometricRegistry::reenrollCall::abi_decode(&re.tx().data).unwrap();
        assert_eq!((call.subject, call.version), (subject, 2));
        confirm_iris_code(vault.clone(), ID.into(), re.clone()).unwrap();
        let record = vault.public_record(ID.into()).unwrap();
        assert_eq!(record.iris_model.map(|m| m.version), Some(2));
        // A state never goes back to an older version.
        assert_eq!(
            confirm_iris_code(vault.clone(), ID.into(), enrolled),
            Err(ZkbioError::NotNewer {
                current: 2,
                offered: 1
            })
        );
        // The vault reopens with the same key store and the image survived: same v1 code.
        let keys = Arc::new(MemKeys::default());
        let other = open_vault(&dir.path().join("other"), keys);
        assert!(other.records().is_empty());
        assert_eq!(regen(&v1), code1);
    }

    #[test]
    fn refused_imports_are_typed_and_store_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let vault = open_vault(dir.path(), Arc::new(MemKeys::default()));
        let subject = signer(3).address();
        let bytes = transfer(subject);
        let scanner = addr(signer(2).address());

        assert_eq!(
            vault
                .import_enrollment(ID.into(), bytes.clone(), vec![addr(signer(9).address())])
                .unwrap_err(),
            ZkbioError::UntrustedScanner {
                scanner: scanner.to_bytes()
            }
        );
        // A changed pixel: C_img no longer opens.
        let mut pixel = bytes.clone();
        pixel[200] ^= 1;
        assert!(matches!(
            vault.import_enrollment(ID.into(), pixel, vec![scanner.clone()]),
            Err(ZkbioError::CommitmentMismatch { what }) if what == "C_img"
        ));
        let mut magic = bytes.clone();
        magic[0] ^= 1;
        assert!(matches!(
            vault.import_enrollment(ID.into(), magic, vec![scanner.clone()]),
            Err(ZkbioError::InvalidTransfer { .. })
        ));
        assert!(matches!(
            vault.import_enrollment(
                ID.into(),
                bytes[..bytes.len() - 1].to_vec(),
                vec![scanner.clone()]
            ),
            Err(ZkbioError::InvalidTransfer { .. })
        ));
        assert!(
            vault.records().is_empty(),
            "nothing stored from a refused import"
        );
        assert!(matches!(
            vault.import_enrollment("bad id!".into(), bytes.clone(), vec![scanner.clone()]),
            Err(ZkbioError::InvalidInput { what, .. }) if what == "record_id"
        ));

        vault
            .import_enrollment(ID.into(), bytes.clone(), vec![scanner.clone()])
            .unwrap();
        assert_eq!(
            vault
                .import_enrollment(ID.into(), bytes, vec![scanner])
                .unwrap_err(),
            ZkbioError::RecordExists { id: ID.into() }
        );
        assert_eq!(
            vault.public_record("nobody".into()).unwrap_err(),
            ZkbioError::RecordNotFound {
                id: "nobody".into()
            }
        );
    }

    #[test]
    fn wrong_or_unavailable_vault_keys_are_typed() {
        let dir = tempfile::tempdir().unwrap();
        let keys = MemKeys::with_key(1, [5; 32]);
        let vault = open_vault(dir.path(), keys.clone());
        vault
            .import_enrollment(
                ID.into(),
                transfer(signer(3).address()),
                vec![addr(signer(2).address())],
            )
            .unwrap();
        drop(vault);

        // The same key store opens it again; another key under the same id does not.
        let vault = open_vault(dir.path(), keys);
        assert!(vault.public_record(ID.into()).is_ok());
        drop(vault);
        let wrong = open_vault(dir.path(), MemKeys::with_key(1, [6; 32]));
        assert_eq!(
            wrong.public_record(ID.into()).unwrap_err(),
            ZkbioError::WrongKey { id: ID.into() }
        );
        drop(wrong);

        // A key store that cannot answer now: retryable.
        let locked = Arc::new(MemKeys {
            unavailable: true,
            ..MemKeys::default()
        });
        let fresh = dir.path().join("fresh");
        assert!(matches!(
            ZkbioVault::open(fresh.display().to_string(), locked),
            Err(ZkbioError::KeyStore { retryable: true, why }) if why.contains("device locked")
        ));

        // A key store handing out something that is not a 32-byte key.
        struct Short;
        impl VaultKeyStore for Short {
            fn get_key(&self, _: i64) -> Result<Option<Vec<u8>>, KeyStoreError> {
                Ok(Some(vec![1; 16]))
            }
            fn create_key(&self, _: i64) -> Result<Vec<u8>, KeyStoreError> {
                Ok(vec![1; 16])
            }
            fn delete_key(&self, _: i64) -> Result<(), KeyStoreError> {
                Ok(())
            }
        }
        assert!(matches!(
            ZkbioVault::open(dir.path().join("short").display().to_string(), Arc::new(Short)),
            Err(ZkbioError::KeyStore { retryable: false, why }) if why.contains("16-byte")
        ));
        // An exception the app did not declare: its first line, as a plain failure.
        let unexpected = KeyStoreError::from(uniffi::UnexpectedUniFFICallbackError::new(
            "java.lang.IllegalStateException: boom\n\tat Foo.bar(Foo.kt:1)",
        ));
        assert_eq!(
            unexpected,
            KeyStoreError::Failed {
                why: "unexpected exception from the app: java.lang.IllegalStateException: boom"
                    .into()
            }
        );

        // A tampered record file fails authentication.
        let file = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("me."))
            .unwrap();
        let mut bytes = std::fs::read(&file).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&file, bytes).unwrap();
        let vault = open_vault(dir.path(), MemKeys::with_key(1, [5; 32]));
        assert!(matches!(
            vault.public_record(ID.into()),
            Err(ZkbioError::Tampered { .. })
        ));
    }

    #[test]
    fn refused_packages_download_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let cache =
            ModelCache::open(dir.path().join("cache").display().to_string(), 1 << 30).unwrap();
        let (src, manifest, pin) = publish(dir.path(), 1, 1);
        let fetch_with =
            |pin: ModelPin, publishers: Vec<Arc<crate::Address>>, fetcher: Arc<DirFetcher>| {
                block_on(cache.clone().fetch_iris_model(
                    manifest.clone(),
                    "https://models.invalid/iris".into(),
                    pin,
                    publishers,
                    fetcher,
                    None,
                    None,
                ))
            };

        // The manifest's model hash is not the registry's: refused before any download.
        let fetcher = DirFetcher::new(&src);
        let mut other = pin.clone();
        other.model_hash = Bytes32::new(CoreModel::tiny_test_model(-1).model_hash());
        assert_eq!(
            fetch_with(other.clone(), publishers(), fetcher.clone()).unwrap_err(),
            ZkbioError::ModelHashMismatch {
                expected: other.model_hash.to_bytes(),
                found: pin.model_hash.to_bytes()
            }
        );
        let mut v2 = pin.clone();
        v2.version = 2;
        assert!(matches!(
            fetch_with(v2, publishers(), fetcher.clone()),
            Err(ZkbioError::PackageRejected { why }) if why.contains("version")
        ));
        let stranger = addr(signer(8).address());
        assert!(matches!(
            fetch_with(pin.clone(), vec![stranger], fetcher.clone()),
            Err(ZkbioError::UntrustedPublisher { publisher }) if publisher == publishers()[0].to_bytes()
        ));
        let mut negative = pin.clone();
        negative.version = -1;
        assert!(matches!(
            fetch_with(negative, publishers(), fetcher.clone()),
            Err(ZkbioError::InvalidInput { what, .. }) if what == "pin.version"
        ));
        assert_eq!(
            fetcher.calls.load(Ordering::Relaxed),
            0,
            "nothing was fetched"
        );

        // A server without the files: a typed, non-retryable download failure.
        let empty = DirFetcher::new(&dir.path().join("nowhere"));
        assert!(matches!(
            fetch_with(pin.clone(), publishers(), empty),
            Err(ZkbioError::DownloadFailed { retryable: false, why, .. }) if why.contains("404")
        ));
        // A cancelled token stops the download.
        let token = CancellationToken::new();
        token.cancel();
        let r = block_on(cache.clone().fetch_iris_model(
            manifest.clone(),
            "x".into(),
            pin.clone(),
            publishers(),
            DirFetcher::new(&src),
            None,
            Some(token),
        ));
        assert_eq!(r.unwrap_err(), ZkbioError::Cancelled);
        // A cache too small for the package.
        let tiny = ModelCache::open(dir.path().join("tiny").display().to_string(), 10).unwrap();
        assert!(matches!(
            block_on(tiny.fetch_iris_model(
                manifest.clone(),
                "x".into(),
                pin,
                publishers(),
                DirFetcher::new(&src),
                None,
                None,
            )),
            Err(ZkbioError::InvalidInput { what, .. }) if what == "cache_limit_bytes"
        ));
    }

    #[test]
    fn bad_proof_arguments_are_typed() {
        let dir = tempfile::tempdir().unwrap();
        let vault = open_vault(&dir.path().join("vault"), Arc::new(MemKeys::default()));
        let subject = signer(3).address();
        vault
            .import_enrollment(
                ID.into(),
                transfer(subject),
                vec![addr(signer(2).address())],
            )
            .unwrap();
        let cache =
            ModelCache::open(dir.path().join("cache").display().to_string(), 1 << 30).unwrap();
        let v1 = fetch(&cache, &publish(dir.path(), 1, 1), None).unwrap();
        let mut negative = target(addr(subject), 0);
        negative.chain_id = -1;
        assert!(matches!(
            block_on(prove_enrollment(vault.clone(), ID.into(), v1.clone(), negative, None, None)),
            Err(ZkbioError::InvalidInput { what, .. }) if what == "target.chain_id"
        ));
        let token = CancellationToken::new();
        token.cancel();
        let r = block_on(prove_enrollment(
            vault.clone(),
            ID.into(),
            v1.clone(),
            target(addr(subject), 0),
            None,
            Some(token),
        ));
        assert_eq!(r.unwrap_err(), ZkbioError::Cancelled);
    }

    /// The face surface from Rust: the tiny 8x8 face model's dev package, a transfer whose face
    /// crop is synthetic identity 1, its perturbed selfie and identity 0's.
    mod face {
        use super::*;
        use zkbio_core::flows::dev::publish_dev_face_package;
        use zkbio_core::sample::{perturbed_face, synthetic_face};

        const TINY_FACE: &[u8] = include_bytes!("../../circuits/tests/data/face/face_tiny.tflite");
        const DEV_TAU: i32 = 57344;

        fn face_transfer(subject: Address) -> Vec<u8> {
            let (image, mask) = zkbio_core::sample::synthetic_iris(12, 24, 7);
            let iris = IrisSample::with_shape(12, 24, image, mask).unwrap();
            let face = FaceImage::new(8, 8, synthetic_face(8, 8, 1)).unwrap();
            let target = RegistryTarget {
                chain_id: CHAIN,
                registry: Address::new(REGISTRY),
            };
            let t = scanner_enroll(&signer(2), target, subject, u64::MAX, iris, face).unwrap();
            t.to_bytes().as_slice().to_vec()
        }

        fn vk_hash(path: &Path) -> Arc<Bytes32> {
            VerifyingKey::from_snarkjs_json(std::fs::read_to_string(path).unwrap())
                .unwrap()
                .vk_hash()
                .unwrap()
        }

        struct Setup {
            _dir: tempfile::TempDir,
            vault: Arc<ZkbioVault>,
            model: Arc<FaceModel>,
            pins: FacePins,
            cache: Arc<ModelCache>,
            published: PathBuf,
            manifest: String,
        }

        /// An iris-enrolled record and the fetched face package.
        fn setup() -> Setup {
            let dir = tempfile::tempdir().unwrap();
            let vault = open_vault(&dir.path().join("vault"), Arc::new(MemKeys::default()));
            let subject = signer(3).address();
            vault
                .import_enrollment(
                    ID.into(),
                    face_transfer(subject),
                    vec![addr(signer(2).address())],
                )
                .unwrap();
            let cache =
                ModelCache::open(dir.path().join("cache").display().to_string(), 1 << 30).unwrap();
            let v1 = fetch(&cache, &publish(dir.path(), 1, 1), None).unwrap();
            let enrolled = prove(true, &vault, &v1, addr(subject), 0).unwrap();
            confirm_iris_code(vault.clone(), ID.into(), enrolled).unwrap();

            let published = dir.path().join("face-1");
            let m =
                publish_dev_face_package(&published, 1, TINY_FACE, [5; 32], &PUBLISHER).unwrap();
            let manifest = std::fs::read_to_string(published.join(MANIFEST_FILE)).unwrap();
            let hash = Bytes32::new(m.model_hash);
            let pins = FacePins {
                version: 1,
                embedding_model_hash: hash.clone(),
                embedding_vk_hash: vk_hash(&published.join("embedding_vk.json")),
                match_model_hash: hash,
                match_vk_hash: vk_hash(&published.join("match_vk.json")),
            };
            let model = fetch_face(&cache, &published, &manifest, pins.clone()).unwrap();
            Setup {
                _dir: dir,
                vault,
                model,
                pins,
                cache,
                published,
                manifest,
            }
        }

        fn fetch_face(
            cache: &Arc<ModelCache>,
            dir: &Path,
            manifest: &str,
            pins: FacePins,
        ) -> Result<Arc<FaceModel>, ZkbioError> {
            block_on(cache.clone().fetch_face_model(
                manifest.into(),
                "https://models.invalid/face/".into(),
                pins,
                publishers(),
                DirFetcher::new(dir),
                None,
                None,
            ))
        }

        fn register(s: &Setup, n: u64) -> Result<Arc<FaceEmbeddingProof>, ZkbioError> {
            let t = target(addr(signer(3).address()), n);
            block_on(register_face_embedding(
                s.vault.clone(),
                ID.into(),
                s.model.clone(),
                t,
                None,
                None,
            ))
        }

        fn request(challenge: u64, tau: i32) -> FaceMatchRequest {
            FaceMatchRequest {
                chain_id: CHAIN as i64,
                registry: addr(Address::new(REGISTRY)),
                relying_party: addr(signer(8).address()),
                challenge: nonce(challenge),
                tau,
            }
        }

        fn prove_match(
            s: &Setup,
            selfie: Vec<u8>,
            req: FaceMatchRequest,
        ) -> Result<Arc<FaceMatchProof>, ZkbioError> {
            block_on(prove_face_match(
                s.vault.clone(),
                ID.into(),
                s.model.clone(),
                selfie,
                req,
                None,
                None,
            ))
        }

        #[test]
        fn register_confirm_match_and_typed_refusals() {
            let s = setup();
            assert_eq!(
                (
                    s.model.image_height(),
                    s.model.image_width(),
                    s.model.embedding_dim()
                ),
                (8, 8, 8)
            );
            assert_eq!(s.model.embedding_vk_hash(), s.pins.embedding_vk_hash);
            assert_eq!(s.model.match_vk_hash(), s.pins.match_vk_hash);
            let selfie = perturbed_face(&synthetic_face(8, 8, 1), 8, 8, 5);
            assert_eq!(
                prove_match(&s, selfie.clone(), request(1, DEV_TAU)).unwrap_err(),
                ZkbioError::NoFaceEmbedding
            );

            let reg = register(&s, 1).unwrap();
            verify_face_embedding(s.model.embedding_verifying_key(), reg.clone()).unwrap();
            let record = s.vault.public_record(ID.into()).unwrap();
            assert_eq!(reg.public_inputs().c_face, record.c_face);
            assert_eq!(record.face_model, None);
            confirm_face_embedding(s.vault.clone(), ID.into(), reg.clone()).unwrap();
            let c_emb = reg.public_inputs().c_emb;
            assert_eq!(
                s.vault.public_record(ID.into()).unwrap().face_model,
                Some(ModelCommitment {
                    version: 1,
                    commitment: c_emb.clone()
                })
            );
            assert_eq!(
                register(&s, 2).unwrap_err(),
                ZkbioError::NotNewer {
                    current: 1,
                    offered: 1
                }
            );

            // A match: its public inputs are what the relying party expects.
            let req = request(42, DEV_TAU);
            let m = prove_match(&s, selfie.clone(), req.clone()).unwrap();
            assert!(m.similarity() >= DEV_TAU, "{}", m.similarity());
            verify_face_match(s.model.match_verifying_key(), m.clone()).unwrap();
            let expected = face_match_public_inputs(c_emb.clone(), req.clone()).unwrap();
            assert_eq!(m.public_inputs(), expected);
            let mut other = req.clone();
            other.challenge = nonce(43);
            let o = face_match_public_inputs(c_emb.clone(), other).unwrap();
            assert_eq!(
                verify(
                    s.model.match_verifying_key(),
                    m.proof(),
                    vec![o.c_emb, o.tau, o.binding]
                ),
                Err(ZkbioError::VerificationFailed)
            );
            let call = BiometricRegistry::verifyFaceMatchCall::abi_decode(&m.tx().data).unwrap();
            assert_eq!(
                (call.subject, call.challenge, call.tau),
                (
                    signer(3).address(),
                    U256::from(42u64),
                    U256::from(DEV_TAU as u64)
                )
            );

            // Another identity (0): refused at DEV_TAU, with its similarity if it has one.
            let other = synthetic_face(8, 8, 0);
            let similarity = match prove_match(&s, other.clone(), request(45, DEV_TAU)) {
                Err(ZkbioError::FaceNoMatch { similarity, tau }) => {
                    assert_eq!(tau, DEV_TAU);
                    assert!(similarity.is_none_or(|v| v < DEV_TAU), "{similarity:?}");
                    similarity
                }
                other => panic!("{other:?}"),
            };
            // An identity that does not match but has a similarity: it is exact, whatever tau was
            // asked (at tau = similarity it proves, one above it is refused with the same value).
            let other_similar = (2..64).find_map(|id| {
                let face = synthetic_face(8, 8, id);
                match prove_match(&s, face.clone(), request(45, DEV_TAU)) {
                    Err(ZkbioError::FaceNoMatch {
                        similarity: Some(x),
                        ..
                    }) if x > 0 => Some((face, x)),
                    _ => None,
                }
            });
            if similarity.is_none() {
                // Embeddings pointing apart match at no tau, not even 0.
                assert_eq!(
                    prove_match(&s, other, request(44, 0)).unwrap_err(),
                    ZkbioError::FaceNoMatch {
                        similarity: None,
                        tau: 0
                    }
                );
            }
            let (similar, x) =
                other_similar.expect("an identity in 2..64 with a similarity in (0, DEV_TAU)");
            let at = prove_match(&s, similar.clone(), request(44, x)).unwrap();
            assert_eq!(at.similarity(), x);
            verify_face_match(s.model.match_verifying_key(), at).unwrap();
            assert_eq!(
                prove_match(&s, similar, request(44, x + 1)).unwrap_err(),
                ZkbioError::FaceNoMatch {
                    similarity: Some(x),
                    tau: x + 1
                }
            );
            for n in [0, 63, 65] {
                assert!(matches!(
                    prove_match(&s, vec![7; n], request(46, DEV_TAU)),
                    Err(ZkbioError::InvalidInput { what, .. }) if what == "selfie"
                ));
            }
            for tau in [-1, 65536] {
                assert!(matches!(
                    prove_match(&s, selfie.clone(), request(47, tau)),
                    Err(ZkbioError::InvalidInput { what, .. }) if what == "request.tau"
                ));
            }
            let token = CancellationToken::new();
            token.cancel();
            let r = block_on(prove_face_match(
                s.vault.clone(),
                ID.into(),
                s.model.clone(),
                selfie,
                request(48, DEV_TAU),
                None,
                Some(token),
            ));
            assert_eq!(r.unwrap_err(), ZkbioError::Cancelled);
        }

        /// The face statements from raw inputs (no vault): the embedding the circuit computed
        /// opens the proof's `C_emb`, and a selfie proves a match against that opening.
        #[test]
        fn raw_inputs_prove_both_face_statements() {
            use ark_bn254::Fr;
            let s = setup();
            let face = s.model.package.face().clone();
            let emb = ProvingMaterials::face_embedding(s.model.clone());
            let mat = ProvingMaterials::face_match(s.model.clone());
            let statement = |model_version| (model_version, 8, 8, 8);
            match (emb.statement(), mat.statement()) {
                (
                    Statement::FaceEmbedding {
                        model_version,
                        height,
                        width,
                        dim,
                    },
                    Statement::FaceMatch {
                        model_version: v, ..
                    },
                ) => {
                    assert_eq!((model_version, height, width, dim), statement(1));
                    assert_eq!(v, 1);
                }
                other => panic!("{other:?}"),
            }
            assert_eq!(
                emb.verifying_key().vk_hash().unwrap(),
                s.pins.embedding_vk_hash
            );
            assert_eq!(mat.verifying_key().vk_hash().unwrap(), s.pins.match_vk_hash);

            let image = synthetic_face(8, 8, 1);
            let (salt_face, salt_emb, binding) =
                (Fr::from(11u64), Fr::from(12u64), Fr::from(13u64));
            let input = FaceEmbeddingStatementInput {
                image: image.clone(),
                salt_face: FieldElement::new(salt_face),
                salt_emb: FieldElement::new(salt_emb),
                binding: FieldElement::new(binding),
            };
            let p = block_on(
                emb.clone()
                    .prove_face_embedding_statement(input.clone(), None, None),
            )
            .unwrap();
            let e = face.embed(&image).unwrap();
            assert_eq!(
                p.embedding,
                e.iter()
                    .map(|&v| (i16::from(v) + 128) as u8)
                    .collect::<Vec<_>>()
            );
            assert_eq!(
                p.public_inputs,
                FaceEmbeddingPublicInputs {
                    c_face: FieldElement::new(face.face_commitment(&image, salt_face).unwrap()),
                    c_emb: FieldElement::new(face.embedding_commitment(&e, salt_emb).unwrap()),
                    binding: FieldElement::new(binding),
                }
            );
            verify_face_embedding_statement(emb.verifying_key(), p.clone()).unwrap();
            assert_eq!(
                verify_face_embedding_statement(mat.verifying_key(), p.clone()),
                Err(ZkbioError::VerificationFailed)
            );
            let mut forged = p.clone();
            forged.public_inputs.c_emb = FieldElement::new(Fr::from(1u64));
            assert_eq!(
                verify_face_embedding_statement(emb.verifying_key(), forged),
                Err(ZkbioError::VerificationFailed)
            );

            // A camera-like selfie of the same identity matches the opening at DEV_TAU.
            let selfie = perturbed_face(&image, 8, 8, 5);
            let m_input = FaceMatchStatementInput {
                selfie: selfie.clone(),
                embedding: p.embedding.clone(),
                salt_emb: p.salt_emb.clone(),
                tau: DEV_TAU,
                binding: FieldElement::new(Fr::from(14u64)),
            };
            let prove_m = |i: FaceMatchStatementInput| {
                block_on(mat.clone().prove_face_match_statement(i, None, None))
            };
            let m = prove_m(m_input.clone()).unwrap();
            assert!(m.similarity >= DEV_TAU, "{}", m.similarity);
            assert_eq!(m.public_inputs.c_emb, p.public_inputs.c_emb);
            assert_eq!(
                m.public_inputs.tau,
                FieldElement::new(Fr::from(DEV_TAU as u64))
            );
            assert_eq!(m.public_inputs.binding, FieldElement::new(Fr::from(14u64)));
            verify_face_match_statement(mat.verifying_key(), m.clone()).unwrap();
            let mut higher = m.clone();
            higher.public_inputs.tau = FieldElement::new(Fr::from(DEV_TAU as u64 + 1));
            assert_eq!(
                verify_face_match_statement(mat.verifying_key(), higher),
                Err(ZkbioError::VerificationFailed)
            );

            // Refusals, typed and before proving.
            let stranger = FaceMatchStatementInput {
                selfie: synthetic_face(8, 8, 0),
                ..m_input.clone()
            };
            assert!(matches!(
                prove_m(stranger),
                Err(ZkbioError::FaceNoMatch { tau, .. }) if tau == DEV_TAU
            ));
            for (what, bad) in [
                (
                    "tau",
                    FaceMatchStatementInput {
                        tau: 65536,
                        ..m_input.clone()
                    },
                ),
                (
                    "selfie",
                    FaceMatchStatementInput {
                        selfie: vec![1; 63],
                        ..m_input.clone()
                    },
                ),
                (
                    "embedding",
                    FaceMatchStatementInput {
                        embedding: vec![128; 7],
                        ..m_input.clone()
                    },
                ),
            ] {
                assert!(
                    matches!(prove_m(bad.clone()), Err(ZkbioError::InvalidInput { what: w, .. }) if w == what),
                    "{what}"
                );
            }
            let mut short = input.clone();
            short.image.pop();
            assert!(matches!(
                block_on(emb.clone().prove_face_embedding_statement(short, None, None)),
                Err(ZkbioError::InvalidInput { what, .. }) if what == "image"
            ));
            // Each statement's materials refuse the other's prove call.
            assert!(matches!(
                block_on(mat.clone().prove_face_embedding_statement(input, None, None)),
                Err(ZkbioError::InvalidInput { what, .. }) if what == "materials"
            ));
            assert!(matches!(
                block_on(emb.prove_face_match_statement(m_input, None, None)),
                Err(ZkbioError::InvalidInput { what, .. }) if what == "materials"
            ));
        }

        #[test]
        fn both_kinds_pins_are_checked() {
            let s = setup();
            let fresh = |name: &str| {
                ModelCache::open(s.published.join(name).display().to_string(), 1 << 30).unwrap()
            };
            let mut swapped = s.pins.clone();
            swapped.match_vk_hash = s.pins.embedding_vk_hash.clone();
            assert!(matches!(
                fetch_face(&fresh("a"), &s.published, &s.manifest, swapped),
                Err(ZkbioError::PackageRejected { .. })
            ));
            let mut other = s.pins.clone();
            other.match_model_hash = Bytes32::new([0x11; 32]);
            assert!(matches!(
                fetch_face(&fresh("b"), &s.published, &s.manifest, other),
                Err(ZkbioError::ModelHashMismatch { .. })
            ));
            let mut version = s.pins.clone();
            version.version = 2;
            assert!(matches!(
                fetch_face(&s.cache, &s.published, &s.manifest, version),
                Err(ZkbioError::PackageRejected { .. })
            ));
        }
    }
}

/// Issue 10: materials refuse a forgeable key, proving refuses a corrupted one, and `verify`
/// refuses a forgeable verifying key.
mod key_safety {
    use super::*;
    use zkbio_core::groth16::key_file::KeyView;

    fn key_bytes() -> Vec<u8> {
        std::fs::read(key_file().path()).unwrap()
    }

    fn write(bytes: &[u8]) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), bytes).unwrap();
        file
    }

    #[test]
    fn materials_refuse_a_key_with_delta_equal_to_gamma() {
        let bytes = key_bytes();
        let view = KeyView::new(&bytes).unwrap();
        let mut pk = view.to_proving_key();
        pk.vk.delta_g2 = pk.vk.gamma_g2;
        let file = write(&key_to_bytes(&pk, view.n_constraints()).unwrap());
        let err = ProvingMaterials::image_opening(file.path().display().to_string(), ROWS, COLS)
            .unwrap_err();
        assert!(
            matches!(&err, ZkbioError::CorruptedArtifact { why, .. } if why.contains("δ₂ = ±γ₂")),
            "{err}"
        );
        // `verify` refuses such a key too, even for a proof that satisfies its equation.
        let vk = crate::proof::VerifyingKey::from_snarkjs_json(
            serde_json::to_string(&zkbio_circuits::circom::json::VerificationKeyJson::from_vk(
                &pk.vk,
            ))
            .unwrap(),
        )
        .unwrap();
        let good = materials(&key_file());
        let out = block_on(good.prove_image_opening(input(), None, None)).unwrap();
        let err = verify_image_opening(vk, out).unwrap_err();
        assert!(
            matches!(&err, ZkbioError::InvalidInput { what, .. } if what == "vk"),
            "{err}"
        );
    }

    #[test]
    fn proving_with_a_flipped_key_byte_fails_with_corrupted_artifact() {
        let mut bytes = key_bytes();
        let view = KeyView::new(&bytes).unwrap();
        let at = view.b_g2_bytes().as_ptr() as usize - bytes.as_ptr() as usize;
        bytes[at] ^= 1;
        let file = write(&bytes);
        let m = materials(&file);
        let err = block_on(m.prove_image_opening(input(), None, None)).unwrap_err();
        assert!(
            matches!(&err, ZkbioError::CorruptedArtifact { why, .. } if why.contains("corrupted proving key")),
            "{err}"
        );
    }
}

/// Issue 12: the iris-code statement proved from raw inputs through `ProvingMaterials`.
mod iris_raw {
    use super::{block_on, fe};
    use crate::*;
    use std::path::Path;
    use zkbio_circuits::models::iris::IrisModel as CoreModel;
    use zkbio_circuits::statements::image_opening::{image_commitment, image_geometry};
    use zkbio_circuits::statements::iris_code::{
        code_commitment, code_geometry, IrisCodeStatement,
    };
    use zkbio_core::flows::dev::publish_dev_iris_package;
    use zkbio_core::registry::Address as CoreAddress;

    /// An INSECURE dev package of the tiny model `variant` as `version`, in `dir`.
    fn package(dir: &Path, version: u32, variant: i16) -> (String, String) {
        let model = CoreModel::tiny_test_model(variant);
        publish_dev_iris_package(dir, version, &model, [version as u8; 32], &[0x42; 32]).unwrap();
        let path = |f: &str| dir.join(f).display().to_string();
        (path("model.bin"), path("circuit.zpk"))
    }

    fn target() -> ProofTarget {
        ProofTarget {
            chain_id: 31337,
            registry: crate::Address::new(CoreAddress::new([0x77; 20])),
            wallet: crate::Address::new(CoreAddress::new([0x33; 20])),
            nonce: Uint256::from_long(4).unwrap(),
        }
    }

    fn raw_input() -> (Vec<u8>, Vec<bool>, IrisCodeInput) {
        let (image, mask) = zkbio_core::sample::synthetic_iris(12, 24, 7);
        let input = IrisCodeInput {
            image: image.clone(),
            mask: crate::field::pack_bits(&mask),
            salt_img: fe(11),
            salt_code: fe(22),
            binding: binding_for(target()).unwrap(),
        };
        (image, mask, input)
    }

    #[test]
    fn proves_from_raw_inputs_with_independently_checked_public_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let (model_path, key_path) = package(dir.path(), 1, 1);
        let m = ProvingMaterials::iris_code(model_path, key_path, 1).unwrap();
        let core = CoreModel::tiny_test_model(1);
        assert_eq!(
            m.statement(),
            Statement::IrisCode {
                model_version: 1,
                model_name: core.name().to_owned(),
                rows: 12,
                cols: 24
            }
        );
        assert_eq!(m.verifying_key().public_input_count(), 3);

        let (image, mask, input) = raw_input();
        let out = block_on(m.clone().prove_iris_code(input.clone(), None, None)).unwrap();
        verify_iris_code_statement(m.verifying_key(), out.clone()).unwrap();

        // Each public input recomputed outside the circuit: C_img from the image, the code by
        // the model's native inference, C_code from that code.
        let c_img = image_commitment(&image_geometry(12, 24).unwrap(), &image, &mask, fe(11).fr());
        assert_eq!(out.public_inputs.c_img, FieldElement::new(c_img));
        assert_eq!(out.public_inputs.binding, binding_for(target()).unwrap());
        let statement = IrisCodeStatement::new(core.clone());
        let native = statement
            .code_opening(
                &statement
                    .input(image, mask, fe(11).fr(), fe(22).fr(), fe(0).fr())
                    .unwrap(),
            )
            .unwrap();
        assert_eq!(
            out.opening.bits,
            flows::IrisCodeBits::new(native.code_bits(), native.mask_bits())
        );
        assert_eq!(out.opening.salt_code, fe(22));
        let n = out.opening.bits.bit_count as usize;
        let unpack = |b: &[u8]| crate::field::unpack_bits("bits", b, n).unwrap();
        let c_code = code_commitment(
            &code_geometry(&core).unwrap(),
            &unpack(&out.opening.bits.code),
            &unpack(&out.opening.bits.mask),
            fe(22).fr(),
        );
        assert_eq!(out.public_inputs.c_code, FieldElement::new(c_code));

        // Another binding, C_code or C_img does not verify.
        for change in 0..3 {
            let mut wrong = out.clone();
            match change {
                0 => wrong.public_inputs.binding = fe(5),
                1 => wrong.public_inputs.c_code = fe(5),
                _ => wrong.public_inputs.c_img = fe(5),
            }
            assert_eq!(
                verify_iris_code_statement(m.verifying_key(), wrong),
                Err(ZkbioError::VerificationFailed),
                "change {change}"
            );
        }
    }

    #[test]
    fn wrong_inputs_files_and_statements_are_typed() {
        let dir = tempfile::tempdir().unwrap();
        let (model1, key1) = package(&dir.path().join("v1"), 1, 1);
        let (_, key2) = package(&dir.path().join("v2"), 2, -1);
        let m = ProvingMaterials::iris_code(model1.clone(), key1.clone(), 1).unwrap();
        let prove = |i: IrisCodeInput| block_on(m.clone().prove_iris_code(i, None, None));

        let (_, _, input) = raw_input();
        let mut short = input.clone();
        short.mask.pop();
        assert!(matches!(
            prove(short),
            Err(ZkbioError::InvalidInput { what, .. }) if what == "mask"
        ));
        let mut image = input.clone();
        image.image.push(0);
        assert!(matches!(
            prove(image),
            Err(ZkbioError::InvalidInput { what, .. }) if what == "image"
        ));
        let token = CancellationToken::new();
        token.cancel();
        assert_eq!(
            block_on(m.clone().prove_iris_code(input.clone(), None, Some(token))),
            Err(ZkbioError::Cancelled)
        );

        // The statement's other prove call is refused, both ways.
        let image_key = super::key_file();
        let io = super::materials(&image_key);
        assert!(matches!(
            block_on(io.prove_iris_code(input.clone(), None, None)),
            Err(ZkbioError::InvalidInput { what, .. }) if what == "materials"
        ));
        assert!(matches!(
            block_on(m.clone().prove_image_opening(super::input(), None, None)),
            Err(ZkbioError::InvalidInput { what, .. }) if what == "materials"
        ));

        // Files: v2's key with v1's model (the same shape, so it loads; the proof made with it
        // does not verify, and nothing is returned), a damaged model, a missing one, a bad
        // version.
        let swapped = ProvingMaterials::iris_code(model1.clone(), key2, 1).unwrap();
        let r = block_on(swapped.prove_iris_code(input.clone(), None, None));
        assert!(
            matches!(&r, Err(ZkbioError::CorruptedArtifact { path, .. })
                if path.ends_with("v2/circuit.zpk")),
            "{r:?}"
        );
        let bad = dir.path().join("bad.bin");
        let mut bytes = std::fs::read(&model1).unwrap();
        bytes.truncate(bytes.len() / 2);
        std::fs::write(&bad, bytes).unwrap();
        let bad = bad.display().to_string();
        assert!(matches!(
            ProvingMaterials::iris_code(bad.clone(), key1.clone(), 1),
            Err(ZkbioError::CorruptedArtifact { path, .. }) if path == bad
        ));
        assert!(matches!(
            ProvingMaterials::iris_code("/nonexistent/model.bin".into(), key1.clone(), 1),
            Err(ZkbioError::Io { .. })
        ));
        assert!(matches!(
            ProvingMaterials::iris_code(model1, key1, -1),
            Err(ZkbioError::InvalidInput { what, .. }) if what == "model_version"
        ));
    }
}

/// `RegistryReader` against hostile or broken transports (the anvil test in Kotlin covers a real
/// node): every failure is a typed `Registry` error, never a panic or a wrong value.
mod registry_reader {
    use super::block_on;
    use crate::*;
    use std::sync::{Arc, Mutex};
    use zkbio_core::registry::Address as CoreAddress;

    /// The `result` JSON for a method, or a transport failure.
    type Reply = Box<dyn Fn(&str) -> Result<String, RpcTransportError> + Send + Sync>;

    /// Answers each request with `reply(method)`, echoing the request's id.
    struct Canned {
        reply: Reply,
        methods: Mutex<Vec<String>>,
    }

    impl JsonRpcTransport for Canned {
        fn send(&self, body: String) -> Result<String, RpcTransportError> {
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            let method = v["method"].as_str().unwrap().to_owned();
            self.methods.lock().unwrap().push(method.clone());
            let result = (self.reply)(&method)?;
            Ok(format!(
                r#"{{"jsonrpc":"2.0","id":{},"result":{result}}}"#,
                v["id"]
            ))
        }
    }

    fn reader(
        reply: impl Fn(&str) -> Result<String, RpcTransportError> + Send + Sync + 'static,
    ) -> (Arc<RegistryReader>, Arc<Canned>) {
        let t = Arc::new(Canned {
            reply: Box::new(reply),
            methods: Mutex::default(),
        });
        let registry = crate::Address::new(CoreAddress::new([0x77; 20]));
        (RegistryReader::new(t.clone(), registry), t)
    }

    fn wallet() -> Arc<crate::Address> {
        crate::Address::new(CoreAddress::new([0x33; 20]))
    }

    fn words(ws: &[[u8; 32]]) -> String {
        let hex: String = ws
            .iter()
            .map(|w| crate::error::hex0x(w)[2..].to_owned())
            .collect();
        format!("\"0x{hex}\"")
    }

    #[test]
    fn decodes_what_the_node_returns() {
        let mut nonce = [0u8; 32];
        nonce[31] = 9;
        let (r, t) = reader(move |m| match m {
            "eth_chainId" => Ok("\"0x7a69\"".into()),
            "eth_call" => Ok(words(&[nonce])),
            other => panic!("{other}"),
        });
        assert_eq!(block_on(r.clone().chain_id()), Ok(31337));
        assert_eq!(
            block_on(r.clone().nonce(wallet())),
            Ok(Uint256::from_long(9).unwrap())
        );
        assert_eq!(*t.methods.lock().unwrap(), ["eth_chainId", "eth_call"]);
    }

    #[test]
    fn broken_answers_are_typed_registry_errors() {
        // The transport fails: retryable.
        let (r, _) = reader(|_| {
            Err(RpcTransportError::Network {
                why: "offline".into(),
            })
        });
        assert!(matches!(
            block_on(r.nonce(wallet())),
            Err(ZkbioError::Registry { retryable: true, why }) if why.contains("offline")
        ));
        // Short return data, a non-hex result, a commitment that is not a field element:
        // decode errors, not retried.
        for reply in [
            "\"0x1234\"".to_string(),
            "\"zz\"".to_string(),
            "{}".to_string(),
            words(&[
                [0xff; 32], [0; 32], [0; 32], [0; 32], [0; 32], [0; 32], [0; 32],
            ]),
        ] {
            let (r, _) = reader(move |_| Ok(reply.clone()));
            let e = block_on(r.record(wallet())).unwrap_err();
            assert!(
                matches!(
                    &e,
                    ZkbioError::Registry {
                        retryable: false,
                        ..
                    }
                ),
                "{e:?}"
            );
        }
        // A version that is not a uint32 is refused before any request.
        let (r, t) = reader(|m| panic!("{m}"));
        assert!(matches!(
            block_on(r.model_version(ModelKind::Iris, 1 << 40)),
            Err(ZkbioError::InvalidInput { .. })
        ));
        assert!(t.methods.lock().unwrap().is_empty());
    }
}
