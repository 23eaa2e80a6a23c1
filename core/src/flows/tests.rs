//! The flows end to end on a tiny model: import, package, regenerate, prove, confirm.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use alloy_primitives::{Address, U256};
use zkbio_circuits::models::iris::IrisModel;
use zkbio_circuits::statements::iris_code::code_commitment;

use super::dev::publish_dev_iris_package;
use super::*;
use crate::groth16::progress::Silent;
use crate::groth16::{verify, MappedKey};
use crate::package::{
    publisher_address, verify_manifest, ArtifactCache, DirFetcher, DownloadConfig, ModelKind,
    PackageError, Quiet, RegistryPin, MANIFEST_FILE,
};
use crate::registry::{binding, BiometricRegistry, LocalSigner};
use crate::vault::{FaceImage, InMemoryKeyProvider, IrisSample, KeyId, RecordId, Vault, VaultKey};
use alloy_sol_types::SolCall;

const PUBLISHER: [u8; 32] = [0x42; 32];
const TARGET: RegistryTarget = RegistryTarget {
    chain_id: 31337,
    registry: Address::new([0x77; 20]),
};

fn signer(byte: u8) -> LocalSigner {
    LocalSigner::from_bytes(&[byte; 32]).expect("key")
}

fn tiny_iris() -> IrisSample {
    let (image, mask) = crate::sample::synthetic_iris(12, 24, 7);
    IrisSample::with_shape(12, 24, image, mask).expect("iris")
}

/// 2100-01-01: the deadline of the tests' attestations, unless a test is about it.
const FAR_DEADLINE: u64 = 4_102_444_800;

fn transfer_until(subject: Address, deadline: u64) -> Vec<u8> {
    let face = FaceImage::new(8, 6, (0..48).map(|i| (i * 5) as u8).collect()).expect("face");
    let t =
        scanner_enroll(&signer(2), TARGET, subject, deadline, tiny_iris(), face).expect("enroll");
    t.to_bytes().as_slice().to_vec()
}

fn transfer(subject: Address) -> Vec<u8> {
    transfer_until(subject, FAR_DEADLINE)
}

fn vault(dir: &Path) -> Vault {
    let keys = InMemoryKeyProvider::new();
    keys.set_key(KeyId(1), VaultKey::generate().expect("key"));
    Vault::open(dir, Arc::new(keys)).expect("vault")
}

/// A package of `model` as `version`, published, fetched into a cache and loaded.
fn package(dir: &Path, version: u32, model: &IrisModel) -> IrisModelPackage {
    let src = dir.join(format!("published-{version}"));
    // One seed for every package: the setup must still differ per model version.
    let manifest =
        publish_dev_iris_package(&src, version, model, [7; 32], &PUBLISHER).expect("publish");
    let pin = RegistryPin {
        kind: ModelKind::Iris,
        version,
        model_hash: model.model_hash(),
    };
    assert_eq!(manifest.model_hash, pin.model_hash);
    let json = std::fs::read(src.join(MANIFEST_FILE)).expect("manifest");
    let trusted = [publisher_address(&PUBLISHER).expect("address")];
    let verified = verify_manifest(&json, &pin, &trusted).expect("verify");
    let cache = ArtifactCache::open(dir.join("cache"), 1 << 30).expect("cache");
    let pkg = cache
        .fetch_package(
            &verified,
            "https://models.invalid/iris",
            &DirFetcher::new(src),
            &Quiet,
            &DownloadConfig::default(),
        )
        .expect("fetch");
    IrisModelPackage::load(&pkg).expect("load")
}

fn id() -> RecordId {
    RecordId::new("me").expect("id")
}

