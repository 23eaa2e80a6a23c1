//! The few file-system operations the vault uses, behind a trait so tests can put a
//! fault-injecting, power-loss-simulating file system underneath.
//!
//! All names are plain file names inside one directory (the vault keeps no subdirectories),
//! so a single directory `fsync` makes every rename and removal durable.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;

/// Operations on the files of one directory.
///
/// Each mutating call is one "step" of a write; the crash tests stop or fail the sequence at
/// every step. Durability follows POSIX: data written by `write_new` is durable only after
/// `sync_file`; a create, `rename` or `remove` is durable only after `sync_dir`.
pub(crate) trait VaultFs: Send + Sync {
    /// The names of the files in the directory.
    fn list(&self) -> io::Result<Vec<String>>;
    /// The whole content of a file.
    fn read(&self, name: &str) -> io::Result<Vec<u8>>;
    /// Creates (or truncates) a file and writes `bytes` to it.
    fn write_new(&self, name: &str, bytes: &[u8]) -> io::Result<()>;
    /// Makes a file's content durable (`fsync`).
    fn sync_file(&self, name: &str) -> io::Result<()>;
    /// Atomically renames `from` to `to`, replacing `to` if it exists.
    fn rename(&self, from: &str, to: &str) -> io::Result<()>;
    /// Removes a file.
    fn remove(&self, name: &str) -> io::Result<()>;
    /// Makes the directory's entries durable (`fsync` on the directory).
    fn sync_dir(&self) -> io::Result<()>;
}

/// Suffix of a file being written; such a file is never the only copy of anything, so
/// whatever is left of one after a crash is deleted.
pub(crate) const TEMP_SUFFIX: &str = ".tmp";

/// Replaces (or creates) `name` with `bytes` so that after a crash at any point the file
/// holds either its old content or all of `bytes`, never a mix: write a temporary file in
/// the same directory, fsync it, rename it over `name`, fsync the directory.
pub(crate) fn write_atomically(fs: &dyn VaultFs, name: &str, bytes: &[u8]) -> io::Result<()> {
    let temp = format!("{name}{TEMP_SUFFIX}");
    fs.write_new(&temp, bytes)?;
    fs.sync_file(&temp)?;
    fs.rename(&temp, name)?;
    fs.sync_dir()
}

/// The real file system, rooted at one directory.
pub(crate) struct OsFs {
    dir: PathBuf,
}

impl OsFs {
    /// Operates on the files of `dir` (which must exist).
    pub(crate) fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The directory.
    pub(crate) fn dir(&self) -> &std::path::Path {
        &self.dir
    }
}

impl VaultFs for OsFs {
    fn list(&self) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            let entry = entry?;
            // Names that are not UTF-8 cannot be ours; skip them rather than fail.
            if let Ok(name) = entry.file_name().into_string() {
                if entry.file_type()?.is_file() {
                    names.push(name);
                }
            }
        }
        Ok(names)
    }

    fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        fs::read(self.dir.join(name))
    }

    fn write_new(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            // Only this app's user may read vault files and keys.
            options.mode(0o600);
        }
        options.open(self.dir.join(name))?.write_all(bytes)
    }

    fn sync_file(&self, name: &str) -> io::Result<()> {
        // fsync acts on the file, not the descriptor, so a fresh descriptor is enough;
        // write access is needed for FlushFileBuffers on Windows.
        OpenOptions::new()
            .write(true)
            .open(self.dir.join(name))?
            .sync_all()
    }

    fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        fs::rename(self.dir.join(from), self.dir.join(to))
    }

    fn remove(&self, name: &str) -> io::Result<()> {
        fs::remove_file(self.dir.join(name))
    }

    fn sync_dir(&self) -> io::Result<()> {
        #[cfg(unix)]
        {
            fs::File::open(&self.dir)?.sync_all()
        }
        // Windows cannot open a directory for fsync; NTFS journals renames itself.
        #[cfg(not(unix))]
        {
            Ok(())
        }
    }
}
