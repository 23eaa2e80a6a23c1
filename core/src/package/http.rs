//! A blocking HTTP(S) [`Fetcher`] for the CLI and desktop tools (phones use the host app's
//! networking instead). Byte ranges are `Range: bytes=a-b` requests.

use std::io::Read;
use std::time::Duration;

use super::fetch::Fetcher;
use super::FetchError;

/// Fetches byte ranges over HTTP(S) with `ureq`.
pub struct HttpFetcher {
    agent: ureq::Agent,
}

impl Default for HttpFetcher {
    fn default() -> Self {
        Self::new(Duration::from_secs(30))
    }
}

impl HttpFetcher {
    /// A fetcher whose connects and reads each time out after `timeout`.
    pub fn new(timeout: Duration) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_connect(Some(timeout))
            .timeout_recv_response(Some(timeout))
            .timeout_per_read(Some(timeout))
            .build();
        Self {
            agent: ureq::Agent::new_with_config(config),
        }
    }
}

fn to_fetch_error(error: ureq::Error) -> FetchError {
    match error {
        ureq::Error::StatusCode(status) => FetchError::Status(status),
        ureq::Error::BadUri(uri) => FetchError::Invalid(format!("bad URL {uri}")),
        other => FetchError::Network(other.to_string()),
    }
}

/// The first offset of a `Content-Range: bytes a-b/n` header.
fn content_range_start(value: &str) -> Option<u64> {
    value
        .strip_prefix("bytes ")?
        .split('-')
        .next()?
        .trim()
        .parse()
        .ok()
}

impl Fetcher for HttpFetcher {
    fn fetch_range(&self, url: &str, start: u64, end: Option<u64>) -> Result<Vec<u8>, FetchError> {
        let wanted = match end {
            Some(end) if end <= start => return Ok(Vec::new()),
            Some(end) => Some(end - start),
            None => None,
        };
        let range = match end {
            Some(end) => format!("bytes={start}-{}", end - 1),
            None => format!("bytes={start}-"),
        };
        let response = self
            .agent
            .get(url)
            .header("Range", &range)
            .call()
            .map_err(to_fetch_error)?;
        match response.status().as_u16() {
            206 => {
                let start_ok = response
                    .headers()
                    .get("content-range")
                    .and_then(|v| v.to_str().ok())
                    .and_then(content_range_start)
                    == Some(start);
                if !start_ok {
                    return Err(FetchError::Invalid("206 reply for another range".into()));
                }
            }
            // A whole-body reply is what was asked for only when asking from the start.
            200 if start == 0 => {}
            200 => return Err(FetchError::RangeNotSupported),
            status => return Err(FetchError::Status(status)),
        }
        let mut body = response.into_body().into_reader();
        let mut out = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let room = wanted.map_or(buf.len(), |w| {
                (w - out.len() as u64).min(buf.len() as u64) as usize
            });
            if room == 0 {
                break;
            }
            match body.read(&mut buf[..room]) {
                Ok(0) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                // A connection dropped mid-body: hand back what arrived; the caller resumes
                // from there.
                Err(_) if !out.is_empty() => break,
                Err(e) => return Err(FetchError::Network(e.to_string())),
            }
        }
        Ok(out)
    }
}
