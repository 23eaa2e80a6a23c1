//! Manifest parsing, signatures and registry pins.

use alloy_primitives::Address;
use num_bigint::BigUint;

use super::fixtures::{package, PUBLISHER_KEY};
use crate::package::{
    publisher_address, verify_manifest, ArtifactRole, IrisFamily, Manifest, ModelKind,
    PackageError, RegistryPin,
};

fn trusted() -> Vec<Address> {
    vec![publisher_address(&PUBLISHER_KEY).expect("address")]
}

#[test]
fn a_signed_manifest_round_trips_through_json_and_verifies() {
    let p = package(2, [100, 200, 50], "");
    assert_eq!(p.publisher, trusted()[0]);
    let json = p.json();
    let text = String::from_utf8(json.clone()).expect("utf8");
    assert!(
        text.contains("\"kind\": \"iris\"") && text.contains("\"role\": \"proving_key\""),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "\"model_hash\": \"0x{}\"",
            hex::encode(p.pin.model_hash)
        )),
        "{text}"
    );
    assert_eq!(Manifest::from_json(&json).expect("parse"), p.manifest);
    let verified = verify_manifest(&json, &p.pin, &trusted()).expect("verify");
    assert_eq!(verified.publisher(), p.publisher);
    assert_eq!(verified.manifest().version, 2);
}

