//! Model packages: [`ModelCache`] downloads a signed package through the host's networking
//! ([`Fetcher`]), checks it against the registry's pin, caches it, and opens it as an
//! [`IrisModel`] ready for the flows.

use crate::background;
use crate::control::CancellationToken;
use crate::error::{guard, ZkbioError};
use crate::proof::VerifyingKey;
use crate::values::{self, Address, Bytes32};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use zkbio_core::flows::IrisModelPackage;
use zkbio_core::package::{
    self, verify_manifest, ArtifactCache, DownloadConfig, DownloadObserver, ModelKind, RegistryPin,
};

/// Why a [`Fetcher`] could not deliver bytes (Kotlin: `FetchException`, thrown by the app's
/// implementation; Swift: `FetchError`). Network errors and HTTP 5xx, 408 and 429 are retried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum FetchError {
    /// The connection failed or dropped; trying again may work.
    #[error("network error: {why}")]
    Network {
        /// The reason.
        why: String,
    },
    /// The server answered with this HTTP status (other than 200 and 206).
    #[error("server answered HTTP {status}")]
    Status {
        /// The status code.
        status: i32,
    },
    /// The server ignored a `Range` request at a non-zero offset (answered 200 with the whole
    /// file), so a download cannot resume there.
    #[error("the server does not support range requests")]
    RangeNotSupported,
    /// The request cannot work as made (bad URL, a reply breaking the fetch contract).
    #[error("invalid request or reply: {why}")]
    Invalid {
        /// The reason.
        why: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for FetchError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        // An exception the app did not map (e.g. an IOException): treat as a network failure.
        FetchError::Network {
            why: crate::error::unexpected_reason(e),
        }
    }
}

impl From<FetchError> for package::FetchError {
    fn from(e: FetchError) -> Self {
        match e {
            FetchError::Network { why } => package::FetchError::Network(why),
            // A status outside u16 is not HTTP: treat it as a server error (retried).
            FetchError::Status { status } => {
                package::FetchError::Status(u16::try_from(status).unwrap_or(500))
            }
            FetchError::RangeNotSupported => package::FetchError::RangeNotSupported,
            FetchError::Invalid { why } => package::FetchError::Invalid(why),
        }
    }
}

/// The host's HTTP client, as the package downloader needs it (Kotlin interface, Swift
/// protocol): OkHttp / `HttpURLConnection`, `URLSession`. Called on zkbio's download thread,
/// never the caller's, so blocking I/O is fine.
#[uniffi::export(foreign)]
pub trait Fetcher: Send + Sync {
    /// Bytes `start..end` of the resource at `url` (`end` exclusive; `null`/`nil`: to its end),
    /// e.g. with the header `Range: bytes=start-(end-1)`. It may return fewer bytes than asked
    /// (the caller asks again from where they stop), but never bytes from another offset (a
    /// server answering 200 with the whole file to a request at `start > 0` is
    /// `RangeNotSupported`; at `start == 0` return the first `end` bytes) and never more than
    /// asked.
    fn fetch_range(&self, url: String, start: i64, end: Option<i64>)
        -> Result<Vec<u8>, FetchError>;
}

/// The app's fetcher as the core's.
pub(crate) struct HostFetcher(pub(crate) Arc<dyn Fetcher>);

impl package::Fetcher for HostFetcher {
    fn fetch_range(
        &self,
        url: &str,
        start: u64,
        end: Option<u64>,
    ) -> Result<Vec<u8>, package::FetchError> {
        // Offsets are file positions: far below 2^63.
        let long = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        self.0
            .fetch_range(url.to_owned(), long(start), end.map(long))
            .map_err(Into::into)
    }
}

/// Something that happened while a package's files were obtained.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum DownloadEvent {
    /// The file was already in the cache and still matches its digest.
    CacheHit {
        /// The file's name in the manifest.
        artifact: String,
    },
    /// A download starts, or resumes from a partial file.
    Started {
        /// The file's name.
        artifact: String,
        /// Bytes already on disk from an earlier attempt.
        resumed_from: i64,
        /// The file's size.
        total: i64,
    },
    /// A chunk arrived.
    Progress {
        /// The file's name.
        artifact: String,
        /// Bytes on disk.
        done: i64,
        /// The file's size.
        total: i64,
    },
    /// A fetch failed and will be retried from the current offset.
    Retrying {
        /// The file's name.
        artifact: String,
        /// Failed attempts in a row.
        attempt: i32,
        /// What failed.
        why: String,
    },
    /// The proving key's compressed transport form is being expanded into the key file, once,
    /// after its download (CPU-bound; about as long as proving once).
    Expanding {
        /// The proving key's name.
        artifact: String,
        /// Bytes of the key file written.
        done: i64,
        /// The key file's size.
        total: i64,
    },
    /// The file's size and digest (for the model, also its keccak256) checked out.
    Verified {
        /// The file's name.
        artifact: String,
    },
}

