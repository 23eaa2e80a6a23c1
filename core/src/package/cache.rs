//! A content-addressed cache of package files, with a size limit and LRU eviction.
//!
//! ```text
//! <root>/objects/<sha3-256 hex>        complete files, each checked against its digest
//! <root>/partial/<sha3-256 hex>.part   downloads in progress (resumed from their length)
//! ```
//!
//! The proving key, by far the largest file, comes last: the other files and the key's header
//! (its first bytes, one small range request) are checked first by the caller's
//! [`BeforeKey`] check, so a package for another model or shape is refused before the big
//! download. When the manifest offers a compressed transport form of the key
//! ([`crate::groth16::key_transport`]), that is downloaded instead (`partial/<its digest>.part`)
//! and expanded into `partial/<key digest>.expanding`, which becomes the object only if it has
//! the key's pinned digest.
//!
//! Files are keyed by content, so packages sharing a file share one copy, and a file is
//! re-hashed whenever a package that uses it is fetched (a cache hit is never trusted
//! blindly). Recency is kept in memory and in each object's modification time, so the LRU
//! order survives a restart. Partial files do not count toward the limit.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use sha3::{Digest, Keccak256, Sha3_256};

use super::fetch::{download_to_part, DownloadConfig, DownloadEvent, DownloadObserver, Fetcher};
use super::manifest::{Artifact, ArtifactRole, KeyTransport};
use super::verify::{VerifiedArtifact, VerifiedManifest, VerifiedPackage};
use super::FetchError;
use super::PackageError;
use crate::groth16::key_file::{KeyHeader, HEADER_BYTES};
use crate::groth16::key_transport::{
    expand_key_verified, TransportError, TransportHeader, TRANSPORT_PREFIX_BYTES,
};
use crate::groth16::KeyOrigin;

struct Entry {
    size: u64,
    last_used: u64,
}

struct Index {
    entries: HashMap<[u8; 32], Entry>,
    clock: u64,
}

impl Index {
    fn total(&self) -> u64 {
        self.entries.values().map(|e| e.size).sum()
    }

    fn touch(&mut self, digest: [u8; 32], size: u64) {
        self.clock += 1;
        self.entries.insert(
            digest,
            Entry {
                size,
                last_used: self.clock,
            },
        );
    }
}

/// What a [`ArtifactCache::fetch_package_checked`] check sees before the proving key
/// downloads.
pub struct BeforeKey<'a> {
    /// Every other file of the package, verified (size, SHA3-256, the model's keccak256).
    pub artifacts: &'a [VerifiedArtifact],
    /// The proving key's header (checked for consistency and against the manifest's size).
    pub key_header: &'a KeyHeader,
}

impl BeforeKey<'_> {
    /// The verified file with `role`.
    pub fn path(&self, role: ArtifactRole) -> Option<&Path> {
        self.artifacts
            .iter()
            .find(|a| a.role == role)
            .map(|a| a.path.as_path())
    }

    /// The bytes of the verified model file; [`PackageError::Rejected`] if the package has none.
    pub fn model_bytes(&self) -> Result<Vec<u8>, PackageError> {
        let path = self
            .path(ArtifactRole::Model)
            .ok_or_else(|| rejected("model", "the package has no model file"))?;
        std::fs::read(path).map_err(PackageError::io("read", path))
    }
}

/// [`PackageError::Rejected`] for `artifact`, because of `why`.
pub fn rejected(artifact: &str, why: impl Into<String>) -> PackageError {
    PackageError::Rejected {
        artifact: artifact.to_owned(),
        why: why.into(),
    }
}

/// A key header's development marker must be what the manifest says (`insecure_dev_key`).
pub fn check_dev_marker(
    what: &str,
    origin: KeyOrigin,
    insecure_dev_key: bool,
) -> Result<(), String> {
    let key_is_dev = origin == KeyOrigin::InsecureDev;
    if key_is_dev != insecure_dev_key {
        return Err(format!(
            "the manifest says insecure_dev_key = {insecure_dev_key}, the {what} key's header says {key_is_dev}"
        ));
    }
    Ok(())
}

