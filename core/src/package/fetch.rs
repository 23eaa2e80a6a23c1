//! Downloads through the host's networking, resumable after any interruption.
//!
//! The host implements [`Fetcher`] (URLSession on iOS, OkHttp on Android, `HttpFetcher`
//! on desktop): one call fetches one byte range. The download loop asks for
//! [`DownloadConfig::parallel_ranges`] consecutive chunks at a time (each on a thread of its
//! own when more than one), appends what arrived in order to a `.part` file and fsyncs it,
//! reports progress, and checks for cancellation between rounds. The `.part` file is always a
//! prefix of the artifact: a chunk that arrives after a short or failed one is dropped and
//! asked for again. After a dropped connection, a cancellation or a process
//! restart, the next download of the same artifact continues from the `.part` file's length.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use super::{FetchError, PackageError};

/// The host's networking, as the package downloader needs it (a foreign trait on phones).
pub trait Fetcher: Send + Sync {
    /// Bytes `start..end` of the resource at `url` (`end` exclusive; `None`: to its end).
    ///
    /// It may return fewer bytes than asked (e.g. the connection dropped mid-body): the
    /// caller asks again from where the bytes stop. It must return bytes from `start` on,
    /// never from another offset (a server that ignores a range request at a non-zero
    /// offset is [`FetchError::RangeNotSupported`]), and never more than asked.
    fn fetch_range(&self, url: &str, start: u64, end: Option<u64>) -> Result<Vec<u8>, FetchError>;
}

/// Something that happened while obtaining a package's files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DownloadEvent {
    /// The artifact was already in the cache and still matches its digest.
    CacheHit {
        /// Artifact name.
        artifact: String,
    },
    /// A download starts, or resumes from a partial file.
    Started {
        /// Artifact name.
        artifact: String,
        /// Bytes already on disk from an earlier attempt.
        resumed_from: u64,
        /// The artifact's size.
        total: u64,
    },
    /// A chunk arrived.
    Progress {
        /// Artifact name.
        artifact: String,
        /// Bytes on disk.
        done: u64,
        /// The artifact's size.
        total: u64,
    },
    /// A fetch failed and will be retried from the current offset.
    Retrying {
        /// Artifact name.
        artifact: String,
        /// Failed attempts in a row.
        attempt: u32,
        /// What failed.
        error: FetchError,
    },
    /// The proving key's compressed transport form is being expanded into the key file (after
    /// its download, before the key's digest check).
    Expanding {
        /// The proving key's artifact name.
        artifact: String,
        /// Bytes of the key file written.
        done: u64,
        /// The key file's size.
        total: u64,
    },
    /// The artifact's size and digest (and for the model, its keccak256) checked out.
    Verified {
        /// Artifact name.
        artifact: String,
    },
}

/// Receives download events and can cancel (a foreign trait on phones).
pub trait DownloadObserver: Send + Sync {
    /// Called for each event, on the downloading thread.
    fn on_event(&self, _event: &DownloadEvent) {}
    /// Checked between chunks: `true` stops the download with [`PackageError::Cancelled`],
    /// keeping the partial file for a later resume.
    fn is_cancelled(&self) -> bool {
        false
    }
}

/// Ignores events and never cancels.
#[derive(Clone, Copy, Debug, Default)]
pub struct Quiet;

impl DownloadObserver for Quiet {}

/// How downloads proceed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadConfig {
    /// Bytes asked for per fetch: the granularity of progress, cancellation and fsync.
    pub chunk_size: u64,
    /// Fetches in flight at once (consecutive chunks of one file), at least 1. More hides a
    /// mobile link's latency; memory is `parallel_ranges × chunk_size`.
    pub parallel_ranges: u32,
    /// Failed fetches in a row (without a byte of progress) before giving up.
    pub max_attempts: u32,
    /// Pause before retrying a failed fetch.
    pub retry_delay: Duration,
}

