//! The face flows end to end on the tiny face model (8x8 input, 8-d embedding; untrained, so its
//! embeddings fall into a few coarse classes): package loading and registry pins, registering
//! the embedding, the vault's state, and face matches bound to a relying party.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use zkbio_circuits::models::face::DEV_TAU;

use super::dev::{publish_dev_face_package, publish_dev_iris_package};
use super::*;
use crate::groth16::progress::Silent;
use crate::groth16::{verify, Phase, ProveControl, VerifyError};
use crate::package::{
    publisher_address, verify_manifest, ArtifactCache, DirFetcher, DownloadConfig, ModelKind,
    PackageError, Quiet, RegistryPin, VerifiedManifest, VerifiedPackage, MANIFEST_FILE,
};
use crate::registry::{binding, BiometricRegistry, LocalSigner};
use crate::sample::{perturbed_face, synthetic_face};
use crate::vault::{
    FaceImage, FieldBytes, InMemoryKeyProvider, IrisModelState, IrisSample, KeyId, RecordId, Vault,
    VaultKey,
};

const TINY_FACE: &[u8] = include_bytes!("../../../circuits/tests/data/face/face_tiny.tflite");
const PUBLISHER: [u8; 32] = [0x42; 32];
const TARGET: RegistryTarget = RegistryTarget {
    chain_id: 31337,
    registry: Address::new([0x77; 20]),
};
/// The enrolled identity; identity 0 is one the tiny model does not match with it (checked
/// below by the flow's own refusal).
const ENROLLED: u64 = 1;
const OTHER: u64 = 0;

fn signer(byte: u8) -> LocalSigner {
    LocalSigner::from_bytes(&[byte; 32]).expect("key")
}

fn id() -> RecordId {
    RecordId::new("me").expect("id")
}

/// A vault whose key provider can open it again.
fn vault(dir: &Path, keys: &Arc<InMemoryKeyProvider>) -> Vault {
    Vault::open(dir.join("vault"), keys.clone()).expect("vault")
}

fn keys() -> Arc<InMemoryKeyProvider> {
    let keys = InMemoryKeyProvider::new();
    keys.set_key(KeyId(1), VaultKey::generate().expect("key"));
    Arc::new(keys)
}

/// Imports a scanner enrollment with the enrolled identity's 8x8 crop, and marks the record
/// as iris-enrolled (what `registerFaceEmbedding` requires; the iris flows are tested apart).
fn enrolled(vault: &Vault, subject: Address) {
    let (image, mask) = crate::sample::synthetic_iris(12, 24, 7);
    let iris = IrisSample::with_shape(12, 24, image, mask).expect("iris");
    let face = FaceImage::new(8, 8, synthetic_face(8, 8, ENROLLED)).expect("face");
    let t = scanner_enroll(&signer(2), TARGET, subject, 4_102_444_800, iris, face).expect("scan");
    import_enrollment(
        vault,
        &id(),
        t.to_bytes().as_slice(),
        &[signer(2).address()],
    )
    .expect("import");
}

fn mark_iris_enrolled(vault: &Vault) {
    let c_code = FieldBytes::from_be_bytes([1; 32], "C_code").expect("field");
    vault
        .update(&id(), |b| {
            b.iris_model = Some(IrisModelState {
                version: 1,
                c_code,
                opening: None,
            })
        })
        .expect("update");
}

/// The tiny face model's package as `version`, published and verified into a cache.
fn verified_package(dir: &Path, version: u32, seed: u8) -> (VerifiedManifest, VerifiedPackage) {
    let src = dir.join(format!("published-face-{version}-{seed}"));
    let manifest = publish_dev_face_package(&src, version, TINY_FACE, [seed; 32], &PUBLISHER)
        .expect("publish");
    assert_eq!(manifest.kind, ModelKind::Face);
    assert_eq!(manifest.artifacts.len(), 5);
    assert!(manifest.insecure_dev_key);
    let pin = RegistryPin {
        kind: ModelKind::Face,
        version,
        model_hash: manifest.model_hash,
    };
    let json = std::fs::read(src.join(MANIFEST_FILE)).expect("manifest");
    let trusted = [publisher_address(&PUBLISHER).expect("address")];
    let verified = verify_manifest(&json, &pin, &trusted).expect("verify");
    let cache = ArtifactCache::open(dir.join("cache"), 1 << 30).expect("cache");
    let pkg = cache
        .fetch_package(
            &verified,
            "https://models.invalid/face",
            &DirFetcher::new(src),
            &Quiet,
            &DownloadConfig::default(),
        )
        .expect("fetch");
    (verified, pkg)
}