impl From<&package::DownloadEvent> for DownloadEvent {
    fn from(e: &package::DownloadEvent) -> Self {
        use package::DownloadEvent as E;
        let long = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        match e.clone() {
            E::CacheHit { artifact } => DownloadEvent::CacheHit { artifact },
            E::Started {
                artifact,
                resumed_from,
                total,
            } => DownloadEvent::Started {
                artifact,
                resumed_from: long(resumed_from),
                total: long(total),
            },
            E::Progress {
                artifact,
                done,
                total,
            } => DownloadEvent::Progress {
                artifact,
                done: long(done),
                total: long(total),
            },
            E::Retrying {
                artifact,
                attempt,
                error,
            } => DownloadEvent::Retrying {
                artifact,
                attempt: i32::try_from(attempt).unwrap_or(i32::MAX),
                why: error.to_string(),
            },
            E::Expanding {
                artifact,
                done,
                total,
            } => DownloadEvent::Expanding {
                artifact,
                done: long(done),
                total: long(total),
            },
            E::Verified { artifact } => DownloadEvent::Verified { artifact },
        }
    }
}

/// Receives download events (Kotlin interface, Swift protocol). Called on zkbio's download
/// thread: hop to the UI thread yourself, and return quickly.
#[uniffi::export(foreign)]
pub trait DownloadListener: Send + Sync {
    /// One event; per file: `CacheHit`, or `Started`, `Progress`… (and `Retrying`), then
    /// `Verified`.
    fn on_event(&self, event: DownloadEvent);
}

/// The core's observer over the app's listener and a cancel flag.
pub(crate) struct Observer {
    pub(crate) listener: Option<Arc<dyn DownloadListener>>,
    pub(crate) cancel: Arc<AtomicBool>,
}

impl DownloadObserver for Observer {
    fn on_event(&self, event: &package::DownloadEvent) {
        if let Some(l) = &self.listener {
            l.on_event(event.into());
        }
    }

    fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// What the registry says an iris model version is (`modelVersion(IRIS, version)`): the
/// package must be this version, its model file must have this keccak256 and, when `vk_hash`
/// is given, its verification key this hash (the registry's verifier accepts only proofs under
/// that key). `RegistryReader.modelPin` reads all three.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
// Swift: records holding objects are Equatable and Hashable only through the export.
#[uniffi::export(Eq, Hash)]
pub struct ModelPin {
    /// The model version (1 to 2^32 - 1, as the registry's `uint32`).
    pub version: i64,
    /// keccak256 of the canonical model file.
    pub model_hash: Arc<Bytes32>,
    /// The registry's `vkHash` of this version ([`VerifyingKey::vk_hash`]); `null`/`nil` skips
    /// that check (then a key the registry would not accept fails only on chain).
    pub vk_hash: Option<Arc<Bytes32>>,
}

/// A model version number as the registry's `uint32`.
pub(crate) fn version(what: &str, v: i64) -> Result<u32, ZkbioError> {
    u32::try_from(v).map_err(|_| ZkbioError::invalid(what, "not a uint32 model version"))
}

/// How [`ModelCache`] downloads (set with [`ModelCache::set_download_options`]).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DownloadOptions {
    /// Bytes per range request, 4 KiB to 64 MiB (default 1 MiB): the granularity of progress,
    /// cancellation and resumption.
    pub chunk_size: i32,
    /// Range requests in flight at once, 1 to 16 (default 1). Several hide a mobile link's
    /// latency; memory is `chunk_size × parallel_ranges`.
    pub parallel_ranges: i32,
    /// The normalized iris image shape the app's pipeline makes, `(rows, cols)`, if fixed: a
    /// package whose model takes another shape is refused (`PackageRejected`) before its
    /// proving key downloads.
    pub image_rows: Option<i32>,
    /// See `image_rows`; both or neither.
    pub image_cols: Option<i32>,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        DownloadOptions {
            chunk_size: 1 << 20,
            parallel_ranges: 1,
            image_rows: None,
            image_cols: None,
        }
    }
}