/// A check run before the proving key downloads ([`ArtifactCache::fetch_package_checked`]).
pub type KeyCheck<'a> = dyn Fn(&BeforeKey<'_>) -> Result<(), PackageError> + 'a;

/// The first `n` bytes at `url` (a few small range requests at most), retried like a download.
fn fetch_prefix(
    fetcher: &dyn Fetcher,
    url: &str,
    artifact: &str,
    n: usize,
    config: &DownloadConfig,
) -> Result<Vec<u8>, PackageError> {
    let mut out = Vec::with_capacity(n);
    let mut failures = 0u32;
    while out.len() < n {
        let error = match fetcher.fetch_range(url, out.len() as u64, Some(n as u64)) {
            Ok(bytes) if bytes.len() > n - out.len() => FetchError::Invalid(format!(
                "asked for {} bytes, got {}",
                n - out.len(),
                bytes.len()
            )),
            Ok(bytes) if !bytes.is_empty() => {
                out.extend_from_slice(&bytes);
                failures = 0;
                continue;
            }
            Ok(_) => FetchError::Network("empty reply before the end of the range".into()),
            Err(e) => e,
        };
        failures += 1;
        if !error.is_retryable() || failures >= config.max_attempts {
            return Err(PackageError::Fetch {
                artifact: artifact.to_owned(),
                source: error,
            });
        }
        std::thread::sleep(config.retry_delay);
    }
    Ok(out)
}

/// The cache directory of package files.
pub struct ArtifactCache {
    objects: PathBuf,
    partial: PathBuf,
    limit: u64,
    index: Mutex<Index>,
}

/// What [`hash_file`] measured.
pub(crate) struct FileHashes {
    pub(crate) sha3: [u8; 32],
    pub(crate) keccak: Option<[u8; 32]>,
    pub(crate) len: u64,
}

/// SHA3-256, optionally keccak256, and length of a file, read in chunks.
pub(crate) fn hash_file(path: &Path, with_keccak: bool) -> Result<FileHashes, PackageError> {
    let mut file = File::open(path).map_err(PackageError::io("open", path))?;
    let mut sha3 = Sha3_256::new();
    let mut keccak = with_keccak.then(Keccak256::new);
    let mut buf = vec![0u8; 1 << 20];
    let mut len = 0u64;
    loop {
        let n = file
            .read(&mut buf)
            .map_err(PackageError::io("read", path))?;
        if n == 0 {
            break;
        }
        sha3.update(&buf[..n]);
        if let Some(k) = keccak.as_mut() {
            k.update(&buf[..n]);
        }
        len += n as u64;
    }
    Ok(FileHashes {
        sha3: sha3.finalize().into(),
        keccak: keccak.map(|k| k.finalize().into()),
        len,
    })
}

fn parse_digest(name: &str) -> Option<[u8; 32]> {
    let mut digest = [0u8; 32];
    (name.len() == 64
        && name
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then(|| hex::decode_to_slice(name, &mut digest).ok())
    .flatten()
    .map(|()| digest)
}

fn sync_dir(dir: &Path) -> Result<(), PackageError> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(PackageError::io("sync", dir))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<(), PackageError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(PackageError::io("remove", path)(e))
        }
        _ => Ok(()),
    }
}