#[test]
fn import_checks_commitments_and_scanner_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = vault(dir.path());
    let subject = signer(3).address();
    let bytes = transfer(subject);
    let scanner = signer(2).address();

    let err = import_enrollment(&vault, &id(), &bytes, &[signer(9).address()]).unwrap_err();
    assert!(matches!(err, FlowError::UntrustedScanner { scanner: s } if s == scanner));
    assert!(
        !vault.contains(&id()),
        "nothing stored from a refused import"
    );

    let imported = import_enrollment(&vault, &id(), &bytes, &[scanner]).expect("import");
    assert_eq!(imported.scanner, scanner);
    assert_eq!(imported.target, TARGET);
    assert_eq!(imported.record.subject, subject);
    assert_eq!(vault.public_record(&id()).expect("stored"), imported.record);
    assert!(matches!(
        import_enrollment(&vault, &id(), &bytes, &[scanner]),
        Err(FlowError::RecordExists { .. })
    ));

    // Every single-byte change of the transfer is refused (or, in the signature's recovery
    // byte, recovers another signer), and nothing is stored.
    let other = RecordId::new("tampered").expect("id");
    for i in (0..bytes.len()).step_by(7).chain([bytes.len() - 1]) {
        let mut bad = bytes.clone();
        bad[i] ^= 0x01;
        assert!(
            import_enrollment(&vault, &other, &bad, &[scanner]).is_err(),
            "flip at byte {i} was imported"
        );
    }
    assert!(!vault.contains(&other));
    assert!(matches!(
        EnrollmentTransfer::from_bytes(&bytes[..bytes.len() - 1]),
        Err(FlowError::Transfer(_))
    ));
}

#[test]
fn a_transfer_with_v1_commitments_is_refused_by_its_format_version() {
    let mut bytes = transfer(signer(3).address());
    assert_eq!(bytes[8..10], [0, 2]);
    bytes[8..10].copy_from_slice(&1u16.to_be_bytes());
    let err = EnrollmentTransfer::from_bytes(&bytes).unwrap_err();
    assert_eq!(
        err.to_string(),
        "enrollment transfer: format version 1, this build reads 2"
    );
}

#[test]
fn transfer_v2_carries_a_signed_deadline_and_expired_ones_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = vault(dir.path());
    let subject = signer(3).address();
    let scanner = signer(2).address();
    let bytes = transfer(subject);
    assert_eq!(&bytes[8..10], &2u16.to_be_bytes(), "format version 2");
    let t = EnrollmentTransfer::from_bytes(&bytes).expect("decode");
    assert_eq!(t.bundle.scanner_deadline, FAR_DEADLINE);

    // A version-1 header is refused, not misread.
    let mut v1 = bytes.clone();
    v1[8..10].copy_from_slice(&1u16.to_be_bytes());
    assert!(matches!(
        EnrollmentTransfer::from_bytes(&v1),
        Err(FlowError::Transfer(m)) if m.contains("version 1")
    ));

    // The deadline is signed: moving it recovers another signer.
    let mut redated = t.clone();
    redated.bundle.scanner_deadline += 1;
    assert_ne!(redated.verify().expect("recovers"), scanner);
    assert!(matches!(
        import_enrollment(&vault, &id(), redated.to_bytes().as_slice(), &[scanner]),
        Err(FlowError::UntrustedScanner { .. })
    ));

    // An attestation that expired (one second ago) is refused at import.
    let past = super::transfer::unix_now() - 1;
    let expired = transfer_until(subject, past);
    assert!(matches!(
        import_enrollment(&vault, &id(), &expired, &[scanner]),
        Err(FlowError::AttestationExpired { deadline, .. }) if deadline == past
    ));
    assert!(!vault.contains(&id()), "nothing stored");
    let imported = import_enrollment(&vault, &id(), &bytes, &[scanner]).expect("import");
    assert_eq!(imported.record.scanner_deadline, FAR_DEADLINE);
}

