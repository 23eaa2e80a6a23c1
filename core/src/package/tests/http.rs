//! The HTTP fetcher against a tiny HTTP/1.1 server on 127.0.0.1 that this test starts and
//! stops: it serves byte ranges, and can cut connections mid-body or ignore ranges.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::fixtures::{package, sha3, PUBLISHER_KEY};
use crate::package::{
    publisher_address, verify_manifest, ArtifactCache, ArtifactRole, DownloadConfig, DownloadEvent,
    FetchError, Fetcher, HttpFetcher,
};

/// How the server misbehaves.
#[derive(Default)]
struct Faults {
    /// The next this-many replies stop after this many body bytes and close the connection.
    cuts_left: AtomicUsize,
    cut_after: usize,
    /// Answer every request with the whole file and 200, as a server without range support.
    ignore_ranges: bool,
}

struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    requests: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start(files: HashMap<String, Vec<u8>>, faults: Faults) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(AtomicUsize::new(0));
        let (stop2, requests2) = (stop.clone(), requests.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    requests2.fetch_add(1, Ordering::SeqCst);
                    // A broken connection is the client's business; the server goes on.
                    let _ = serve(stream, &files, &faults);
                }
            }
        });
        Self {
            addr,
            stop,
            requests,
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}/{path}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept so the thread sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(
    stream: TcpStream,
    files: &HashMap<String, Vec<u8>>,
    faults: &Faults,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut range = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("range") {
                range = Some(value.trim().to_owned());
            }
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .trim_start_matches('/');
    let mut out = stream;
    let Some(body) = files.get(path) else {
        return out.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
    };
    let len = body.len();
    let (status, start, end) = match range.as_deref().and_then(|r| r.strip_prefix("bytes=")) {
        Some(spec) if !faults.ignore_ranges => {
            let (a, b) = spec.split_once('-').unwrap_or((spec, ""));
            let start: usize = a.parse().unwrap_or(0);
            let end = if b.is_empty() {
                len
            } else {
                b.parse::<usize>().map_or(len, |b| (b + 1).min(len))
            };
            if start >= len {
                return out.write_all(b"HTTP/1.1 416 Range Not Satisfiable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            }
            ("206 Partial Content", start, end)
        }
        _ => ("200 OK", 0, len),
    };
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        end - start
    );
    if status.starts_with("206") {
        head.push_str(&format!(
            "Content-Range: bytes {start}-{}/{len}\r\n",
            end - 1
        ));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())?;
    let cut = faults
        .cuts_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    let body = &body[start..end];
    if cut {
        out.write_all(&body[..faults.cut_after.min(body.len())])?;
        out.flush()?;
        return out.shutdown(std::net::Shutdown::Both);
    }
    out.write_all(body)
}

fn fetcher() -> HttpFetcher {
    HttpFetcher::new(Duration::from_secs(5))
}

#[test]
fn ranges_come_back_exactly_and_errors_are_typed() {
    let body: Vec<u8> = (0..5_000u32).map(|i| (i % 251) as u8).collect();
    let server = Server::start(
        HashMap::from([("f".to_owned(), body.clone())]),
        Faults::default(),
    );
    let f = fetcher();
    assert_eq!(
        f.fetch_range(&server.url("f"), 10, Some(20))
            .expect("range"),
        &body[10..20]
    );
    assert_eq!(
        f.fetch_range(&server.url("f"), 0, None).expect("whole"),
        body
    );
    assert_eq!(
        f.fetch_range(&server.url("f"), 4_990, None).expect("tail"),
        &body[4_990..]
    );
    assert_eq!(
        f.fetch_range(&server.url("f"), 7, Some(7)).expect("empty"),
        Vec::<u8>::new()
    );
    assert_eq!(
        f.fetch_range(&server.url("missing"), 0, None),
        Err(FetchError::Status(404))
    );
    assert_eq!(
        f.fetch_range(&server.url("f"), 6_000, None),
        Err(FetchError::Status(416))
    );
}

#[test]
fn a_server_without_range_support_cannot_resume() {
    let body = vec![7u8; 1_000];
    let faults = Faults {
        ignore_ranges: true,
        ..Faults::default()
    };
    let server = Server::start(HashMap::from([("f".to_owned(), body.clone())]), faults);
    let f = fetcher();
    assert_eq!(
        f.fetch_range(&server.url("f"), 0, Some(100))
            .expect("from 0"),
        &body[..100]
    );
    assert_eq!(
        f.fetch_range(&server.url("f"), 10, Some(100)),
        Err(FetchError::RangeNotSupported)
    );
}

#[test]
fn a_download_cut_mid_body_resumes_over_http_and_yields_the_same_digests() {
    let p = package(2, [40_000, 300_000, 5_000], "");
    let files: HashMap<String, Vec<u8>> = p.files.iter().cloned().collect();
    let faults = Faults {
        cuts_left: AtomicUsize::new(3),
        cut_after: 10_000,
        ..Faults::default()
    };
    let server = Server::start(files, faults);
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = ArtifactCache::open(dir.path(), 1 << 20).expect("cache");
    let trusted = [publisher_address(&PUBLISHER_KEY).expect("address")];
    let manifest = verify_manifest(&p.json(), &p.pin, &trusted).expect("verify");
    let config = DownloadConfig {
        chunk_size: 64 * 1024,
        parallel_ranges: 1,
        max_attempts: 3,
        retry_delay: Duration::ZERO,
    };
    let recorder = super::fixtures::Recorder::default();
    let package = cache
        .fetch_package(&manifest, &server.url(""), &fetcher(), &recorder, &config)
        .expect("fetch");
    for role in ArtifactRole::ALL {
        let bytes = std::fs::read(package.path(role).expect("path")).expect("read");
        assert_eq!(sha3(&bytes), sha3(p.file(role)), "{role:?}");
    }
    // The first three replies were cut after 10,000 bytes: each cut shows as progress
    // ending at a multiple of 10,000 that is not a chunk boundary.
    let cut_progress = recorder
        .events()
        .iter()
        .filter(|e| matches!(e, DownloadEvent::Progress { done, .. } if done % 10_000 == 0 && done % (64 * 1024) != 0))
        .count();
    assert!(cut_progress >= 3, "{:?}", recorder.events());
    let chunks: usize = [40_000usize, 300_000, 5_000]
        .iter()
        .map(|s| s.div_ceil(64 * 1024))
        .sum();
    assert_eq!(
        server.requests.load(Ordering::SeqCst),
        chunks + 3,
        "each cut costs exactly one more request"
    );
}

#[test]
fn an_unreachable_server_is_a_retryable_network_error() {
    // Bind then drop a listener: nothing listens on that port now.
    let addr = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr");
    let err = fetcher()
        .fetch_range(&format!("http://{addr}/f"), 0, None)
        .expect_err("refused");
    assert!(
        matches!(err, FetchError::Network(_)) && err.is_retryable(),
        "{err:?}"
    );
}