fn package(dir: &Path, version: u32) -> FaceModelPackage {
    FaceModelPackage::load(&verified_package(dir, version, 7).1).expect("load")
}

/// Records the phases reported; cancels when asked to.
#[derive(Default)]
struct Recording {
    phases: Mutex<Vec<Phase>>,
    cancel: AtomicBool,
}

impl ProveControl for Recording {
    fn progress(&self, phase: Phase, _fraction: f32) {
        self.phases.lock().expect("lock").push(phase);
    }

    fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

impl Recording {
    /// Whether anything past the witness was started (an FFT or MSM of the prover).
    fn proved(&self) -> bool {
        self.phases
            .lock()
            .expect("lock")
            .iter()
            .any(|p| *p != Phase::Witness)
    }
}

#[test]
fn a_face_package_loads_and_is_checked_against_both_registry_pins() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (verified, pkg) = verified_package(dir.path(), 1, 7);
    let p = FaceModelPackage::load(&pkg).expect("load");
    assert_eq!(p.version(), 1);
    assert_eq!(
        (p.face().height(), p.face().width(), p.face().dim()),
        (8, 8, 8)
    );
    assert_ne!(p.embedding_vk_hash(), p.match_vk_hash());
    let pins = FaceRegistryPins {
        embedding_model_hash: p.model_hash(),
        embedding_vk_hash: p.embedding_vk_hash(),
        match_model_hash: p.model_hash(),
        match_vk_hash: p.match_vk_hash(),
    };
    FaceModelPackage::load_pinned(&pkg, &pins).expect("pinned");
    // Each of the four pins is checked.
    let mut bad = pins;
    bad.embedding_vk_hash[0] ^= 1;
    assert!(matches!(
        FaceModelPackage::load_pinned(&pkg, &bad),
        Err(FlowError::VkHashMismatch { .. })
    ));
    let mut bad = pins;
    bad.match_vk_hash[31] ^= 1;
    assert!(matches!(
        p.check_pins(&bad),
        Err(FlowError::VkHashMismatch { .. })
    ));
    // The embedding key where the match key is pinned (a proof of one statement passing as
    // the other) is refused.
    let mut swapped = pins;
    swapped.match_vk_hash = pins.embedding_vk_hash;
    assert!(p.check_pins(&swapped).is_err());
    for bad in [
        FaceRegistryPins {
            embedding_model_hash: [9; 32],
            ..pins
        },
        FaceRegistryPins {
            match_model_hash: [9; 32],
            ..pins
        },
    ] {
        assert!(matches!(
            p.check_pins(&bad),
            Err(FlowError::Package(PackageError::ModelHashMismatch { .. }))
        ));
    }
    // Another setup of the same model has other keys: not the registry's.
    let (_, other) = verified_package(dir.path(), 1, 8);
    assert!(matches!(
        FaceModelPackage::load_pinned(&other, &pins),
        Err(FlowError::VkHashMismatch { .. })
    ));

    // fetch: the model's input size is checked before the embedding key downloads.
    let src = dir.path().join("published-face-1-7");
    let cache = ArtifactCache::open(dir.path().join("cache2"), 1 << 30).expect("cache");
    let fetch = |shape| {
        FaceModelPackage::fetch(
            &cache,
            &verified,
            "https://models.invalid/face",
            &DirFetcher::new(&src),
            &Quiet,
            &DownloadConfig::default(),
            shape,
        )
    };
    assert!(matches!(
        fetch(Some((64, 64))),
        Err(FlowError::Package(PackageError::Rejected { .. }))
    ));
    assert_eq!(
        fetch(Some((8, 8))).expect("fetch").match_vk_hash(),
        p.match_vk_hash()
    );

    // An iris package is not a face package, and the other way round.
    let iris = zkbio_circuits::models::iris::IrisModel::tiny_test_model(1);
    let iris_src = dir.path().join("iris");
    publish_dev_iris_package(&iris_src, 1, &iris, [7; 32], &PUBLISHER).expect("iris");
    let iris_pin = RegistryPin {
        kind: ModelKind::Iris,
        version: 1,
        model_hash: iris.model_hash(),
    };
    let json = std::fs::read(iris_src.join(MANIFEST_FILE)).expect("manifest");
    let trusted = [publisher_address(&PUBLISHER).expect("address")];
    let iris_verified = verify_manifest(&json, &iris_pin, &trusted).expect("verify");
    let iris_pkg = cache
        .fetch_package(
            &iris_verified,
            "https://models.invalid/iris",
            &DirFetcher::new(&iris_src),
            &Quiet,
            &DownloadConfig::default(),
        )
        .expect("fetch");
    assert!(matches!(
        FaceModelPackage::load(&iris_pkg),
        Err(FlowError::WrongKind("iris"))
    ));
    assert!(matches!(
        IrisModelPackage::load(&pkg),
        Err(FlowError::WrongKind("face"))
    ));
}