#[test]
fn enroll_then_reenroll_through_verified_packages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = vault(&dir.path().join("vault"));
    let wallet = signer(3).address();
    import_enrollment(&vault, &id(), &transfer(wallet), &[signer(2).address()]).expect("import");
    let v1 = package(dir.path(), 1, &IrisModel::tiny_test_model(1));
    let v2 = package(dir.path(), 2, &IrisModel::tiny_test_model(-1));

    // Regeneration is the model's inference on the stored image.
    let code_v1 = regenerate_iris_code(&vault, &id(), &v1).expect("regenerate");
    let code_v2 = regenerate_iris_code(&vault, &id(), &v2).expect("regenerate");
    assert_ne!(code_v1.code_bits(), code_v2.code_bits());

    // Re-enrollment before enrollment is refused before proving.
    let nonce = U256::from(0);
    assert!(matches!(
        prove_reenrollment(&vault, &id(), &v2, TARGET, wallet, nonce, &Silent),
        Err(FlowError::NotEnrolled)
    ));
    let enrolled =
        prove_enrollment(&vault, &id(), &v1, TARGET, wallet, nonce, &Silent).expect("prove");
    let vk1 = v1.key().view().verifying_key();
    verify(&vk1, &enrolled.proof, &enrolled.public_inputs).expect("the proof verifies");
    let c_img = vault.public_record(&id()).expect("record").c_img;
    assert_eq!(
        super::transfer::field_bytes(&enrolled.public_inputs[0], "C_img").unwrap(),
        c_img
    );
    assert_eq!(
        enrolled.public_inputs[2],
        binding(TARGET.chain_id, TARGET.registry, wallet, nonce)
    );
    // The calldata is `enroll(subject, ...)` with the proof's C_code and version.
    assert_eq!(enrolled.tx.to, TARGET.registry);
    let call = BiometricRegistry::enrollCall::abi_decode(&enrolled.tx.data).expect("enroll call");
    assert_eq!(call.subject, wallet);
    assert_eq!(call.version, 1);
    assert_eq!(
        call.codeCommitment,
        crate::evm::abi::fr_word(&enrolled.public_inputs[1])
    );
    // The opening opens C_code, and its bits are the circuit's code (in the model's order).
    let opening = &enrolled.opening;
    let salt = super::transfer::fr_of(opening.salt().expose());
    let geometry = v1.statement().code_geometry().expect("a model's code fits");
    assert_eq!(enrolled.code_geometry, geometry);
    assert_eq!(
        code_commitment(&geometry, opening.code_bits(), opening.mask_bits(), salt),
        enrolled.public_inputs[1]
    );
    // Proving again gives the same C_code (derived salt) but a fresh proof.
    let again =
        prove_enrollment(&vault, &id(), &v1, TARGET, wallet, nonce, &Silent).expect("prove");
    assert_eq!(again.public_inputs, enrolled.public_inputs);
    assert_ne!(again.proof, enrolled.proof);

    confirm_iris_code(&vault, &id(), &enrolled).expect("confirm");
    let record = vault.public_record(&id()).expect("record");
    assert_eq!(record.iris_model.map(|m| m.0), Some(1));
    assert!(matches!(
        prove_enrollment(&vault, &id(), &v1, TARGET, wallet, nonce, &Silent),
        Err(FlowError::AlreadyEnrolled { version: 1 })
    ));
    assert!(matches!(
        prove_reenrollment(&vault, &id(), &v1, TARGET, wallet, U256::from(1), &Silent),
        Err(FlowError::NotNewer {
            current: 1,
            offered: 1
        })
    ));

    let nonce = U256::from(1);
    let re =
        prove_reenrollment(&vault, &id(), &v2, TARGET, wallet, nonce, &Silent).expect("reenroll");
    let vk2 = v2.key().view().verifying_key();
    verify(&vk2, &re.proof, &re.public_inputs).expect("verifies under v2");
    assert_ne!(
        vk1, vk2,
        "packages made with one seed still get their own setup"
    );
    assert!(verify(&vk1, &re.proof, &re.public_inputs).is_err());
    assert_eq!(re.public_inputs[0], enrolled.public_inputs[0], "same C_img");
    assert_ne!(re.public_inputs[1], enrolled.public_inputs[1], "new C_code");
    let call = BiometricRegistry::reenrollCall::abi_decode(&re.tx.data).expect("reenroll call");
    assert_eq!((call.subject, call.version), (wallet, 2));
    confirm_iris_code(&vault, &id(), &re).expect("confirm");
    // The image survived both updates: v1's code regenerates as before.
    let code = regenerate_iris_code(&vault, &id(), &v1).expect("regenerate");
    assert_eq!(code.code_bits(), code_v1.code_bits());
    // A state never goes back to an older version.
    assert!(matches!(
        confirm_iris_code(&vault, &id(), &enrolled),
        Err(FlowError::NotNewer {
            current: 2,
            offered: 1
        })
    ));
}

