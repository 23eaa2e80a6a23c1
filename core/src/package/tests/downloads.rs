//! Downloads through the cache: resume, retries, verification, eviction.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::fixtures::{package, sha3, MemFetcher, Recorder, TestPackage, BASE_URL, PUBLISHER_KEY};
use crate::package::{
    publisher_address, verify_manifest, ArtifactCache, ArtifactRole, DownloadConfig, DownloadEvent,
    FetchError, PackageError, Quiet, VerifiedManifest,
};

fn config(chunk_size: u64) -> DownloadConfig {
    DownloadConfig {
        chunk_size,
        parallel_ranges: 1,
        max_attempts: 3,
        retry_delay: Duration::ZERO,
    }
}

fn verified(p: &TestPackage) -> VerifiedManifest {
    let trusted = [publisher_address(&PUBLISHER_KEY).expect("address")];
    verify_manifest(&p.json(), &p.pin, &trusted).expect("verify")
}

/// Every file of the fetched package has the bytes the publisher made.
fn assert_files_match(package: &crate::package::VerifiedPackage, p: &TestPackage) {
    for role in ArtifactRole::ALL {
        let bytes = std::fs::read(package.path(role).expect("path")).expect("read");
        assert_eq!(sha3(&bytes), sha3(p.file(role)), "{role:?}");
        assert_eq!(bytes, p.file(role), "{role:?}");
    }
}

#[test]
fn a_cancelled_download_resumes_from_its_part_file_and_yields_the_same_digest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = ArtifactCache::open(dir.path(), 1 << 20).expect("cache");
    let p = package(2, [10_000, 50_000, 3_000], "");
    let manifest = verified(&p);

    // Stop after 6 chunks of 4,000 bytes: the model (10,000 bytes) is done after chunk 3, the
    // verification key (3,000) after chunk 4, and the proving key, which comes last, has 2.
    let fetcher = MemFetcher::serving(&[&p]);
    let stopper = Recorder {
        cancel_after_progress: Some(6),
        ..Recorder::default()
    };
    let err = cache
        .fetch_package(&manifest, BASE_URL, &fetcher, &stopper, &config(4_000))
        .expect_err("cancelled");
    assert!(matches!(err, PackageError::Cancelled), "{err:?}");
    let pk = p.manifest.artifact(ArtifactRole::ProvingKey).expect("pk");
    let part = dir
        .path()
        .join("partial")
        .join(format!("{}.part", hex::encode(pk.sha3_256)));
    assert_eq!(
        std::fs::metadata(&part).expect("part file kept").len(),
        8_000
    );

    let fetcher = MemFetcher::serving(&[&p]);
    let recorder = Recorder::default();
    let package = cache
        .fetch_package(&manifest, BASE_URL, &fetcher, &recorder, &config(4_000))
        .expect("resume");
    assert_files_match(&package, &p);
    assert!(recorder.events().contains(&DownloadEvent::Started {
        artifact: pk.name.clone(),
        resumed_from: 8_000,
        total: 50_000,
    }));
    for small in [0, 2] {
        assert!(recorder.events().contains(&DownloadEvent::CacheHit {
            artifact: p.manifest.artifacts[small].name.clone()
        }));
    }
    // Only what was missing came over the wire the second time.
    assert_eq!(fetcher.served.load(Ordering::SeqCst), 50_000 - 8_000);
    assert!(!part.exists(), "the part file becomes the cached object");
}

#[test]
fn dropped_connections_and_short_replies_are_resumed_from_the_last_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = ArtifactCache::open(dir.path(), 1 << 20).expect("cache");
    let p = package(2, [10_000, 50_000, 3_000], "");
    let fetcher = MemFetcher::serving(&[&p]);
    fetcher.cut_next.store(4, Ordering::SeqCst);
    fetcher.fail_next.store(2, Ordering::SeqCst);
    let recorder = Recorder::default();
    let package = cache
        .fetch_package(&verified(&p), BASE_URL, &fetcher, &recorder, &config(8_192))
        .expect("fetch");
    assert_files_match(&package, &p);
    let retries = recorder
        .events()
        .iter()
        .filter(|e| matches!(e, DownloadEvent::Retrying { .. }))
        .count();
    assert_eq!(retries, 2);
    assert_eq!(
        fetcher.served.load(Ordering::SeqCst),
        63_000,
        "no byte was fetched twice"
    );
}