/// The on-disk cache of model packages: complete files by digest, evicted least recently used
/// first beyond its size limit; partial downloads resume. Open one per directory for the app's
/// lifetime and share it.
#[derive(uniffi::Object)]
pub struct ModelCache {
    pub(crate) cache: ArtifactCache,
    dir: String,
    options: std::sync::Mutex<DownloadOptions>,
}

impl std::fmt::Debug for ModelCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ModelCache({})", self.dir)
    }
}

impl ModelCache {
    /// The core's download settings from [`Self::download_options`].
    pub(crate) fn download_config(&self) -> DownloadConfig {
        let options = self.download_options();
        DownloadConfig {
            // Both checked positive by `set_download_options`.
            chunk_size: options.chunk_size.unsigned_abs().into(),
            parallel_ranges: options.parallel_ranges.unsigned_abs(),
            ..DownloadConfig::default()
        }
    }
}

#[uniffi::export]
impl ModelCache {
    /// Opens (creating if needed) the cache in directory `dir`, holding at most
    /// `limit_bytes` of complete files (a package must fit: the full-size iris package is
    /// about 650 MB). Fails with `Io`.
    #[uniffi::constructor]
    pub fn open(dir: String, limit_bytes: i64) -> Result<Arc<Self>, ZkbioError> {
        guard(|| {
            let limit = u64::try_from(limit_bytes)
                .map_err(|_| ZkbioError::invalid("limit_bytes", "negative"))?;
            let cache = ArtifactCache::open(&dir, limit)?;
            Ok(Arc::new(ModelCache {
                cache,
                dir,
                options: Default::default(),
            }))
        })
    }

    /// Sets how later fetches download. Fails with `InvalidInput` (and keeps the old options)
    /// if a value is out of range.
    pub fn set_download_options(&self, options: DownloadOptions) -> Result<(), ZkbioError> {
        if !(4096..=64 << 20).contains(&options.chunk_size) {
            return Err(ZkbioError::invalid(
                "chunk_size",
                format!("{} is not in 4096..=67108864", options.chunk_size),
            ));
        }
        if !(1..=16).contains(&options.parallel_ranges) {
            return Err(ZkbioError::invalid(
                "parallel_ranges",
                format!("{} is not in 1..=16", options.parallel_ranges),
            ));
        }
        if options.image_rows.is_some() != options.image_cols.is_some() {
            return Err(ZkbioError::invalid(
                "image_rows",
                "set both image_rows and image_cols, or neither",
            ));
        }
        for (what, v) in [
            ("image_rows", options.image_rows),
            ("image_cols", options.image_cols),
        ] {
            if v.is_some_and(|v| v < 1) {
                return Err(ZkbioError::invalid(what, "not positive"));
            }
        }
        *self.options.lock().unwrap_or_else(|p| p.into_inner()) = options;
        Ok(())
    }