#[test]
fn doomed_requests_are_refused_before_proving() {
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = vault(&dir.path().join("vault"));
    let wallet = signer(3).address();
    import_enrollment(&vault, &id(), &transfer(wallet), &[signer(2).address()]).expect("import");
    let v1 = package(dir.path(), 1, &IrisModel::tiny_test_model(1));
    let stranger = signer(4).address();
    assert!(matches!(
        prove_enrollment(&vault, &id(), &v1, TARGET, stranger, U256::ZERO, &Silent),
        Err(FlowError::WalletNotSubject { .. })
    ));
    let cancelled = Arc::new(AtomicBool::new(true));
    let request = IrisProofRequest::new(IrisPurpose::Enroll, TARGET, wallet, U256::ZERO);
    assert!(matches!(
        prove_iris_code(&vault, &id(), &v1, &request, &Silent, cancelled),
        Err(FlowError::Cancelled)
    ));
    // A stored image that no longer opens the record's C_img: the witness takes the record's
    // C_img, the prover finds it unsatisfied, and the flow says which commitment failed.
    let changed = RecordId::new("changed").expect("id");
    import_enrollment(&vault, &changed, &transfer(wallet), &[signer(2).address()]).expect("import");
    vault
        .update(&changed, |b| {
            let mut image = b.iris.image().to_vec();
            image[5] ^= 1;
            let (rows, cols) = (b.iris.rows(), b.iris.cols());
            b.iris = IrisSample::with_shape(rows, cols, image, b.iris.mask().to_vec()).unwrap();
        })
        .expect("update");
    assert!(matches!(
        prove_enrollment(&vault, &changed, &v1, TARGET, wallet, U256::ZERO, &Silent),
        Err(FlowError::CommitmentMismatch { what: "C_img" })
    ));
    // A full-size image cannot go through a 12 x 24 model.
    let (image, mask) = crate::sample::synthetic_iris(128, 512, 1);
    let face = FaceImage::new(4, 4, vec![9; 16]).expect("face");
    let big = scanner_enroll(
        &signer(2),
        TARGET,
        wallet,
        FAR_DEADLINE,
        IrisSample::new(image, mask).unwrap(),
        face,
    )
    .expect("enroll");
    let big_id = RecordId::new("big").expect("id");
    import_enrollment(
        &vault,
        &big_id,
        big.to_bytes().as_slice(),
        &[signer(2).address()],
    )
    .expect("import");
    assert!(matches!(
        prove_enrollment(&vault, &big_id, &v1, TARGET, wallet, U256::ZERO, &Silent),
        Err(FlowError::ImageSize {
            rows: 128,
            cols: 512,
            ..
        })
    ));
    assert!(matches!(
        regenerate_iris_code(&vault, &big_id, &v1),
        Err(FlowError::ImageSize { .. })
    ));
    assert!(matches!(
        prove_enrollment(
            &vault,
            &RecordId::new("nobody").unwrap(),
            &v1,
            TARGET,
            wallet,
            U256::ZERO,
            &Silent
        ),
        Err(FlowError::Vault(_))
    ));
}

#[test]
fn a_key_for_another_model_or_a_changed_file_is_refused_at_load() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("pkg");
    publish_dev_iris_package(&src, 1, &IrisModel::tiny_test_model(1), [1; 32], &PUBLISHER)
        .expect("publish");
    let key = MappedKey::open(&src.join("circuit.zpk")).expect("key");
    // The tiny model's key has the tiny model's constraint count; the scaled model's does not.
    let err = IrisModelPackage::new(1, IrisModel::scaled_test_model(), key, None).unwrap_err();
    assert!(matches!(err, FlowError::Key(_)), "{err}");

    // A model file changed in the cache after verification is caught by load.
    let model = IrisModel::tiny_test_model(1);
    let pin = RegistryPin {
        kind: ModelKind::Iris,
        version: 1,
        model_hash: model.model_hash(),
    };
    let json = std::fs::read(src.join(MANIFEST_FILE)).expect("manifest");
    let trusted = [publisher_address(&PUBLISHER).expect("address")];
    let verified = verify_manifest(&json, &pin, &trusted).expect("verify");
    let cache = ArtifactCache::open(dir.path().join("cache"), 1 << 30).expect("cache");
    let pkg = cache
        .fetch_package(
            &verified,
            "x",
            &DirFetcher::new(src.clone()),
            &Quiet,
            &DownloadConfig::default(),
        )
        .expect("fetch");
    let model_path = pkg.path(crate::package::ArtifactRole::Model).expect("path");
    let mut bytes = std::fs::read(model_path).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(model_path, &bytes).expect("write");
    assert!(matches!(
        IrisModelPackage::load(&pkg),
        Err(FlowError::Package(PackageError::ModelHashMismatch { .. }))
    ));
}

