//! Fetching an iris package the way a phone does: the checks before the proving key downloads,
//! and the key's compressed transport form expanded on the device.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ark_bn254::Fr;
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkbio_circuits::models::iris::IrisModel;

use super::dev::{publish_dev_iris_package, DEV_PACKAGE_FILES};
use super::{FlowError, IrisModelPackage};
use crate::groth16::key_file::digest;
use crate::groth16::key_transport::TransportError;
use crate::groth16::progress::Silent;
use crate::groth16::{prove, verify, KeyView};
use crate::package::{
    publish_package_with_transport, publisher_address, verify_manifest, ArtifactCache, DirFetcher,
    DownloadConfig, DownloadEvent, DownloadObserver, FetchError, Fetcher, Manifest, ModelKind,
    PackageError, RegistryPin, VerifiedManifest, MANIFEST_FILE,
};

const PUBLISHER: [u8; 32] = [0x42; 32];
const TRANSPORT: &str = "circuit.zpkz";

/// Serves a directory, recording every range asked for, by file name.
struct Recording {
    inner: DirFetcher,
    asked: Mutex<Vec<(String, u64, Option<u64>)>>,
}

impl Recording {
    fn new(dir: &Path) -> Self {
        Self {
            inner: DirFetcher::new(dir),
            asked: Mutex::new(Vec::new()),
        }
    }

    /// Bytes asked for per file (an open end counts as the rest of a 1 GiB file).
    fn bytes_asked(&self) -> HashMap<String, u64> {
        let mut out = HashMap::new();
        for (name, start, end) in self.asked.lock().unwrap().iter() {
            *out.entry(name.clone()).or_default() += end.unwrap_or(1 << 30) - start;
        }
        out
    }
}

impl Fetcher for Recording {
    fn fetch_range(&self, url: &str, start: u64, end: Option<u64>) -> Result<Vec<u8>, FetchError> {
        let name = url.rsplit('/').next().unwrap_or_default().to_owned();
        self.asked.lock().unwrap().push((name, start, end));
        self.inner.fetch_range(url, start, end)
    }
}

#[derive(Default)]
struct Events(Mutex<Vec<DownloadEvent>>);

impl DownloadObserver for Events {
    fn on_event(&self, event: &DownloadEvent) {
        self.0.lock().unwrap().push(event.clone());
    }
}

fn model() -> IrisModel {
    IrisModel::tiny_test_model(1)
}

/// A dev package in `dir`, re-signed with the key's transport form when `transport`.
fn publish(dir: &Path, transport: bool) -> Manifest {
    publish_dev_iris_package(dir, 1, &model(), [5; 32], &PUBLISHER).expect("publish");
    resign(dir, transport)
}

/// Signs the manifest again over the files now in `dir`.
fn resign(dir: &Path, transport: bool) -> Manifest {
    let t = transport.then_some(TRANSPORT);
    publish_package_with_transport(dir, ModelKind::Iris, 1, DEV_PACKAGE_FILES, &PUBLISHER, t)
        .expect("publish")
}

fn verified(dir: &Path) -> VerifiedManifest {
    let pin = RegistryPin {
        kind: ModelKind::Iris,
        version: 1,
        model_hash: model().model_hash(),
    };
    let json = std::fs::read(dir.join(MANIFEST_FILE)).expect("manifest");
    verify_manifest(
        &json,
        &pin,
        &[publisher_address(&PUBLISHER).expect("address")],
    )
    .expect("verify")
}

fn config(parallel_ranges: u32) -> DownloadConfig {
    DownloadConfig {
        chunk_size: 4096,
        parallel_ranges,
        max_attempts: 2,
        retry_delay: std::time::Duration::ZERO,
    }
}

fn fetch(
    cache: &ArtifactCache,
    src: &Path,
    fetcher: &dyn Fetcher,
    events: &Events,
    shape: Option<(usize, usize)>,
) -> Result<IrisModelPackage, FlowError> {
    IrisModelPackage::fetch(
        cache,
        &verified(src),
        "https://models.invalid/iris/v1",
        fetcher,
        events,
        &config(3),
        shape,
    )
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.expect("entry").path()).collect())
        .unwrap_or_default()
}

