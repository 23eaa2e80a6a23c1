//! A package published as a directory on local disk (desktop tools, tests).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

use super::fetch::Fetcher;
use super::FetchError;

/// Serves the files of one directory: the resource `<any base URL>/<name>` is the file `name`
/// in it. Reads only the asked range, so a large proving key is not re-read per chunk.
#[derive(Clone, Debug)]
pub struct DirFetcher {
    dir: PathBuf,
}

impl DirFetcher {
    /// Serves `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }
}

impl Fetcher for DirFetcher {
    fn fetch_range(&self, url: &str, start: u64, end: Option<u64>) -> Result<Vec<u8>, FetchError> {
        let name = url.rsplit('/').next().unwrap_or_default();
        let path = self.dir.join(name);
        let mut file = File::open(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => FetchError::NotFound(path.display().to_string()),
            // Not retryable: a permission or a directory in the file's place stays as it is.
            _ => FetchError::Invalid(format!("{}: {e}", path.display())),
        })?;
        let io = |e: std::io::Error| FetchError::Network(format!("{name}: {e}"));
        let len = file.metadata().map_err(io)?.len();
        let (start, end) = (start.min(len), end.map_or(len, |e| e.min(len)));
        let mut out = Vec::new();
        if end > start {
            file.seek(SeekFrom::Start(start)).map_err(io)?;
            file.take(end - start).read_to_end(&mut out).map_err(io)?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_come_from_the_named_file_and_stop_at_its_end() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("a.bin"), b"0123456789").expect("write");
        let f = DirFetcher::new(dir.path());
        assert_eq!(
            f.fetch_range("https://x.invalid/p/a.bin", 2, Some(5))
                .unwrap(),
            b"234"
        );
        assert_eq!(f.fetch_range("a.bin", 7, None).unwrap(), b"789");
        assert_eq!(f.fetch_range("a.bin", 8, Some(99)).unwrap(), b"89");
        assert!(f.fetch_range("a.bin", 12, None).unwrap().is_empty());
        let missing = dir.path().join("b.bin").display().to_string();
        let err = f.fetch_range("b.bin", 0, None).unwrap_err();
        assert_eq!(err, FetchError::NotFound(missing.clone()));
        assert_eq!(err.to_string(), format!("{missing} not found"));
        assert!(!err.is_retryable());
    }
}