mod key_safety {
    //! Issue 10: forgeable keys are refused at load, corrupted keys fail proving, and
    //! development packages carry their marker.

    use super::*;
    use crate::groth16::key_file::{key_to_bytes_with_origin, KeyView};
    use crate::groth16::{KeyOrigin, KeyStructureError, ProveError};
    use crate::package::Manifest;

    fn publish(src: &Path) -> Manifest {
        publish_dev_iris_package(src, 1, &IrisModel::tiny_test_model(1), [3; 32], &PUBLISHER)
            .expect("publish")
    }

    #[test]
    fn a_forgeable_key_is_refused_when_the_package_is_opened() {
        let dir = tempfile::tempdir().expect("tempdir");
        let src = dir.path().join("pkg");
        publish(&src);
        let bytes = std::fs::read(src.join("circuit.zpk")).expect("key");
        let view = KeyView::new(&bytes).expect("view");
        let mut pk = view.to_proving_key();
        pk.vk.delta_g2 = pk.vk.gamma_g2;
        let bad = key_to_bytes_with_origin(&pk, view.n_constraints(), view.origin()).unwrap();
        let path = dir.path().join("forgeable.zpk");
        std::fs::write(&path, bad).expect("write");
        let key = MappedKey::open(&path).expect("map");
        let err = IrisModelPackage::new(1, IrisModel::tiny_test_model(1), key, None).unwrap_err();
        assert!(
            matches!(
                err,
                FlowError::UnsafeKey(KeyStructureError::DeltaEqualsGamma)
            ),
            "{err}"
        );
        // The untouched key opens.
        let key = MappedKey::open(&src.join("circuit.zpk")).expect("map");
        IrisModelPackage::new(1, IrisModel::tiny_test_model(1), key, None).expect("load");
    }

    #[test]
    fn a_flipped_byte_in_the_key_fails_the_enrollment_proof_with_corrupted_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let vault = vault(&dir.path().join("vault"));
        let wallet = signer(3).address();
        import_enrollment(&vault, &id(), &transfer(wallet), &[signer(2).address()])
            .expect("import");
        let src = dir.path().join("pkg");
        publish(&src);
        let mut bytes = std::fs::read(src.join("circuit.zpk")).expect("key");
        let view = KeyView::new(&bytes).expect("view");
        // The A point of wire 0 (the constant one, in every proof).
        let at = view.a_bytes().as_ptr() as usize - bytes.as_ptr() as usize;
        bytes[at] ^= 1;
        let path = dir.path().join("flipped.zpk");
        std::fs::write(&path, &bytes).expect("write");
        let key = MappedKey::open(&path).expect("map");
        let model = IrisModelPackage::new(1, IrisModel::tiny_test_model(1), key, None)
            .expect("the header and VK section are intact");
        let err = prove_enrollment(&vault, &id(), &model, TARGET, wallet, U256::ZERO, &Silent)
            .unwrap_err();
        assert!(
            matches!(err, FlowError::Prove(ProveError::CorruptedKey)),
            "{err}"
        );
    }

    #[test]
    fn development_packages_are_marked_and_a_manifest_that_hides_it_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let src = dir.path().join("pkg");
        let manifest = publish(&src);
        assert!(manifest.insecure_dev_key);
        let key = std::fs::read(src.join("circuit.zpk")).expect("key");
        assert_eq!(KeyView::new(&key).unwrap().origin(), KeyOrigin::InsecureDev);
        let vk: serde_json::Value =
            serde_json::from_slice(&std::fs::read(src.join("verification_key.json")).unwrap())
                .unwrap();
        assert_eq!(
            vk[crate::groth16::dev_marker::VK_JSON_MARKER],
            serde_json::Value::Bool(true)
        );
        // The flag is signed: clearing it in the JSON breaks the signature.
        let json = std::fs::read(src.join(MANIFEST_FILE)).expect("manifest");
        let text = String::from_utf8(json.clone()).unwrap();
        assert!(text.contains("\"insecure_dev_key\": true"), "{text}");
        let mut cleared = Manifest::from_json(&json).unwrap();
        cleared.insecure_dev_key = false;
        assert_ne!(cleared.publisher().ok(), manifest.publisher().ok());
        // A publisher who signs the cleared flag is caught when the package is opened.
        cleared.sign(&PUBLISHER).unwrap();
        std::fs::write(src.join(MANIFEST_FILE), cleared.to_json()).unwrap();
        let model = IrisModel::tiny_test_model(1);
        let pin = RegistryPin {
            kind: ModelKind::Iris,
            version: 1,
            model_hash: model.model_hash(),
        };
        let trusted = [publisher_address(&PUBLISHER).expect("address")];
        let json = std::fs::read(src.join(MANIFEST_FILE)).expect("manifest");
        let verified = verify_manifest(&json, &pin, &trusted).expect("verify");
        let cache = ArtifactCache::open(dir.path().join("cache"), 1 << 30).expect("cache");
        let pkg = cache
            .fetch_package(
                &verified,
                "x",
                &DirFetcher::new(src.clone()),
                &Quiet,
                &DownloadConfig::default(),
            )
            .expect("fetch");
        let err = IrisModelPackage::load(&pkg).unwrap_err();
        assert!(
            matches!(&err, FlowError::Key(why) if why.contains("insecure_dev_key")),
            "{err}"
        );
    }
}