#[test]
fn the_compressed_key_expands_to_the_pinned_key_and_proves() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("src");
    let manifest = publish(&src, true);
    let zpk = std::fs::read(src.join("circuit.zpk")).expect("key");
    let t = manifest
        .proving_key_transport
        .clone()
        .expect("transport listed");
    // About half the bytes on the wire.
    assert!(
        t.size * 2 < zpk.len() as u64 + 400,
        "{} vs {}",
        t.size,
        zpk.len()
    );

    let cache = ArtifactCache::open(dir.path().join("cache"), 1 << 30).expect("cache");
    let fetcher = Recording::new(&src);
    let events = Events::default();
    let package = fetch(&cache, &src, &fetcher, &events, Some((12, 24))).expect("fetch");

    // The key came by its transport form only; the expanded file is the publisher's key.
    let asked = fetcher.bytes_asked();
    assert!(!asked.contains_key("circuit.zpk"), "asked {asked:?}");
    assert_eq!(
        asked.get(TRANSPORT),
        Some(&(t.size + 144)),
        "prefix + whole file"
    );
    assert_eq!(package.key().bytes(), &zpk[..]);
    assert_eq!(package.key().digest(), digest(&zpk));
    let events = events.0.lock().unwrap().clone();
    let expanding: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            DownloadEvent::Expanding { done, total, .. } => Some((*done, *total)),
            _ => None,
        })
        .collect();
    assert_eq!(
        expanding.last(),
        Some(&(zpk.len() as u64, zpk.len() as u64))
    );
    // The proving key is verified last, after the other files.
    let verified: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            DownloadEvent::Verified { artifact } => Some(artifact.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        verified,
        ["model.bin", "verification_key.json", "circuit.zpk"]
    );
    // Nothing left in partial/: the transport file is dropped once expanded.
    assert!(files_under(&dir.path().join("cache/partial")).is_empty());

    // A proof with the expanded key verifies under the package's verification key.
    let statement = package.statement();
    let (image, mask) = crate::sample::synthetic_iris(12, 24, 3);
    let input = statement
        .input(
            image,
            mask,
            Fr::from(11u64),
            Fr::from(12u64),
            Fr::from(13u64),
        )
        .expect("input");
    let public = statement.public_inputs(&input).expect("public");
    let (witness, _) = statement.witness_with_opening(&input).expect("witness");
    let view = package.key().view();
    let proof = prove(&view, witness, &mut ChaCha20Rng::seed_from_u64(1), &Silent).expect("prove");
    let vk = KeyView::new(&zpk).expect("view").verifying_key();
    assert_eq!(verify(&vk, &proof, &public), Ok(()));

    // A second fetch finds the expanded key in the cache: no transfer at all of the key.
    let again = Recording::new(&src);
    fetch(&cache, &src, &again, &Events::default(), None).expect("cached");
    let asked = again.bytes_asked();
    assert!(
        !asked.contains_key(TRANSPORT) && !asked.contains_key("circuit.zpk"),
        "{asked:?}"
    );
}