/// A named change to a signed manifest.
type Mutation = (&'static str, fn(&mut Manifest));

#[test]
fn changing_any_signed_field_breaks_the_signature() {
    let p = package(2, [100, 200, 50], "");
    let mutations: Vec<Mutation> = vec![
        ("version", |m| m.version += 1),
        ("kind", |m| m.kind = ModelKind::Face),
        ("model hash", |m| m.model_hash[5] ^= 1),
        ("artifact digest", |m| m.artifacts[1].sha3_256[0] ^= 1),
        ("artifact size", |m| m.artifacts[2].size += 1),
        ("artifact name", |m| {
            m.artifacts[0].name = "other.bin".into()
        }),
        ("artifact order", |m| m.artifacts.swap(1, 2)),
    ];
    for (what, mutate) in mutations {
        let mut m = p.manifest.clone();
        mutate(&mut m);
        // The pin follows the change, so only the signature can catch it.
        let pin = RegistryPin {
            kind: m.kind,
            version: m.version,
            model_hash: m.model_hash,
        };
        let result = verify_manifest(m.to_json().as_bytes(), &pin, &trusted());
        // A face manifest lists five artifacts: this one fails its structure before its
        // signature is looked at (the face test below changes the kind of a full one).
        let structure = what == "kind" && matches!(result, Err(PackageError::InvalidManifest(_)));
        assert!(
            structure
                || matches!(
                    result,
                    Err(PackageError::UntrustedPublisher { .. } | PackageError::BadSignature)
                ),
            "{what}: {result:?}"
        );
    }
}

#[test]
fn a_manifest_signed_by_another_key_is_untrusted() {
    let mut p = package(2, [100, 200, 50], "");
    let other = p.manifest.sign(&[0x22; 32]).expect("sign");
    match verify_manifest(&p.json(), &p.pin, &trusted()) {
        Err(PackageError::UntrustedPublisher { publisher }) => assert_eq!(publisher, other),
        other => panic!("expected UntrustedPublisher, got {other:?}"),
    }
}

#[test]
fn the_high_s_twin_of_a_valid_signature_is_refused() {
    let mut p = package(2, [100, 200, 50], "");
    let mut sig = p.manifest.signature.expect("signed");
    let order = BigUint::parse_bytes(
        b"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141",
        16,
    )
    .expect("n");
    let high_s = &order - BigUint::from_bytes_be(&sig[32..64]);
    let high_s = high_s.to_bytes_be();
    sig[32..64].fill(0);
    sig[64 - high_s.len()..64].copy_from_slice(&high_s);
    sig[64] ^= 1; // 27 <-> 28: the twin recovers the same key
    p.manifest.signature = Some(sig);
    assert!(matches!(
        p.manifest.publisher(),
        Err(PackageError::BadSignature)
    ));
}

#[test]
fn a_model_whose_hash_is_not_the_registry_pin_is_refused_before_any_download() {
    let p = package(2, [100, 200, 50], "");
    let mut pin = p.pin;
    pin.model_hash[0] ^= 0xff;
    match verify_manifest(&p.json(), &pin, &trusted()) {
        Err(PackageError::ModelHashMismatch { expected, found }) => {
            assert_eq!(expected, pin.model_hash);
            assert_eq!(found, p.pin.model_hash);
        }
        other => panic!("expected ModelHashMismatch, got {other:?}"),
    }
    let wrong_version = RegistryPin {
        version: 3,
        ..p.pin
    };
    assert!(matches!(
        verify_manifest(&p.json(), &wrong_version, &trusted()),
        Err(PackageError::VersionMismatch {
            expected: 3,
            found: 2
        })
    ));
    let wrong_kind = RegistryPin {
        kind: ModelKind::Face,
        ..p.pin
    };
    assert!(matches!(
        verify_manifest(&p.json(), &wrong_kind, &trusted()),
        Err(PackageError::KindMismatch { .. })
    ));
}

#[test]
fn malformed_manifests_are_refused_with_their_own_errors() {
    let p = package(2, [100, 200, 50], "");
    let json = String::from_utf8(p.json()).expect("utf8");

    let unknown_field = json.replacen("\"format\"", "\"extra\": 1, \"format\"", 1);
    assert!(matches!(
        Manifest::from_json(unknown_field.as_bytes()),
        Err(PackageError::ManifestJson(_))
    ));

    let mut m = p.manifest.clone();
    m.format = 2;
    assert!(matches!(
        Manifest::from_json(m.to_json().as_bytes()),
        Err(PackageError::UnsupportedFormat(2))
    ));

    let mut m = p.manifest.clone();
    m.artifacts[2].role = ArtifactRole::ProvingKey;
    assert!(matches!(
        Manifest::from_json(m.to_json().as_bytes()),
        Err(PackageError::InvalidManifest(_))
    ));

    for bad_name in ["../model.bin", ".hidden", "a/b", ""] {
        let mut m = p.manifest.clone();
        m.artifacts[0].name = bad_name.into();
        assert!(
            matches!(
                Manifest::from_json(m.to_json().as_bytes()),
                Err(PackageError::InvalidManifest(_))
            ),
            "{bad_name:?}"
        );
    }

    let mut m = p.manifest.clone();
    m.signature = None;
    assert!(matches!(
        verify_manifest(m.to_json().as_bytes(), &p.pin, &trusted()),
        Err(PackageError::Unsigned)
    ));

    let huge = vec![b' '; 70 * 1024];
    assert!(matches!(
        Manifest::from_json(&huge),
        Err(PackageError::ManifestTooLarge { .. })
    ));
}

#[test]
fn the_development_key_flag_is_signed_and_leaves_unmarked_encodings_unchanged() {
    let p = package(1, [10, 20, 30], "flag");
    let plain = p.manifest.clone();
    let mut marked = plain.clone();
    marked.insecure_dev_key = true;
    // One trailing byte, only when set: every manifest signed before the flag still verifies.
    let mut expected = plain.canonical_encoding();
    expected.push(1);
    assert_eq!(marked.canonical_encoding(), expected);
    assert!(!plain.to_json().contains("insecure_dev_key"));
    // Setting the flag invalidates the publisher's signature over the unmarked manifest.
    assert_ne!(marked.publisher().ok(), Some(p.publisher));
    marked.sign(&PUBLISHER_KEY).unwrap();
    let back = Manifest::from_json(marked.to_json().as_bytes()).unwrap();
    assert!(back.insecure_dev_key);
    assert_eq!(back.publisher().unwrap(), p.publisher);
    // Older manifests, without the field, read as unmarked.
    let old = Manifest::from_json(plain.to_json().as_bytes()).unwrap();
    assert!(!old.insecure_dev_key);
    assert_eq!(old.publisher().unwrap(), p.publisher);
}

/// A face manifest: the iris roles and both face-match keys, each exactly once.
fn face_manifest() -> Manifest {
    let p = package(3, [100, 200, 50], "");
    let mut m = p.manifest.clone();
    m.kind = ModelKind::Face;
    for (name, role) in [
        ("match.zpk", ArtifactRole::MatchProvingKey),
        ("match_vk.json", ArtifactRole::MatchVerificationKey),
    ] {
        m.artifacts.push(crate::package::Artifact {
            name: name.into(),
            role,
            sha3_256: [role as u8; 32],
            size: 77,
        });
    }
    m.sign(&PUBLISHER_KEY).expect("sign");
    m
}

#[test]
fn a_face_manifest_has_five_roles_all_signed() {
    let m = face_manifest();
    let pin = RegistryPin {
        kind: ModelKind::Face,
        version: 3,
        model_hash: m.model_hash,
    };
    let json = m.to_json();
    assert!(json.contains("\"role\": \"match_proving_key\""), "{json}");
    verify_manifest(json.as_bytes(), &pin, &trusted()).expect("a face manifest verifies");
    // The match keys are signed: swapping their roles, or changing the kind to iris (with the
    // pin following), is refused.
    let mut swapped = m.clone();
    swapped.artifacts[3].role = ArtifactRole::MatchVerificationKey;
    swapped.artifacts[4].role = ArtifactRole::MatchProvingKey;
    assert!(matches!(
        verify_manifest(swapped.to_json().as_bytes(), &pin, &trusted()),
        Err(PackageError::UntrustedPublisher { .. } | PackageError::BadSignature)
    ));
    // An iris manifest with the match keys, and a face manifest without one, are malformed.
    let mut iris = m.clone();
    iris.kind = ModelKind::Iris;
    assert!(matches!(
        Manifest::from_json(iris.to_json().as_bytes()),
        Err(PackageError::InvalidManifest(_))
    ));
    let mut short = m.clone();
    short.artifacts.pop();
    assert!(matches!(
        Manifest::from_json(short.to_json().as_bytes()),
        Err(PackageError::InvalidManifest(_))
    ));
    let mut twice = m;
    twice.artifacts[4].role = ArtifactRole::MatchProvingKey;
    assert!(matches!(
        Manifest::from_json(twice.to_json().as_bytes()),
        Err(PackageError::InvalidManifest(_))
    ));
}

/// A manifest of family `tflite`: the fixture's files with the model named `model.tflite`.
fn tflite_manifest(magnitude: u8, cell_min_valid: u32) -> (Manifest, RegistryPin) {
    let p = package(2, [100, 200, 50], "");
    let mut m = p.manifest.clone();
    m.artifacts[0].name = "model.tflite".into();
    m.family = Some(IrisFamily::Tflite {
        magnitude,
        cell_min_valid,
    });
    m.sign(&PUBLISHER_KEY).expect("sign");
    (m, p.pin)
}

#[test]
fn the_iris_family_is_a_signed_trailing_part_and_absent_means_filter_bank() {
    let p = package(2, [100, 200, 50], "");
    let plain = p.manifest.clone();
    assert_eq!(plain.iris_family(), IrisFamily::FilterBank);
    assert!(!plain.to_json().contains("family"));

    let (m, pin) = tflite_manifest(2, 15);
    let mut renamed = plain.clone();
    renamed.artifacts[0].name = "model.tflite".into();
    // Old manifests' encodings are unchanged; the family appends its own tagged part:
    // 3, family 2 (tflite), magnitude, cell_min_valid big-endian.
    let mut expected = renamed.canonical_encoding();
    expected.extend_from_slice(&[3, 2, 2, 0, 0, 0, 15]);
    assert_eq!(m.canonical_encoding(), expected);
    let mut bank = plain.clone();
    bank.family = Some(IrisFamily::FilterBank);
    let mut expected = plain.canonical_encoding();
    expected.extend_from_slice(&[3, 1]);
    assert_eq!(bank.canonical_encoding(), expected);

    let json = m.to_json();
    assert!(
        json.contains("\"name\": \"tflite\"")
            && json.contains("\"magnitude\": 2")
            && json.contains("\"cell_min_valid\": 15"),
        "{json}"
    );
    let verified = verify_manifest(json.as_bytes(), &pin, &trusted()).expect("verify");
    assert_eq!(
        verified.manifest().iris_family(),
        IrisFamily::Tflite {
            magnitude: 2,
            cell_min_valid: 15
        }
    );
    let back = Manifest::from_json(
        br#"{"format":1,"kind":"iris","version":1,"model_hash":"0x00000000000000000000000000000000000000000000000000000000000000aa",
        "artifacts":[{"name":"model.bin","role":"model","sha3_256":"0000000000000000000000000000000000000000000000000000000000000001","size":1},
        {"name":"k.zpk","role":"proving_key","sha3_256":"0000000000000000000000000000000000000000000000000000000000000002","size":1},
        {"name":"vk.json","role":"verification_key","sha3_256":"0000000000000000000000000000000000000000000000000000000000000003","size":1}],
        "family":{"name":"filter-bank"}}"#,
    )
    .expect("an explicit filter bank parses");
    assert_eq!(back.family, Some(IrisFamily::FilterBank));
}