#[test]
fn a_package_whose_key_is_not_the_pinned_one_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let v1 = package(dir.path(), 1, &IrisModel::tiny_test_model(1));
    let v2 = package(dir.path(), 2, &IrisModel::tiny_test_model(-1));
    // The hash is the verifier's: keccak256 of the key in its constructor encoding.
    let own = crate::evm::vk_hash(&v1.key().view().verifying_key()).expect("hash");
    assert_eq!(v1.vk_hash(), own.0);
    assert_ne!(v1.vk_hash(), v2.vk_hash());
    v1.check_vk_hash(own.0).expect("the pinned key");
    // The registry pinned another version's key (an owner's mistake, or a publisher's swap).
    match v1.check_vk_hash(v2.vk_hash()) {
        Err(FlowError::VkHashMismatch { pinned, found }) => {
            assert_eq!(pinned, v2.vk_hash());
            assert_eq!(found, v1.vk_hash());
        }
        other => panic!("expected VkHashMismatch, got {other:?}"),
    }
}

#[test]
fn the_flows_log_their_phases_and_refusals_and_never_a_salt() {
    use crate::log::capture::Capture;
    use tracing::Level;
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = vault(&dir.path().join("vault"));
    let wallet = signer(3).address();
    let nonce = U256::from(0);
    let (proof, lines) = Capture::run(|| {
        import_enrollment(&vault, &id(), &transfer(wallet), &[signer(2).address()])
            .expect("import");
        let v1 = package(dir.path(), 1, &IrisModel::tiny_test_model(1));
        assert!(prove_reenrollment(&vault, &id(), &v1, TARGET, wallet, nonce, &Silent).is_err());
        prove_enrollment(&vault, &id(), &v1, TARGET, wallet, nonce, &Silent).expect("prove")
    });
    let info: Vec<_> = lines.iter().filter(|l| l.level == Level::INFO).collect();
    // The publisher's development setup (in the test's package()) logs its queries too.
    let phases: Vec<(&str, &str)> = info
        .iter()
        .filter(|l| l.spans != "dev-setup")
        .filter_map(|l| l.phase.as_deref().map(|p| (l.spans.as_str(), p)))
        .collect();
    assert_eq!(
        phases,
        [
            ("load_iris_package", "iris package load and key checks"),
            ("prove_iris_code", "witness"),
            ("prove_iris_code/prove", "checks"),
            ("prove_iris_code/prove", "msm-g1"),
            ("prove_iris_code/prove", "msm-g2"),
            ("prove_iris_code/prove", "fft"),
            ("prove_iris_code/prove", "msm-h"),
            ("prove_iris_code/prove", "self-verify"),
        ],
        "{lines:#?}"
    );
    // The package's files were downloaded (in the fetch's span) and verified.
    for file in ["model.bin", "circuit.zpk", "verification_key.json"] {
        assert!(
            info.iter().any(|l| l.spans == "fetch-package"
                && l.message
                    .starts_with(&format!("{file}: downloaded and verified in "))),
            "{file}: {info:#?}"
        );
    }
    let warn: Vec<_> = lines.iter().filter(|l| l.level == Level::WARN).collect();
    assert_eq!(warn.len(), 1, "{warn:#?}");
    assert_eq!(
        warn[0].message,
        "prove_iris_code refused: not enrolled yet; use enrollment"
    );
    // No salt in any line, in any of the forms the code writes numbers in.
    let salt_img = vault
        .with_bundle(&id(), |b| *b.salt_img.expose())
        .expect("record");
    let salt_code = *proof.opening.salt().expose();
    for salt in [salt_img, salt_code] {
        let forms = [hex::encode(salt), super::transfer::fr_of(&salt).to_string()];
        for l in &lines {
            for form in &forms {
                assert!(!l.message.contains(form.as_str()), "a salt in {l:?}");
            }
        }
    }
}