impl ArtifactCache {
    /// Opens (creating if needed) the cache in `root`, holding at most `limit_bytes` of
    /// complete files.
    pub fn open(root: impl Into<PathBuf>, limit_bytes: u64) -> Result<Self, PackageError> {
        let root = root.into();
        let objects = root.join("objects");
        let partial = root.join("partial");
        for dir in [&objects, &partial] {
            fs::create_dir_all(dir).map_err(PackageError::io("create directory", dir))?;
        }
        let mut found = Vec::new();
        for entry in fs::read_dir(&objects).map_err(PackageError::io("list", &objects))? {
            let entry = entry.map_err(PackageError::io("list", &objects))?;
            let Some(digest) = entry.file_name().to_str().and_then(parse_digest) else {
                continue;
            };
            let meta = entry
                .metadata()
                .map_err(PackageError::io("stat", &entry.path()))?;
            found.push((
                meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                digest,
                meta.len(),
            ));
        }
        found.sort();
        let mut index = Index {
            entries: HashMap::new(),
            clock: 0,
        };
        for (_, digest, size) in found {
            index.touch(digest, size);
        }
        Ok(Self {
            objects,
            partial,
            limit: limit_bytes,
            index: Mutex::new(index),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Index> {
        // The index only caches what the directory holds; a panic mid-update leaves at worst
        // a stale entry, which the next fetch re-checks against the file.
        self.index.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn object_path(&self, digest: &[u8; 32]) -> PathBuf {
        self.objects.join(hex::encode(digest))
    }

    fn part_path(&self, digest: &[u8; 32]) -> PathBuf {
        self.partial.join(format!("{}.part", hex::encode(digest)))
    }

    /// The size limit.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Bytes of complete files held.
    pub fn total_size(&self) -> u64 {
        self.lock().total()
    }

    /// Whether a complete file with this SHA3-256 is held.
    pub fn contains(&self, sha3_256: &[u8; 32]) -> bool {
        self.lock().entries.contains_key(sha3_256)
    }

    /// The digests held, least recently used first.
    pub fn lru_order(&self) -> Vec<[u8; 32]> {
        let index = self.lock();
        let mut entries: Vec<(&[u8; 32], &Entry)> = index.entries.iter().collect();
        entries.sort_by_key(|(_, e)| e.last_used);
        entries.into_iter().map(|(d, _)| *d).collect()
    }

    /// Brings every file of `manifest`'s package into the cache from `base_url` (each file
    /// at `<base_url>/<name>`), resuming partial downloads, and checks each file's size and
    /// SHA3-256 and the model's keccak256 against the registry pin. Files already cached are
    /// re-hashed instead of downloaded. Least recently used files of other packages are
    /// evicted to make room. The proving key comes last (by its transport form when the
    /// manifest offers one); [`Self::fetch_package_checked`] also checks before it.
    pub fn fetch_package(
        &self,
        manifest: &VerifiedManifest,
        base_url: &str,
        fetcher: &dyn Fetcher,
        observer: &dyn DownloadObserver,
        config: &DownloadConfig,
    ) -> Result<VerifiedPackage, PackageError> {
        crate::log::package_result(self.fetch(manifest, base_url, fetcher, observer, config, None))
    }

    /// [`Self::fetch_package`], running `check` after every file but the proving key is
    /// verified and the key's header is read (from the cache, or one small range request of the
    /// key or of its transport form), before the key downloads. A refusal from `check` (e.g.
    /// [`PackageError::Rejected`]) is returned as is, and nothing of the key is downloaded.
    pub fn fetch_package_checked(
        &self,
        manifest: &VerifiedManifest,
        base_url: &str,
        fetcher: &dyn Fetcher,
        observer: &dyn DownloadObserver,
        config: &DownloadConfig,
        check: &KeyCheck<'_>,
    ) -> Result<VerifiedPackage, PackageError> {
        crate::log::package_result(self.fetch(
            manifest,
            base_url,
            fetcher,
            observer,
            config,
            Some(check),
        ))
    }

    /// Both fetches; the key's header is read only for a check.
    fn fetch(
        &self,
        manifest: &VerifiedManifest,
        base_url: &str,
        fetcher: &dyn Fetcher,
        observer: &dyn DownloadObserver,
        config: &DownloadConfig,
        check: Option<&KeyCheck<'_>>,
    ) -> Result<VerifiedPackage, PackageError> {
        let m = manifest.manifest();
        let _span =
            tracing::info_span!("fetch-package", kind = ?m.kind, version = m.version).entered();
        let traced = crate::log::TracedObserver::new(observer);
        let observer: &dyn DownloadObserver = &traced;
        let mut index = self.lock();
        let artifacts = &m.artifacts;
        let keep: Vec<[u8; 32]> = artifacts.iter().map(|a| a.sha3_256).collect();
        let needed: u64 = artifacts.iter().map(|a| a.size).sum();
        if needed > self.limit {
            return Err(PackageError::CacheTooSmall {
                needed,
                limit: self.limit,
            });
        }
        let missing: u64 = artifacts
            .iter()
            .filter(|a| !index.entries.contains_key(&a.sha3_256))
            .map(|a| a.size)
            .sum();
        self.evict(&mut index, missing, &keep)?;

        let url_of = |name: &str| format!("{}/{}", base_url.trim_end_matches('/'), name);
        let mut verified = Vec::with_capacity(artifacts.len());
        // Everything but the proving key first, in manifest order.
        for artifact in artifacts
            .iter()
            .filter(|a| a.role != ArtifactRole::ProvingKey)
        {
            let path = self.obtain(
                &mut index,
                artifact,
                &url_of(&artifact.name),
                fetcher,
                observer,
                config,
            )?;
            if artifact.role == ArtifactRole::Model {
                self.check_model_hash(&mut index, artifact, &path, manifest.pin().model_hash)?;
            }
            observer.on_event(&DownloadEvent::Verified {
                artifact: artifact.name.clone(),
            });
            verified.push(VerifiedArtifact {
                name: artifact.name.clone(),
                role: artifact.role,
                sha3_256: artifact.sha3_256,
                size: artifact.size,
                path,
            });
        }
        for key in artifacts
            .iter()
            .filter(|a| a.role == ArtifactRole::ProvingKey)
        {
            let transport = m.proving_key_transport.as_ref();
            if let Some(check) = check {
                let header = self.key_header(&index, key, transport, &url_of, fetcher, config)?;
                check(&BeforeKey {
                    artifacts: &verified,
                    key_header: &header,
                })?;
            }
            let path = match transport {
                Some(t) if !index.entries.contains_key(&key.sha3_256) => self.obtain_by_transport(
                    &mut index,
                    key,
                    t,
                    &url_of(&t.name),
                    fetcher,
                    observer,
                    config,
                )?,
                _ => self.obtain(
                    &mut index,
                    key,
                    &url_of(&key.name),
                    fetcher,
                    observer,
                    config,
                )?,
            };
            observer.on_event(&DownloadEvent::Verified {
                artifact: key.name.clone(),
            });
            verified.push(VerifiedArtifact {
                name: key.name.clone(),
                role: key.role,
                sha3_256: key.sha3_256,
                size: key.size,
                path,
            });
        }
        // Back in manifest order (names are unique).
        verified.sort_by_key(|v| artifacts.iter().position(|a| a.name == v.name));
        Ok(VerifiedPackage::new(manifest.clone(), verified))
    }

    /// The proving key's header: from the cached key, or else the first bytes of the
    /// transport form (checked against the manifest's sizes) or of the key.
    fn key_header(
        &self,
        index: &Index,
        key: &Artifact,
        transport: Option<&KeyTransport>,
        url_of: &dyn Fn(&str) -> String,
        fetcher: &dyn Fetcher,
        config: &DownloadConfig,
    ) -> Result<KeyHeader, PackageError> {
        let refuse = |artifact: &str, why: String| PackageError::Rejected {
            artifact: artifact.to_owned(),
            why,
        };
        let header = if index.entries.contains_key(&key.sha3_256) {
            let path = self.object_path(&key.sha3_256);
            let mut head = vec![0u8; HEADER_BYTES];
            File::open(&path)
                .and_then(|mut f| f.read_exact(&mut head))
                .map_err(PackageError::io("read", &path))?;
            KeyHeader::parse(&head).map_err(|e| refuse(&key.name, e.to_string()))?
        } else if let Some(t) = transport {
            let head = fetch_prefix(
                fetcher,
                &url_of(&t.name),
                &t.name,
                TRANSPORT_PREFIX_BYTES,
                config,
            )?;
            let h = TransportHeader::parse(&head).map_err(|e| refuse(&t.name, e.to_string()))?;
            if h.transport_len != t.size || h.expanded_len != key.size {
                return Err(refuse(
                    &t.name,
                    format!(
                        "its header implies {} bytes expanding to {}, the manifest says {} and {}",
                        h.transport_len, h.expanded_len, t.size, key.size
                    ),
                ));
            }
            h.key
        } else {
            let head = fetch_prefix(fetcher, &url_of(&key.name), &key.name, HEADER_BYTES, config)?;
            KeyHeader::parse(&head).map_err(|e| refuse(&key.name, e.to_string()))?
        };
        if header.file_len() as u64 != key.size {
            return Err(refuse(
                &key.name,
                format!(
                    "its header implies {} bytes, the manifest says {}",
                    header.file_len(),
                    key.size
                ),
            ));
        }
        Ok(header)
    }

    /// Downloads the transport form of `key` (checked against its own digest), expands it into
    /// the key file, and keeps that only if it has the key's pinned digest.
    #[allow(clippy::too_many_arguments)]
    fn obtain_by_transport(
        &self,
        index: &mut Index,
        key: &Artifact,
        transport: &KeyTransport,
        url: &str,
        fetcher: &dyn Fetcher,
        observer: &dyn DownloadObserver,
        config: &DownloadConfig,
    ) -> Result<PathBuf, PackageError> {
        let part = self.part_path(&transport.sha3_256);
        download_verified(
            fetcher,
            url,
            &part,
            (&transport.name, transport.size, transport.sha3_256),
            config,
            observer,
        )?;
        let expanding = self
            .partial
            .join(format!("{}.expanding", hex::encode(key.sha3_256)));
        let result = (|| {
            let input = File::open(&part).map_err(PackageError::io("open", &part))?;
            let output =
                File::create(&expanding).map_err(PackageError::io("create", &expanding))?;
            let mut reader = std::io::BufReader::with_capacity(1 << 20, input);
            let mut writer = std::io::BufWriter::with_capacity(1 << 20, output);
            let mut progress = |done: u64, total: u64| {
                observer.on_event(&DownloadEvent::Expanding {
                    artifact: key.name.clone(),
                    done,
                    total,
                });
                !observer.is_cancelled()
            };
            expand_key_verified(&mut reader, &mut writer, &key.sha3_256, &mut progress).map_err(
                |e| match e {
                    TransportError::Cancelled => PackageError::Cancelled,
                    source => PackageError::Transport {
                        artifact: transport.name.clone(),
                        source,
                    },
                },
            )?;
            let file = writer
                .into_inner()
                .map_err(|e| PackageError::io("write", &expanding)(e.into_error()))?;
            file.sync_all()
                .map_err(PackageError::io("sync", &expanding))
        })();
        if let Err(e) = result {
            remove_if_present(&expanding)?;
            if !matches!(e, PackageError::Cancelled) {
                // A verified transport file that does not expand into the key is the
                // publisher's error; do not keep expanding it.
                remove_if_present(&part)?;
            }
            return Err(e);
        }
        let object = self.object_path(&key.sha3_256);
        fs::rename(&expanding, &object).map_err(PackageError::io("rename", &expanding))?;
        sync_dir(&self.objects)?;
        remove_if_present(&part)?;
        index.touch(key.sha3_256, key.size);
        Ok(object)
    }

    /// The cached file of `artifact`, after checking it, or downloading and checking it.
    fn obtain(
        &self,
        index: &mut Index,
        artifact: &Artifact,
        url: &str,
        fetcher: &dyn Fetcher,
        observer: &dyn DownloadObserver,
        config: &DownloadConfig,
    ) -> Result<PathBuf, PackageError> {
        let object = self.object_path(&artifact.sha3_256);
        if index.entries.contains_key(&artifact.sha3_256) {
            let intact = matches!(hash_file(&object, false), Ok(h) if h.sha3 == artifact.sha3_256 && h.len == artifact.size);
            if intact {
                index.touch(artifact.sha3_256, artifact.size);
                // Best effort: the modification time only orders eviction after a restart.
                let _ = File::options()
                    .write(true)
                    .open(&object)
                    .and_then(|f| f.set_modified(SystemTime::now()));
                observer.on_event(&DownloadEvent::CacheHit {
                    artifact: artifact.name.clone(),
                });
                return Ok(object);
            }
            // Damaged on disk: drop it and download again.
            index.entries.remove(&artifact.sha3_256);
            remove_if_present(&object)?;
        }

        let part = self.part_path(&artifact.sha3_256);
        download_verified(
            fetcher,
            url,
            &part,
            (&artifact.name, artifact.size, artifact.sha3_256),
            config,
            observer,
        )?;
        fs::rename(&part, &object).map_err(PackageError::io("rename", &part))?;
        sync_dir(&self.objects)?;
        index.touch(artifact.sha3_256, artifact.size);
        Ok(object)
    }

    /// Checks the model file against the registry's keccak256; a mismatch evicts it.
    fn check_model_hash(
        &self,
        index: &mut Index,
        artifact: &Artifact,
        path: &Path,
        pinned: [u8; 32],
    ) -> Result<(), PackageError> {
        let found = hash_file(path, true)?.keccak.unwrap_or_default();
        if found != pinned {
            index.entries.remove(&artifact.sha3_256);
            remove_if_present(path)?;
            return Err(PackageError::ModelHashMismatch {
                expected: pinned,
                found,
            });
        }
        Ok(())
    }

    /// Evicts least recently used files outside `keep` until `incoming` more bytes fit.
    fn evict(
        &self,
        index: &mut Index,
        incoming: u64,
        keep: &[[u8; 32]],
    ) -> Result<(), PackageError> {
        while index.total() + incoming > self.limit {
            let victim = index
                .entries
                .iter()
                .filter(|(digest, _)| !keep.contains(digest))
                .min_by_key(|(_, e)| e.last_used)
                .map(|(digest, _)| *digest);
            let Some(victim) = victim else {
                return Err(PackageError::CacheTooSmall {
                    needed: index.total() + incoming,
                    limit: self.limit,
                });
            };
            remove_if_present(&self.object_path(&victim))?;
            index.entries.remove(&victim);
        }
        Ok(())
    }
}

/// [`download_to_part`], then the whole `.part` checked against the manifest's size and SHA3
/// (`expected`: name, size, digest). A mismatch removes the `.part`: it is not resumable, the
/// bytes already there are wrong somewhere.
fn download_verified(
    fetcher: &dyn Fetcher,
    url: &str,
    part: &Path,
    expected: (&str, u64, [u8; 32]),
    config: &DownloadConfig,
    observer: &dyn DownloadObserver,
) -> Result<(), PackageError> {
    let (name, size, digest) = expected;
    download_to_part(fetcher, url, part, name, size, config, observer)?;
    let FileHashes { sha3, len, .. } = hash_file(part, false)?;
    if len == size && sha3 == digest {
        return Ok(());
    }
    remove_if_present(part)?;
    Err(if len != size {
        PackageError::SizeMismatch {
            artifact: name.to_owned(),
            expected: size,
            found: len,
        }
    } else {
        PackageError::DigestMismatch {
            artifact: name.to_owned(),
            expected: digest,
            found: sha3,
        }
    })
}
