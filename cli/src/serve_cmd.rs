//! `zkbio serve DIR`: a static file server for development that answers HTTP byte-range
//! requests, which the package downloader needs (it fetches in ranges and resumes) and
//! `python3 -m http.server` does not offer.
//!
//! `tiny_http` parses HTTP; the ranges are ours: one `bytes=` range per request (`a-b`, `a-`,
//! `-n`), 206 with `Content-Range`, 416 when it starts past the end; a list of ranges gets the
//! whole file (200), as RFC 9110 allows. Only regular files under DIR are served: a path with a
//! `..`, a `\`, a NUL or a percent escape is 404 without touching the file system. Bodies stream
//! from the file, so a 600 MiB key costs no memory. Development only: no TLS, no auth.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use tiny_http::{Header, Method, Request, Response, Server, StatusCode};

/// `zkbio serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Directory to serve (e.g. the parent of published package directories).
    pub dir: PathBuf,
    /// Address to listen on; port 0 picks a free port. The first output line is `url http://…`.
    #[arg(long, default_value = "127.0.0.1:8000")]
    pub addr: String,
}

/// Serves `a.dir` until the process is killed.
pub fn run(a: ServeArgs) -> Result<(), String> {
    let root = a
        .dir
        .canonicalize()
        .map_err(|e| format!("{}: {e}", a.dir.display()))?;
    if !root.is_dir() {
        return Err(format!("{}: not a directory", a.dir.display()));
    }
    let server = Server::http(&a.addr).map_err(|e| format!("listen on {}: {e}", a.addr))?;
    let url = match server.server_addr().to_ip() {
        Some(addr) => format!("http://{addr}"),
        None => return Err(format!("listen on {}: not an IP address", a.addr)),
    };
    println!("url {url}");
    println!("serving {} (byte ranges; Ctrl-C stops)", root.display());
    crate::output::result(serde_json::json!({ "command": "serve", "url": url, "dir": root }));
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    for request in server.incoming_requests() {
        let root = root.clone();
        // One thread per request: the downloader fetches several ranges in parallel.
        std::thread::spawn(move || {
            let _ = respond(request, &root);
        });
    }
    Ok(())
}

/// The file `url_path` names under `root`, if it is a safe path to a regular file.
fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let path = url_path.split(['?', '#']).next()?.strip_prefix('/')?;
    let safe = |part: &str| !part.is_empty() && part != "." && part != "..";
    if path.contains(['\\', '\0', '%']) || !path.split('/').all(safe) {
        return None;
    }
    let file = root.join(path).canonicalize().ok()?;
    (file.starts_with(root) && file.is_file()).then_some(file)
}

/// What a `Range` header asks of a file of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
enum Wanted {
    /// The whole file (no header, or one this server does not split on).
    All,
    /// Bytes `start..end`.
    Part { start: u64, end: u64 },
    /// A range that starts at or past the end.
    Unsatisfiable,
}

fn wanted(range: Option<&str>, len: u64) -> Wanted {
    let Some(spec) = range.and_then(|r| r.trim().strip_prefix("bytes=")) else {
        return Wanted::All;
    };
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Wanted::All;
    };
    let (first, last) = (first.trim(), last.trim());
    if spec.contains(',') {
        return Wanted::All;
    }
    let parse = |s: &str| s.parse::<u64>().ok();
    match (first.is_empty(), parse(first), parse(last)) {
        // `-n`: the last n bytes.
        (true, _, Some(n)) if n > 0 => Wanted::Part {
            start: len.saturating_sub(n),
            end: len,
        },
        (false, Some(start), _) if start >= len => Wanted::Unsatisfiable,
        (false, Some(start), None) if last.is_empty() => Wanted::Part { start, end: len },
        (false, Some(start), Some(last)) if last >= start => Wanted::Part {
            start,
            end: last.saturating_add(1).min(len),
        },
        _ => Wanted::All,
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("ASCII header")
}

fn respond(request: Request, root: &Path) -> std::io::Result<()> {
    let head = match request.method() {
        Method::Get => false,
        Method::Head => true,
        _ => return request.respond(Response::empty(StatusCode(405))),
    };
    let Some(path) = resolve(root, request.url()) else {
        return request.respond(Response::empty(StatusCode(404)));
    };
    let mut file = File::open(&path)?;
    let len = file.metadata()?.len();
    let range = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Range"))
        .map(|h| h.value.as_str().to_string());
    let (status, start, end) = match wanted(range.as_deref(), len) {
        Wanted::All => (200, 0, len),
        Wanted::Part { start, end } => (206, start, end),
        Wanted::Unsatisfiable => {
            let r = Response::empty(StatusCode(416))
                .with_header(header("Content-Range", &format!("bytes */{len}")));
            return request.respond(r);
        }
    };
    let mut headers = vec![
        header("Accept-Ranges", "bytes"),
        header("Content-Type", "application/octet-stream"),
    ];
    if status == 206 {
        let cr = format!("bytes {start}-{}/{len}", end - 1);
        headers.push(header("Content-Range", &cr));
    }
    file.seek(SeekFrom::Start(start))?;
    let body: Box<dyn Read + Send> = if head {
        Box::new(std::io::empty())
    } else {
        Box::new(file.take(end - start))
    };
    let length = usize::try_from(end - start).ok();
    request.respond(Response::new(
        StatusCode(status),
        headers,
        body,
        length,
        None,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_rfc_9110_says() {
        let w = |r: &str| wanted(Some(r), 100);
        assert_eq!(wanted(None, 100), Wanted::All);
        assert_eq!(w("bytes=0-9"), Wanted::Part { start: 0, end: 10 });
        assert_eq!(
            w("bytes=90-"),
            Wanted::Part {
                start: 90,
                end: 100
            }
        );
        assert_eq!(
            w("bytes=90-1000"),
            Wanted::Part {
                start: 90,
                end: 100
            }
        );
        assert_eq!(
            w("bytes=-10"),
            Wanted::Part {
                start: 90,
                end: 100
            }
        );
        assert_eq!(w("bytes=-1000"), Wanted::Part { start: 0, end: 100 });
        assert_eq!(w("bytes=100-"), Wanted::Unsatisfiable);
        assert_eq!(w("bytes=5-4"), Wanted::All);
        assert_eq!(w("bytes=0-1,5-6"), Wanted::All);
        assert_eq!(w("bytes=-0"), Wanted::All);
        assert_eq!(w("items=0-1"), Wanted::All);
        assert_eq!(w("bytes=x-1"), Wanted::All);
    }

    #[test]
    fn only_files_under_the_root_are_served() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("v1")).unwrap();
        std::fs::write(root.join("v1/a.bin"), b"abc").unwrap();
        std::fs::write(
            dir.path().parent().unwrap().join("zkbio-serve-outside"),
            b"x",
        )
        .ok();
        assert_eq!(resolve(&root, "/v1/a.bin"), Some(root.join("v1/a.bin")));
        assert_eq!(resolve(&root, "/v1/a.bin?x=1"), Some(root.join("v1/a.bin")));
        for bad in [
            "/v1",
            "/",
            "v1/a.bin",
            "/../zkbio-serve-outside",
            "/v1/../v1/a.bin",
            "/v1/./a.bin",
            "/v1//a.bin",
            "/v1%2fa.bin",
            "/v1\\a.bin",
            "/missing",
        ] {
            assert_eq!(resolve(&root, bad), None, "{bad}");
        }
    }
}