/// The full variant (open-iris's fragile-bit refinement) through the flows, at the CI size:
/// published as a package, regenerated in the vault (its bits are the native inference's, a
/// strict subset of the encoder-only model's mask), proven and verified.
#[test]
fn the_full_variant_publishes_regenerates_and_proves() {
    use zkbio_circuits::models::iris::IrisInference;
    let model = IrisModel::scaled_test_model_full();
    let (rows, cols) = (model.image_rows(), model.image_cols());
    // Low contrast (6 grey levels), so some responses fall inside `|z| <= 0.275` and the
    // refinement keeps some bits and drops others.
    let (image, mask) = crate::sample::synthetic_iris(rows, cols, 11);
    let image: Vec<u8> = image.into_iter().map(|p| 100 + p / 43).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = vault(&dir.path().join("vault"));
    let wallet = signer(3).address();
    let face = FaceImage::new(8, 6, (0..48).map(|i| (i * 5) as u8).collect()).expect("face");
    let iris = IrisSample::with_shape(rows, cols, image.clone(), mask.clone()).expect("iris");
    let t = scanner_enroll(&signer(2), TARGET, wallet, FAR_DEADLINE, iris, face).expect("enroll");
    let transfer = t.to_bytes().as_slice().to_vec();
    import_enrollment(&vault, &id(), &transfer, &[signer(2).address()]).expect("import");
    let pkg = package(dir.path(), 1, &model);
    assert_eq!(pkg.statement().model_hash(), model.model_hash());

    let code = regenerate_iris_code(&vault, &id(), &pkg).expect("regenerate");
    let native = IrisInference::new(&model)
        .infer(&image, &mask)
        .expect("sizes");
    assert_eq!(code.code_bits(), native.code());
    assert_eq!(code.mask_bits(), native.mask());
    let encoder_only = IrisInference::new(&IrisModel::scaled_test_model())
        .infer(&image, &mask)
        .expect("sizes");
    let kept = code.mask_bits().iter().filter(|&&b| b).count();
    let encoder_kept = encoder_only.mask().iter().filter(|&&b| b).count();
    assert!(code
        .mask_bits()
        .iter()
        .zip(encoder_only.mask())
        .all(|(&full, &enc)| !full || enc));
    assert!(0 < kept && kept < encoder_kept, "{kept} of {encoder_kept}");

    let proof = prove_enrollment(&vault, &id(), &pkg, TARGET, wallet, U256::from(0), &Silent)
        .expect("prove");
    let vk = pkg.key().view().verifying_key();
    verify(&vk, &proof.proof, &proof.public_inputs).expect("the proof verifies");
    assert_eq!(proof.opening.mask_bits(), code.mask_bits());
    assert_eq!(proof.opening.code_bits(), code.code_bits());
}