#[test]
fn a_corrupted_transport_is_a_typed_error_and_nothing_is_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("src");
    publish(&src, true);
    let good = std::fs::read(src.join(TRANSPORT)).expect("transport");
    let key_digest = digest(&std::fs::read(src.join("circuit.zpk")).expect("key"));
    let first_point = 144;

    // Two valid G1 points swapped: the transport's own digest is re-signed, so only the
    // expanded key's digest can notice.
    let mut swapped = good.clone();
    let (a, b) = (first_point, first_point + 32);
    let tmp = swapped[a..b].to_vec();
    swapped.copy_within(b..b + 32, a);
    swapped[b..b + 32].copy_from_slice(&tmp);
    // An x with no point on the curve (found by flipping low bits).
    let bad_x = (1..64u8)
        .map(|k| {
            let mut bad = good.clone();
            bad[first_point] ^= k;
            bad
        })
        .find(|bad| {
            let mut out = Vec::new();
            matches!(
                crate::groth16::key_transport::expand_key(&mut &bad[..], &mut out, &mut |_, _| {
                    true
                }),
                Err(TransportError::BadPoint { .. })
            )
        })
        .expect("an invalid x");

    for (bytes, want_point) in [(swapped, false), (bad_x, true)] {
        let cache_dir = dir.path().join(format!("cache-{want_point}"));
        let cache = ArtifactCache::open(&cache_dir, 1 << 30).expect("cache");
        // The publisher's transport file is wrong, but its manifest lists its digest.
        let manifest = {
            std::fs::write(src.join("bad.zpkz"), &bytes).expect("write");
            publish_package_with_transport(
                &src,
                ModelKind::Iris,
                1,
                DEV_PACKAGE_FILES,
                &PUBLISHER,
                Some(TRANSPORT),
            )
            .expect("publish");
            // Replace the freshly written transport with the corrupted one and re-sign its entry.
            std::fs::copy(src.join("bad.zpkz"), src.join(TRANSPORT)).expect("copy");
            let mut m: Manifest =
                Manifest::from_json(&std::fs::read(src.join(MANIFEST_FILE)).unwrap()).unwrap();
            let t = m.proving_key_transport.as_mut().unwrap();
            t.sha3_256 = digest(&bytes);
            m.sign(&PUBLISHER).unwrap();
            std::fs::write(src.join(MANIFEST_FILE), m.to_json()).unwrap();
            m
        };
        assert_eq!(
            manifest.proving_key_transport.as_ref().unwrap().sha3_256,
            digest(&bytes)
        );
        let err = fetch(
            &cache,
            &src,
            &Recording::new(&src),
            &Events::default(),
            None,
        )
        .unwrap_err();
        match err {
            FlowError::Package(PackageError::Transport { artifact, source }) => {
                assert_eq!(artifact, TRANSPORT);
                if want_point {
                    assert!(
                        matches!(
                            source,
                            TransportError::BadPoint {
                                index: 0,
                                group: "G1"
                            }
                        ),
                        "{source}"
                    );
                } else {
                    assert!(
                        matches!(source, TransportError::DigestMismatch { .. }),
                        "{source}"
                    );
                }
            }
            other => panic!("expected a transport error, got {other}"),
        }
        assert!(!cache.contains(&key_digest), "a wrong key was cached");
        assert!(
            files_under(&cache_dir.join("partial")).is_empty(),
            "partial files kept"
        );
        assert!(files_under(&cache_dir.join("objects"))
            .iter()
            .all(|p| !p.ends_with(hex::encode(key_digest))));
    }
}

#[test]
fn shape_and_circuit_checks_refuse_before_the_key_downloads() {
    let dir = tempfile::tempdir().expect("tempdir");
    for transport in [false, true] {
        let src = dir.path().join(format!("src-{transport}"));
        publish(&src, transport);
        let key_file = if transport { TRANSPORT } else { "circuit.zpk" };
        let prefix = if transport { 144 } else { 128 };

        // The app makes 64x512 images; the model takes 12x24.
        let cache = ArtifactCache::open(dir.path().join(format!("c1-{transport}")), 1 << 30)
            .expect("cache");
        let fetcher = Recording::new(&src);
        let err = fetch(&cache, &src, &fetcher, &Events::default(), Some((64, 512))).unwrap_err();
        assert!(
            matches!(&err, FlowError::Package(PackageError::Rejected { artifact, why }) if artifact == "model" && why.contains("12x24")),
            "{err}"
        );
        let asked = fetcher.bytes_asked();
        assert_eq!(
            asked.get(key_file),
            Some(&prefix),
            "only the key's header: {asked:?}"
        );

        // A key whose header is for a circuit of another size (one constraint more).
        let key_path = src.join("circuit.zpk");
        let mut key = std::fs::read(&key_path).expect("key");
        let n = u64::from_le_bytes(key[40..48].try_into().unwrap());
        key[40..48].copy_from_slice(&(n + 1).to_le_bytes());
        std::fs::write(&key_path, &key).expect("write");
        resign(&src, transport);
        let cache = ArtifactCache::open(dir.path().join(format!("c2-{transport}")), 1 << 30)
            .expect("cache");
        let fetcher = Recording::new(&src);
        let err = fetch(&cache, &src, &fetcher, &Events::default(), None).unwrap_err();
        assert!(
            matches!(&err, FlowError::Package(PackageError::Rejected { artifact, why }) if artifact == "proving key" && why.contains("constraints")),
            "{err}"
        );
        assert_eq!(fetcher.bytes_asked().get(key_file), Some(&prefix));
    }
}