    /// The options later fetches use.
    pub fn download_options(&self) -> DownloadOptions {
        self.options
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Bytes of complete files held.
    pub fn total_size(&self) -> i64 {
        i64::try_from(self.cache.total_size()).unwrap_or(i64::MAX)
    }

    /// Obtains an iris model package and opens it, on a thread of its own (Kotlin `suspend`,
    /// Swift `async`):
    ///
    /// 1. `manifest_json` (the package's `manifest.json`, which the app fetched) is checked
    ///    before anything downloads: signed by one of `trusted_publishers`, an iris model,
    ///    and `pin`'s version and model hash;
    /// 2. each file missing from the cache is downloaded from `<base_url>/<name>` through
    ///    `fetcher` (resuming partial files, as [`ModelCache::set_download_options`] says), and
    ///    every file's size and SHA3-256, and the model's keccak256, are checked; the proving
    ///    key comes last, after the model parsed (of the options' image shape, if set) and the
    ///    key's header (one small range request) matched its circuit. When the manifest offers
    ///    the key's compressed transport form (about half the bytes), that is downloaded and
    ///    expanded on the device (`Expanding` events), and the result must have the key's
    ///    pinned digest;
    /// 3. the model is parsed and the proving key mapped, checked to be made for that model
    ///    and, if `pin.vk_hash` is set, to have that verification-key hash (else
    ///    `PackageRejected`).
    ///
    /// `listener` receives [`DownloadEvent`]s; `cancel` (or dropping the call) stops between
    /// chunks, keeping the partial file. Fails with `ModelHashMismatch`, `UntrustedPublisher`,
    /// `PackageRejected` (malformed, unsigned, another kind or version), `DownloadFailed`,
    /// `CorruptedArtifact` (a file not matching the manifest, a key for another model),
    /// `Cancelled`, `InvalidInput` (arguments; a cache too small for the package) or `Io`.
    #[allow(clippy::too_many_arguments)]
    pub async fn fetch_iris_model(
        self: Arc<Self>,
        manifest_json: String,
        base_url: String,
        pin: ModelPin,
        trusted_publishers: Vec<Arc<Address>>,
        fetcher: Arc<dyn Fetcher>,
        listener: Option<Arc<dyn DownloadListener>>,
        cancel: Option<Arc<CancellationToken>>,
    ) -> Result<Arc<IrisModel>, ZkbioError> {
        let flag = cancel.map(|c| c.flag()).unwrap_or_default();
        let observer = Observer {
            listener,
            cancel: flag.clone(),
        };
        background::run(flag, move || {
            let vk_hash = pin.vk_hash.as_ref().map(|h| h.array());
            let pin = RegistryPin {
                kind: ModelKind::Iris,
                version: version("pin.version", pin.version)?,
                model_hash: pin.model_hash.array(),
            };
            let trusted = values::addresses(&trusted_publishers);
            let manifest = verify_manifest(manifest_json.as_bytes(), &pin, &trusted)?;
            let options = self.download_options();
            let config = self.download_config();
            let shape = options
                .image_rows
                .zip(options.image_cols)
                .map(|(r, c)| (r.unsigned_abs() as usize, c.unsigned_abs() as usize));
            let package = IrisModelPackage::fetch(
                &self.cache,
                &manifest,
                &base_url,
                &HostFetcher(fetcher),
                &observer,
                &config,
                shape,
            )?;
            if let Some(h) = vk_hash {
                package.check_vk_hash(h)?;
            }
            Ok(Arc::new(IrisModel { package }))
        })
        .await
    }
}

/// One iris model version, verified and ready: the model and its memory-mapped proving key.
/// Share it; it is thread-safe, and concurrent proofs read the same mapping.
#[derive(Debug, uniffi::Object)]
pub struct IrisModel {
    pub(crate) package: IrisModelPackage,
}

#[uniffi::export]
impl IrisModel {
    /// The model version (as registered).
    pub fn version(&self) -> i64 {
        i64::from(self.package.version())
    }

    /// The model's family: `"filter-bank"` (v1) or `"tflite"` (v2, an int8 network).
    pub fn family(&self) -> String {
        self.package.statement().family().name().to_owned()
    }

    /// The model's name.
    pub fn name(&self) -> String {
        self.package.statement().name().into_owned()
    }

    /// keccak256 of the model file, canonical `model.bin` or `.tflite` (the registry's model
    /// hash).
    pub fn model_hash(&self) -> Arc<Bytes32> {
        Bytes32::new(self.package.statement().model_hash())
    }

    /// The proving key's verification-key hash (the registry's `vkHash` for this version).
    pub fn vk_hash(&self) -> Arc<Bytes32> {
        Bytes32::new(self.package.vk_hash())
    }

    /// Height of the normalized iris images the model takes.
    pub fn image_rows(&self) -> i32 {
        i32::try_from(self.package.statement().image_rows()).unwrap_or(i32::MAX)
    }

    /// Width of the normalized iris images the model takes.
    pub fn image_cols(&self) -> i32 {
        i32::try_from(self.package.statement().image_cols()).unwrap_or(i32::MAX)
    }

    /// The verifying key of this version's iris-code proofs (public inputs
    /// `[C_img, C_code, binding]`).
    pub fn verifying_key(&self) -> Arc<VerifyingKey> {
        VerifyingKey::new(self.package.key().view().verifying_key())
    }
}
