//! Test packages and an in-memory fetcher with injectable failures.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use alloy_primitives::Address;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha3::{Digest, Keccak256, Sha3_256};

use crate::package::{
    Artifact, ArtifactRole, DownloadEvent, DownloadObserver, FetchError, Fetcher, Manifest,
    ModelKind, RegistryPin, MANIFEST_FORMAT,
};

/// The test publisher's secret key (any scalar below the group order).
pub(crate) const PUBLISHER_KEY: [u8; 32] = [0x11; 32];

pub(crate) const BASE_URL: &str = "mem://packages/iris-2";

/// A signed package and its files.
pub(crate) struct TestPackage {
    pub(crate) files: Vec<(String, Vec<u8>)>,
    pub(crate) manifest: Manifest,
    pub(crate) pin: RegistryPin,
    pub(crate) publisher: Address,
}

impl TestPackage {
    pub(crate) fn json(&self) -> Vec<u8> {
        self.manifest.to_json().into_bytes()
    }

    pub(crate) fn file(&self, role: ArtifactRole) -> &[u8] {
        let name = &self.manifest.artifact(role).expect("role").name;
        &self.files.iter().find(|(n, _)| n == name).expect("file").1
    }
}

pub(crate) fn sha3(bytes: &[u8]) -> [u8; 32] {
    Sha3_256::digest(bytes).into()
}

pub(crate) fn keccak(bytes: &[u8]) -> [u8; 32] {
    Keccak256::digest(bytes).into()
}

/// An iris package, version `version`, with random files of the given sizes (model,
/// proving key, verification key), signed by [`PUBLISHER_KEY`]. `prefix` keeps file
/// names apart between packages.
pub(crate) fn package(version: u32, sizes: [usize; 3], prefix: &str) -> TestPackage {
    let mut rng = ChaCha8Rng::seed_from_u64(u64::from(version) * 7919 + sizes[0] as u64);
    let names = [
        format!("{prefix}model.bin"),
        format!("{prefix}circuit.zpk"),
        format!("{prefix}vk.json"),
    ];
    let mut files = Vec::new();
    let mut artifacts = Vec::new();
    for ((name, size), role) in names.into_iter().zip(sizes).zip(ArtifactRole::ALL) {
        let mut bytes = vec![0u8; size];
        rng.fill_bytes(&mut bytes);
        artifacts.push(Artifact {
            name: name.clone(),
            role,
            sha3_256: sha3(&bytes),
            size: size as u64,
        });
        files.push((name, bytes));
    }
    let model_hash = keccak(&files[0].1);
    let mut manifest = Manifest {
        format: MANIFEST_FORMAT,
        kind: ModelKind::Iris,
        version,
        model_hash,
        artifacts,
        insecure_dev_key: false,
        proving_key_transport: None,
        family: None,
        signature: None,
    };
    let publisher = manifest.sign(&PUBLISHER_KEY).expect("sign");
    TestPackage {
        files,
        pin: RegistryPin {
            kind: ModelKind::Iris,
            version,
            model_hash,
        },
        manifest,
        publisher,
    }
}

/// Serves files from memory; can drop replies short, fail, or count what it served.
#[derive(Default)]
pub(crate) struct MemFetcher {
    files: HashMap<String, Vec<u8>>,
    /// The next this-many calls return only the first half of what was asked.
    pub(crate) cut_next: AtomicUsize,
    /// The next this-many calls fail with a network error.
    pub(crate) fail_next: AtomicUsize,
    /// Calls made.
    pub(crate) calls: AtomicUsize,
    /// Bytes served.
    pub(crate) served: AtomicU64,
    /// Overrides: URLs whose bytes differ from the package's.
    pub(crate) replaced: Mutex<HashMap<String, Vec<u8>>>,
}

impl MemFetcher {
    pub(crate) fn serving(packages: &[&TestPackage]) -> Self {
        let mut files = HashMap::new();
        for package in packages {
            for (name, bytes) in &package.files {
                files.insert(format!("{BASE_URL}/{name}"), bytes.clone());
            }
        }
        Self {
            files,
            ..Self::default()
        }
    }

    fn take(counter: &AtomicUsize) -> bool {
        counter
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

impl Fetcher for MemFetcher {
    fn fetch_range(&self, url: &str, start: u64, end: Option<u64>) -> Result<Vec<u8>, FetchError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if Self::take(&self.fail_next) {
            return Err(FetchError::Network("connection reset".into()));
        }
        let replaced = self.replaced.lock().expect("lock").get(url).cloned();
        let file = replaced
            .as_ref()
            .or_else(|| self.files.get(url))
            .ok_or(FetchError::Status(404))?;
        let len = file.len() as u64;
        let end = end.unwrap_or(len).min(len);
        if start > end {
            return Err(FetchError::Status(416));
        }
        let mut slice = &file[start as usize..end as usize];
        if Self::take(&self.cut_next) {
            slice = &slice[..slice.len() / 2];
        }
        self.served.fetch_add(slice.len() as u64, Ordering::SeqCst);
        Ok(slice.to_vec())
    }
}

/// Records events; cancels once `cancel_after_progress` progress events were seen.
#[derive(Default)]
pub(crate) struct Recorder {
    pub(crate) events: Mutex<Vec<DownloadEvent>>,
    pub(crate) cancel_after_progress: Option<usize>,
}

impl Recorder {
    pub(crate) fn events(&self) -> Vec<DownloadEvent> {
        self.events.lock().expect("lock").clone()
    }
}

impl DownloadObserver for Recorder {
    fn on_event(&self, event: &DownloadEvent) {
        self.events.lock().expect("lock").push(event.clone());
    }

    fn is_cancelled(&self) -> bool {
        let progress = self
            .events()
            .iter()
            .filter(|e| matches!(e, DownloadEvent::Progress { .. }))
            .count();
        self.cancel_after_progress.is_some_and(|n| progress >= n)
    }
}