#[test]
fn failures_give_up_after_the_configured_attempts_and_not_found_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = ArtifactCache::open(dir.path(), 1 << 20).expect("cache");
    let p = package(2, [1_000, 2_000, 300], "");
    let fetcher = MemFetcher::serving(&[&p]);
    fetcher.fail_next.store(100, Ordering::SeqCst);
    let err = cache
        .fetch_package(&verified(&p), BASE_URL, &fetcher, &Quiet, &config(512))
        .expect_err("fails");
    assert!(
        matches!(
            err,
            PackageError::Fetch {
                source: FetchError::Network(_),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(fetcher.calls.load(Ordering::SeqCst), 3);

    let nowhere = MemFetcher::default();
    let err = cache
        .fetch_package(&verified(&p), BASE_URL, &nowhere, &Quiet, &config(512))
        .expect_err("404");
    assert!(
        matches!(
            err,
            PackageError::Fetch {
                source: FetchError::Status(404),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        nowhere.calls.load(Ordering::SeqCst),
        1,
        "a 404 is not retried"
    );
}

#[test]
fn bytes_that_do_not_match_the_manifest_are_refused_and_not_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = ArtifactCache::open(dir.path(), 1 << 20).expect("cache");
    let p = package(2, [1_000, 2_000, 300], "");
    let fetcher = MemFetcher::serving(&[&p]);
    let vk = p
        .manifest
        .artifact(ArtifactRole::VerificationKey)
        .expect("vk");
    let mut evil = p.file(ArtifactRole::VerificationKey).to_vec();
    evil[17] ^= 1;
    fetcher
        .replaced
        .lock()
        .expect("lock")
        .insert(format!("{BASE_URL}/{}", vk.name), evil);
    let err = cache
        .fetch_package(&verified(&p), BASE_URL, &fetcher, &Quiet, &config(512))
        .expect_err("refused");
    assert!(
        matches!(err, PackageError::DigestMismatch { ref artifact, .. } if *artifact == vk.name),
        "{err:?}"
    );
    assert!(!cache.contains(&vk.sha3_256));
    let part = dir
        .path()
        .join("partial")
        .join(format!("{}.part", hex::encode(vk.sha3_256)));
    assert!(
        !part.exists(),
        "a part file with wrong bytes must not be resumed"
    );

    // Served correctly, the same package then verifies.
    fetcher.replaced.lock().expect("lock").clear();
    let package = cache
        .fetch_package(&verified(&p), BASE_URL, &fetcher, &Quiet, &config(512))
        .expect("fetch");
    assert_files_match(&package, &p);
}

#[test]
fn a_model_file_whose_keccak_is_not_the_pin_is_refused_even_when_its_digest_matches() {
    // The publisher signed a manifest claiming the pinned hash over a different model file.
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = ArtifactCache::open(dir.path(), 1 << 20).expect("cache");
    let honest = package(2, [1_000, 2_000, 300], "");
    let mut lying = package(2, [1_001, 2_000, 300], "");
    lying.manifest.model_hash = honest.pin.model_hash;
    lying.manifest.sign(&PUBLISHER_KEY).expect("sign");
    lying.pin = honest.pin;
    let fetcher = MemFetcher::serving(&[&lying]);
    let err = cache
        .fetch_package(&verified(&lying), BASE_URL, &fetcher, &Quiet, &config(512))
        .expect_err("refused");
    assert!(
        matches!(err, PackageError::ModelHashMismatch { expected, .. } if expected == honest.pin.model_hash),
        "{err:?}"
    );
    let model = lying.manifest.artifact(ArtifactRole::Model).expect("model");
    assert!(
        !cache.contains(&model.sha3_256),
        "the refused model must not stay in the cache"
    );
}

#[test]
fn cached_files_are_rehashed_and_a_damaged_one_is_fetched_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = ArtifactCache::open(dir.path(), 1 << 20).expect("cache");
    let p = package(2, [1_000, 2_000, 300], "");
    let fetcher = MemFetcher::serving(&[&p]);
    let first = cache
        .fetch_package(&verified(&p), BASE_URL, &fetcher, &Quiet, &config(512))
        .expect("fetch");
    let calls = fetcher.calls.load(Ordering::SeqCst);
    let again = cache
        .fetch_package(&verified(&p), BASE_URL, &fetcher, &Quiet, &config(512))
        .expect("cached");
    assert_eq!(
        fetcher.calls.load(Ordering::SeqCst),
        calls,
        "a cache hit fetches nothing"
    );
    assert_eq!(first.artifacts(), again.artifacts());

    let pk_path = first
        .path(ArtifactRole::ProvingKey)
        .expect("pk")
        .to_path_buf();
    let mut damaged = std::fs::read(&pk_path).expect("read");
    damaged[0] ^= 1;
    std::fs::write(&pk_path, damaged).expect("write");
    let repaired = cache
        .fetch_package(&verified(&p), BASE_URL, &fetcher, &Quiet, &config(512))
        .expect("refetch");
    assert_files_match(&repaired, &p);
    assert_eq!(fetcher.served.load(Ordering::SeqCst), 3_300 + 2_000);

    // A new cache instance on the same directory finds the files.
    let reopened = ArtifactCache::open(dir.path(), 1 << 20).expect("reopen");
    assert_eq!(reopened.total_size(), 3_300);
}

#[test]
fn the_least_recently_used_package_is_evicted_to_make_room() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = ArtifactCache::open(dir.path(), 10_000).expect("cache");
    let a = package(2, [1_000, 3_000, 100], "a-");
    let b = package(3, [1_000, 3_000, 100], "b-");
    let c = package(4, [1_000, 3_000, 100], "c-");
    let fetcher = MemFetcher::serving(&[&a, &b, &c]);
    for p in [&a, &b, &a] {
        cache
            .fetch_package(&verified(p), BASE_URL, &fetcher, &Quiet, &config(4_096))
            .expect("fetch");
    }
    cache
        .fetch_package(&verified(&c), BASE_URL, &fetcher, &Quiet, &config(4_096))
        .expect("fetch c");
    let held = |p: &TestPackage| {
        p.manifest
            .artifacts
            .iter()
            .all(|x| cache.contains(&x.sha3_256))
    };
    assert!(held(&a) && held(&c), "recently used packages stay");
    // Eviction goes file by file, oldest first, until the new package fits: b's files were
    // used in the order model, verification key, proving key (the key comes last), and only
    // all three (4,100 bytes) make room for c.
    let b_held: Vec<bool> = b
        .manifest
        .artifacts
        .iter()
        .map(|x| cache.contains(&x.sha3_256))
        .collect();
    assert_eq!(b_held, vec![false, false, false]);
    assert!(cache.total_size() <= cache.limit());

    let huge = package(5, [1_000, 9_500, 100], "h-");
    let err = cache
        .fetch_package(&verified(&huge), BASE_URL, &fetcher, &Quiet, &config(4_096))
        .expect_err("too big");
    assert!(
        matches!(
            err,
            PackageError::CacheTooSmall {
                needed: 10_600,
                limit: 10_000
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_fetcher_returning_more_than_asked_is_refused() {
    struct Generous;
    impl crate::package::Fetcher for Generous {
        fn fetch_range(
            &self,
            _url: &str,
            start: u64,
            end: Option<u64>,
        ) -> Result<Vec<u8>, FetchError> {
            Ok(vec![0; (end.unwrap_or(start) - start + 1) as usize])
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = ArtifactCache::open(dir.path(), 1 << 20).expect("cache");
    let p = package(2, [1_000, 2_000, 300], "");
    let err = cache
        .fetch_package(&verified(&p), BASE_URL, &Generous, &Quiet, &config(512))
        .expect_err("refused");
    assert!(
        matches!(
            err,
            PackageError::Fetch {
                source: FetchError::Invalid(_),
                ..
            }
        ),
        "{err:?}"
    );
}

/// Counts fetches in flight (each held a moment, so parallel ones overlap).
struct InFlight<'a> {
    inner: &'a MemFetcher,
    now: std::sync::atomic::AtomicUsize,
    max: std::sync::atomic::AtomicUsize,
    ranges: std::sync::Mutex<Vec<(u64, u64)>>,
}

impl crate::package::Fetcher for InFlight<'_> {
    fn fetch_range(&self, url: &str, start: u64, end: Option<u64>) -> Result<Vec<u8>, FetchError> {
        let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(n, Ordering::SeqCst);
        self.ranges
            .lock()
            .expect("lock")
            .push((start, end.unwrap_or(u64::MAX)));
        std::thread::sleep(Duration::from_millis(5));
        let r = self.inner.fetch_range(url, start, end);
        self.now.fetch_sub(1, Ordering::SeqCst);
        r
    }
}

#[test]
fn parallel_ranges_overlap_and_keep_the_part_file_a_prefix() {
    let p = package(2, [10_000, 50_000, 3_000], "");
    for (width, cut, fail) in [(1u32, 0, 0), (4, 0, 0), (4, 3, 2)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = ArtifactCache::open(dir.path(), 1 << 20).expect("cache");
        let mem = MemFetcher::serving(&[&p]);
        mem.cut_next.store(cut, Ordering::SeqCst);
        mem.fail_next.store(fail, Ordering::SeqCst);
        let fetcher = InFlight {
            inner: &mem,
            now: Default::default(),
            max: Default::default(),
            ranges: Default::default(),
        };
        let config = DownloadConfig {
            parallel_ranges: width,
            max_attempts: 5,
            ..config(4_096)
        };
        let package = cache
            .fetch_package(&verified(&p), BASE_URL, &fetcher, &Quiet, &config)
            .expect("fetch");
        // Short and failed replies in a round drop the chunks after them, which are asked
        // again: the files still match byte for byte.
        assert_files_match(&package, &p);
        let max = fetcher.max.load(Ordering::SeqCst);
        let ranges = fetcher.ranges.lock().expect("lock").clone();
        assert!(
            ranges.iter().all(|(s, e)| e - s <= 4_096),
            "chunk size kept"
        );
        if width == 1 {
            assert_eq!(max, 1);
            assert_eq!(ranges.len(), 3 + 13 + 1, "one request per chunk");
        } else {
            assert!(max >= 2 && max <= width as usize, "in flight at most {max}");
        }
        if cut == 0 && fail == 0 {
            assert_eq!(mem.served.load(Ordering::SeqCst), 63_000, "no byte twice");
        }
    }
}
