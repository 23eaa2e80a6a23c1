//! The demo's development keys, cached between runs: the INSECURE setup of the full-size
//! statements takes minutes, and its result depends only on the circuit and the seed.
//!
//! An entry is `<id>.zpk` and `<id>.sha3` under `$XDG_CACHE_HOME/zkbio/demo-keys` (else
//! `$HOME/.cache/zkbio/demo-keys`), where `id` is the SHA3-256 of the circuit's `.r1cs` encoding
//! and the setup seed, so another circuit or seed never hits. A hit is used only if the key file
//! still has the SHA3-256 recorded when it was written (one pass over the mapped file); a
//! mismatch says so, removes the entry and sets up afresh. `--fresh` ignores the cache and
//! overwrites the entry.

use crate::report::{phase, step_progress, Measured};
use sha3::{Digest, Sha3_256};
use std::path::{Path, PathBuf};
use zkbio_circuits::builder::R1cs;
use zkbio_circuits::circom::r1cs as r1cs_file;
use zkbio_core::groth16::dev_setup_insecure_with_progress;
use zkbio_core::groth16::key_file::{write_key_with_origin, MappedKey};
use zkbio_core::groth16::KeyOrigin;

/// Where the demo keeps its development keys.
pub struct KeyCache {
    /// The cache directory; `None` when no home or cache directory is known.
    dir: Option<PathBuf>,
    /// Ignore what is cached (and overwrite it).
    fresh: bool,
}

impl KeyCache {
    /// The cache under `$XDG_CACHE_HOME` or `$HOME/.cache`.
    pub fn from_env(fresh: bool) -> KeyCache {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
        KeyCache {
            dir: base.map(|b| b.join("zkbio").join("demo-keys")),
            fresh,
        }
    }

    /// The mapped development key of `r1cs` from `seed`, as phase `name`: the cached one if its
    /// digest holds, else a fresh setup, written to the cache (or to `fallback` without one).
    pub fn dev_key(
        &self,
        name: &str,
        r1cs: &R1cs,
        seed: [u8; 32],
        fallback: &Path,
        phases: &mut Vec<Measured>,
    ) -> Result<(MappedKey, PathBuf), String> {
        let id = entry_id(r1cs, &seed)?;
        let entry = self.dir.as_ref().map(|d| d.join(&id));
        if let (Some(entry), false) = (&entry, self.fresh) {
            let (hit, m) = phase(&format!("{name}: key cache lookup"), || lookup(entry));
            if let Some(found) = hit? {
                phases.push(m);
                println!("     cached: {} (digest checked)", found.1.display());
                return Ok(found);
            }
        }
        let (pk, m) = phase(name, || {
            dev_setup_insecure_with_progress(r1cs, seed, &step_progress())
        });
        let pk = pk.map_err(|e| e.to_string())?;
        phases.push(m);
        let path = match &entry {
            Some(e) => {
                let dir = e.parent().expect("an entry has a directory");
                std::fs::create_dir_all(dir).map_err(|err| format!("{}: {err}", dir.display()))?;
                e.with_extension("zpk")
            }
            None => fallback.to_path_buf(),
        };
        let part = path.with_extension("zpk.part");
        let f = std::fs::File::create(&part).map_err(|e| format!("{}: {e}", part.display()))?;
        let mut w = std::io::BufWriter::new(f);
        write_key_with_origin(&pk, r1cs.constraints.len(), KeyOrigin::InsecureDev, &mut w)
            .map_err(|e| e.to_string())?;
        drop(w);
        std::fs::rename(&part, &path).map_err(|e| format!("{}: {e}", path.display()))?;
        let key = MappedKey::open(&path).map_err(|e| e.to_string())?;
        if let Some(e) = &entry {
            let digest = hex::encode(key.digest());
            let sha = e.with_extension("sha3");
            std::fs::write(&sha, digest).map_err(|err| format!("{}: {err}", sha.display()))?;
        }
        Ok((key, path))
    }
}

/// The entry name of `r1cs` set up from `seed`.
fn entry_id(r1cs: &R1cs, seed: &[u8; 32]) -> Result<String, String> {
    let mut h = Sha3_256::new();
    h.update(b"zkbio demo key v1");
    h.update(seed);
    h.update(r1cs_file::to_bytes(r1cs).map_err(|e| e.to_string())?);
    Ok(hex::encode(h.finalize()))
}

/// The cached key of `entry` if it is complete and its digest is the recorded one. A corrupt
/// entry is reported and removed (`Ok(None)`: set up again).
fn lookup(entry: &Path) -> Result<Option<(MappedKey, PathBuf)>, String> {
    let (zpk, sha) = (entry.with_extension("zpk"), entry.with_extension("sha3"));
    let Ok(recorded) = std::fs::read_to_string(&sha) else {
        return Ok(None);
    };
    let key = MappedKey::open(&zpk).ok();
    match key {
        Some(key) if hex::encode(key.digest()) == recorded.trim() => Ok(Some((key, zpk))),
        _ => {
            println!(
                "     the cached key {} does not match its recorded digest: setting up again",
                zpk.display()
            );
            let _ = std::fs::remove_file(&sha);
            let _ = std::fs::remove_file(&zpk);
            Ok(None)
        }
    }
}