#[test]
fn register_the_embedding_then_match_selfies_for_a_relying_party() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = keys();
    let vault = vault(dir.path(), &keys);
    let subject = signer(3).address();
    enrolled(&vault, subject);
    let p = package(dir.path(), 1);
    let nonce = U256::from(4u64);
    let register = |wallet, ctl: &dyn ProveControl, cancel| {
        register_face_embedding(&vault, &id(), &p, TARGET, wallet, nonce, ctl, cancel)
    };

    // Refused before proving: not enrolled yet, another wallet, cancelled.
    let ctl = Recording::default();
    assert!(matches!(
        register(subject, &ctl, Arc::default()),
        Err(FlowError::NotEnrolled)
    ));
    mark_iris_enrolled(&vault);
    assert!(matches!(
        register(signer(4).address(), &ctl, Arc::default()),
        Err(FlowError::WalletNotSubject { .. })
    ));
    assert!(matches!(
        register(subject, &ctl, Arc::new(AtomicBool::new(true))),
        Err(FlowError::Cancelled)
    ));
    assert!(!ctl.proved());

    // The proof: [stored C_face, C_emb, binding(subject, nonce)], verified under the key.
    let reg = register(subject, &Silent, Arc::default()).expect("register");
    let record = vault.public_record(&id()).expect("record");
    assert_eq!(
        super::transfer::field_bytes(&reg.public_inputs[0], "C_face").expect("field"),
        record.c_face
    );
    assert_eq!(
        reg.public_inputs[2],
        binding(TARGET.chain_id, TARGET.registry, subject, nonce)
    );
    let emb_vk = p.embedding_key().view().verifying_key();
    verify(&emb_vk, &reg.proof, &reg.public_inputs).expect("verifies");
    // E is the model's embedding of the enrolled crop, committed with the derived salt.
    let e = p
        .face()
        .embed(&synthetic_face(8, 8, ENROLLED))
        .expect("embed");
    let bytes: Vec<u8> = e.iter().map(|&v| (i16::from(v) + 128) as u8).collect();
    assert_eq!(reg.opening.embedding(), bytes.as_slice());
    let salt_face = vault
        .with_bundle(&id(), |b| b.salt_face.clone())
        .expect("salt");
    let salt_emb = derive_salt_emb(&salt_face, 1);
    assert_eq!(
        p.face().embedding_commitment(&e, salt_emb).expect("commit"),
        reg.public_inputs[1]
    );
    assert_ne!(derive_salt_emb(&salt_face, 2), salt_emb);
    // The registry call carries exactly that.
    let call =
        BiometricRegistry::registerFaceEmbeddingCall::abi_decode(&reg.tx.data).expect("decode");
    assert_eq!((call.subject, call.version), (subject, 1));
    assert_eq!(
        call.embeddingCommitment,
        crate::evm::abi::fr_word(&reg.public_inputs[1])
    );
    assert_eq!(reg.tx.to, TARGET.registry);
    // Repeatable: the same C_emb and opening again (a fresh proof).
    let again = register(subject, &Silent, Arc::default()).expect("again");
    assert_eq!(again.public_inputs, reg.public_inputs);
    assert_eq!(again.opening.embedding(), reg.opening.embedding());
    assert_ne!(again.proof, reg.proof);

    // No embedding yet: no match.
    let selfie = perturbed_face(&synthetic_face(8, 8, ENROLLED), 8, 8, 5);
    let rp = signer(5).address();
    let request = FaceMatchRequest {
        target: TARGET,
        relying_party: rp,
        challenge: U256::from(0xc0ffee_u64),
        tau: DEV_TAU,
    };
    assert!(matches!(
        prove_face_match(
            &vault,
            &id(),
            &p,
            &selfie,
            &request,
            &Silent,
            Arc::default()
        ),
        Err(FlowError::NoFaceEmbedding)
    ));

    // Confirm: stored, and read back after reopening the vault.
    let tampered = {
        let mut t = reg.clone();
        t.public_inputs[1] += ark_bn254::Fr::from(1u64);
        t
    };
    assert!(matches!(
        confirm_face_embedding(&vault, &id(), &tampered),
        Err(FlowError::CommitmentMismatch { what: "C_emb" })
    ));
    confirm_face_embedding(&vault, &id(), &reg).expect("confirm");
    drop(vault);
    let vault = self::vault(dir.path(), &keys);
    let record = vault.public_record(&id()).expect("record");
    let c_emb = super::transfer::field_bytes(&reg.public_inputs[1], "C_emb").expect("field");
    assert_eq!(record.face_model, Some((1, c_emb)));
    let stored = vault
        .with_bundle(&id(), |b| {
            let m = b.face_model.as_ref().expect("state");
            m.opening.as_ref().expect("opening").embedding().to_vec()
        })
        .expect("bundle");
    assert_eq!(stored, bytes);
    // Version 1 again is not newer.
    assert!(matches!(
        register_face_embedding(
            &vault,
            &id(),
            &p,
            TARGET,
            subject,
            nonce,
            &Silent,
            Arc::default()
        ),
        Err(FlowError::NotNewer {
            current: 1,
            offered: 1
        })
    ));

    // A matching selfie: the proof verifies for this relying party, challenge and tau only.
    let m = prove_face_match(
        &vault,
        &id(),
        &p,
        &selfie,
        &request,
        &Silent,
        Arc::default(),
    )
    .expect("match");
    assert!(m.similarity >= u32::from(DEV_TAU));
    assert_eq!(m.subject, subject);
    let match_vk = p.match_key().view().verifying_key();
    let public = face_match_public_inputs(reg.public_inputs[1], &request);
    assert_eq!(m.public_inputs, public);
    verify(&match_vk, &m.proof, &public).expect("verifies");
    for other in [
        FaceMatchRequest {
            relying_party: signer(6).address(),
            ..request
        },
        FaceMatchRequest {
            challenge: U256::from(0xc0ffef_u64),
            ..request
        },
        FaceMatchRequest {
            tau: DEV_TAU - 1,
            ..request
        },
        FaceMatchRequest {
            target: RegistryTarget {
                chain_id: 1,
                ..TARGET
            },
            ..request
        },
    ] {
        let public = face_match_public_inputs(reg.public_inputs[1], &other);
        assert!(
            matches!(
                verify(&match_vk, &m.proof, &public),
                Err(VerifyError::Rejected)
            ),
            "{other:?}"
        );
    }
    // Nor as a face-embedding proof.
    assert!(verify(&emb_vk, &m.proof, &m.public_inputs).is_err());
    let call = BiometricRegistry::verifyFaceMatchCall::abi_decode(&m.tx.data).expect("decode");
    assert_eq!(
        (call.subject, call.challenge, call.tau),
        (subject, request.challenge, U256::from(DEV_TAU))
    );

    // Refused before proving: another identity, a wrong size, cancellation, another version.
    let ctl = Recording::default();
    let other = synthetic_face(8, 8, OTHER);
    match prove_face_match(&vault, &id(), &p, &other, &request, &ctl, Arc::default()) {
        Err(FlowError::FaceNoMatch { similarity, tau }) => {
            assert_eq!(tau, DEV_TAU);
            assert!(similarity.is_none_or(|s| s < u32::from(DEV_TAU)));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        prove_face_match(
            &vault,
            &id(),
            &p,
            &selfie[..63],
            &request,
            &ctl,
            Arc::default()
        ),
        Err(FlowError::InvalidInput(_))
    ));
    assert!(!ctl.proved(), "nothing was proved for a refused selfie");
    let cancel = Recording::default();
    cancel.cancel.store(true, Ordering::Relaxed);
    assert!(matches!(
        prove_face_match(
            &vault,
            &id(),
            &p,
            &selfie,
            &request,
            &cancel,
            Arc::default()
        ),
        Err(FlowError::Cancelled)
    ));
    assert!(matches!(
        prove_face_match(
            &vault,
            &id(),
            &p,
            &selfie,
            &request,
            &Silent,
            Arc::new(AtomicBool::new(true))
        ),
        Err(FlowError::Cancelled)
    ));
    let v2 = package(dir.path(), 2);
    assert!(matches!(
        prove_face_match(
            &vault,
            &id(),
            &v2,
            &selfie,
            &request,
            &Silent,
            Arc::default()
        ),
        Err(FlowError::FaceVersionMismatch {
            registered: 1,
            offered: 2
        })
    ));
}