#[test]
fn changing_the_family_or_its_rule_breaks_the_signature() {
    let (m, pin) = tflite_manifest(2, 15);
    let mutations: Vec<Mutation> = vec![
        ("magnitude", |m| {
            m.family = Some(IrisFamily::Tflite {
                magnitude: 3,
                cell_min_valid: 15,
            })
        }),
        ("cell_min_valid", |m| {
            m.family = Some(IrisFamily::Tflite {
                magnitude: 2,
                cell_min_valid: 14,
            })
        }),
        ("family dropped", |m| {
            m.family = None;
            m.artifacts[0].name = "model.bin".into();
        }),
    ];
    for (what, mutate) in mutations {
        let mut bad = m.clone();
        mutate(&mut bad);
        let result = verify_manifest(bad.to_json().as_bytes(), &pin, &trusted());
        assert!(
            matches!(
                result,
                Err(PackageError::UntrustedPublisher { .. } | PackageError::BadSignature)
            ),
            "{what}: {result:?}"
        );
    }
}

#[test]
fn a_family_that_does_not_fit_the_package_is_malformed() {
    let refused = |m: &Manifest| {
        matches!(
            Manifest::from_json(m.to_json().as_bytes()),
            Err(PackageError::InvalidManifest(_))
        )
    };
    let (m, _) = tflite_manifest(2, 15);
    // A tflite family over a model file that is not a .tflite, and the other way round.
    let mut bin = m.clone();
    bin.artifacts[0].name = "model.bin".into();
    assert!(refused(&bin));
    let mut bank = m.clone();
    bank.family = Some(IrisFamily::FilterBank);
    assert!(refused(&bank));
    // A face package has no iris family.
    let mut face = face_manifest();
    face.family = Some(IrisFamily::FilterBank);
    assert!(refused(&face));
    // Unknown families and unknown fields of a family are refused (the signature would not
    // cover them), as are rules out of their integer range.
    let json = m.to_json();
    for (from, to) in [
        ("\"name\": \"tflite\"", "\"name\": \"onnx\""),
        (
            "\"cell_min_valid\": 15",
            "\"cell_min_valid\": 15, \"zero_point\": 3",
        ),
        ("\"magnitude\": 2", "\"magnitude\": 256"),
        ("\"magnitude\": 2", "\"magnitude\": -1"),
    ] {
        let bad = json.replace(from, to);
        assert_ne!(bad, json);
        assert!(
            matches!(
                Manifest::from_json(bad.as_bytes()),
                Err(PackageError::ManifestJson(_))
            ),
            "{to}"
        );
    }
}
