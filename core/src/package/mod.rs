//! Model packages: a signed `manifest.json` and the files it lists (model, proving key,
//! verification key), fetched through the host's networking, checked, and cached.
//!
//! The flow, each step refusing before the next can use anything:
//! 1. [`verify_manifest`]: structure, publisher signature (secp256k1, a trusted address), and
//!    kind, version and model hash against the caller's [`RegistryPin`] — before any download.
//! 2. [`ArtifactCache::fetch_package`]: downloads missing files through a [`Fetcher`]
//!    (resuming `.part` files, reporting [`DownloadEvent`]s, cancellable), checks every size
//!    and SHA3-256 and the model file's keccak256 against the pin, and returns a
//!    [`VerifiedPackage`], the only way to the files' paths.

pub mod cache;
pub mod dir;
pub mod error;
pub mod fetch;
#[cfg(feature = "http-fetcher")]
pub mod http;
pub mod manifest;
pub mod publish;
pub mod verify;

#[cfg(test)]
mod tests;

pub use cache::{check_dev_marker, rejected, ArtifactCache, BeforeKey};
pub use dir::DirFetcher;
pub use error::{FetchError, PackageError};
pub use fetch::{DownloadConfig, DownloadEvent, DownloadObserver, Fetcher, Quiet};
#[cfg(feature = "http-fetcher")]
pub use http::HttpFetcher;
pub use manifest::{
    publisher_address, Artifact, ArtifactRole, IrisFamily, KeyTransport, Manifest, ModelKind,
    MANIFEST_FORMAT,
};
pub use publish::{
    publish_face_package, publish_iris_package, publish_package, publish_package_with_transport,
    MANIFEST_FILE,
};
pub use verify::{
    verify_manifest, RegistryPin, VerifiedArtifact, VerifiedManifest, VerifiedPackage,
};