impl Default for DownloadConfig {
    fn default() -> Self {
        Self {
            chunk_size: 1 << 20,
            parallel_ranges: 1,
            max_attempts: 5,
            retry_delay: Duration::from_millis(500),
        }
    }
}

/// Downloads `url` into `part` until it holds `size` bytes, continuing from whatever `part`
/// already holds. The caller checks the digest.
pub(crate) fn download_to_part(
    fetcher: &dyn Fetcher,
    url: &str,
    part: &Path,
    artifact: &str,
    size: u64,
    config: &DownloadConfig,
    observer: &dyn DownloadObserver,
) -> Result<(), PackageError> {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(part)
        .map_err(PackageError::io("open", part))?;
    let mut done = file
        .metadata()
        .map_err(PackageError::io("stat", part))?
        .len();
    if done > size {
        // Longer than the artifact: not a prefix of it. Start over.
        file.set_len(0)
            .map_err(PackageError::io("truncate", part))?;
        done = 0;
    }
    observer.on_event(&DownloadEvent::Started {
        artifact: artifact.to_owned(),
        resumed_from: done,
        total: size,
    });
    let chunk = config.chunk_size.max(1);
    let width = u64::from(config.parallel_ranges.max(1));
    let mut failures = 0u32;
    while done < size {
        if observer.is_cancelled() {
            return Err(PackageError::Cancelled);
        }
        let ranges: Vec<(u64, u64)> = (0..width)
            .map(|i| done.saturating_add(i.saturating_mul(chunk)))
            .take_while(|&from| from < size)
            .map(|from| (from, size.min(from.saturating_add(chunk))))
            .collect();
        let replies = fetch_ranges(fetcher, url, &ranges);
        let mut error = None;
        let before = done;
        for ((from, end), reply) in ranges.into_iter().zip(replies) {
            let bytes = match reply {
                Ok(bytes) if bytes.len() as u64 > end - from => {
                    error = Some(FetchError::Invalid(format!(
                        "asked for {} bytes, got {}",
                        end - from,
                        bytes.len()
                    )));
                    break;
                }
                Ok(bytes) if !bytes.is_empty() => bytes,
                Ok(_) => {
                    error = Some(FetchError::Network(
                        "empty reply before the end of the file".into(),
                    ));
                    break;
                }
                Err(e) => {
                    error = Some(e);
                    break;
                }
            };
            file.write_all(&bytes)
                .map_err(PackageError::io("write", part))?;
            done += bytes.len() as u64;
            if done < end {
                // A short reply: later chunks do not continue it; ask again from here.
                break;
            }
        }
        if done > before {
            // Durable before it counts, so a resume never trusts bytes a crash lost.
            file.sync_data().map_err(PackageError::io("sync", part))?;
            failures = 0;
            observer.on_event(&DownloadEvent::Progress {
                artifact: artifact.to_owned(),
                done,
                total: size,
            });
        }
        let Some(error) = error else { continue };
        if done > before {
            // Progress was made: retry the rest at once, without counting a failure.
            continue;
        }
        failures += 1;
        if !error.is_retryable() || failures >= config.max_attempts {
            return Err(PackageError::Fetch {
                artifact: artifact.to_owned(),
                source: error,
            });
        }
        observer.on_event(&DownloadEvent::Retrying {
            artifact: artifact.to_owned(),
            attempt: failures,
            error,
        });
        std::thread::sleep(config.retry_delay);
    }
    Ok(())
}

/// The replies to `ranges`, in order: fetched on this thread for one range, on a scoped thread
/// each for more.
fn fetch_ranges(
    fetcher: &dyn Fetcher,
    url: &str,
    ranges: &[(u64, u64)],
) -> Vec<Result<Vec<u8>, FetchError>> {
    if let [(from, end)] = ranges {
        return vec![fetcher.fetch_range(url, *from, Some(*end))];
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = ranges
            .iter()
            .map(|&(from, end)| scope.spawn(move || fetcher.fetch_range(url, from, Some(end))))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(FetchError::Network("the fetcher panicked".into())))
            })
            .collect()
    })
}
