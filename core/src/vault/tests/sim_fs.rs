//! A simulated file system that crashes on command and models what survives a crash.
//!
//! Every mutating call (and every key-store create/delete, through [`CrashingKeys`]) is one
//! step. Armed with `crash_at = n`, the n-th step is torn (a write leaves a random prefix;
//! a rename, removal or sync happens or not, by coin flip) and every later call fails, as if
//! the process died there. [`SimFs::reboot`] then builds what a restarted device would find:
//!
//! - after a **power loss**: file data only as far as it was fsynced (unsynced files keep a
//!   random prefix of what was written), and the directory as of its last fsync plus a random
//!   prefix of the later creates/renames/removals (metadata reaches the disk in order);
//! - after a **process kill**: everything the page cache held, with unsynced directory
//!   changes still pending (a later power loss may still drop them).

use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::vault::keys::{InMemoryKeyProvider, KeyError, KeyId, KeyProvider, VaultKey};
use crate::vault::storage::VaultFs;

#[derive(Clone)]
struct Inode {
    data: Vec<u8>,
    synced: Option<Vec<u8>>,
}

#[derive(Clone)]
enum DirOp {
    Link { name: String, inode: usize },
    Rename { from: String, to: String },
    Unlink { name: String },
}

impl DirOp {
    fn apply(&self, dir: &mut BTreeMap<String, usize>) {
        match self {
            DirOp::Link { name, inode } => {
                dir.insert(name.clone(), *inode);
            }
            DirOp::Rename { from, to } => {
                if let Some(inode) = dir.remove(from) {
                    dir.insert(to.clone(), inode);
                }
            }
            DirOp::Unlink { name } => {
                dir.remove(name);
            }
        }
    }
}

#[derive(Clone)]
struct Sim {
    inodes: Vec<Inode>,
    live: BTreeMap<String, usize>,
    durable: BTreeMap<String, usize>,
    pending: Vec<DirOp>,
    steps: u64,
    crash_at: Option<u64>,
    crashed: bool,
    rng: ChaCha8Rng,
}

fn crash_error() -> io::Error {
    io::Error::other("simulated crash")
}

impl Sim {
    fn below(&mut self, n: usize) -> usize {
        (self.rng.next_u64() % n as u64) as usize
    }

    fn coin(&mut self) -> bool {
        self.rng.next_u32() & 1 == 1
    }

    /// Counts a step; `Ok(true)` if this is the step to crash at.
    fn step(&mut self) -> io::Result<bool> {
        if self.crashed {
            return Err(crash_error());
        }
        self.steps += 1;
        Ok(self.crash_at == Some(self.steps))
    }

    fn alive(&self) -> io::Result<()> {
        if self.crashed {
            Err(crash_error())
        } else {
            Ok(())
        }
    }

    fn crash(&mut self) -> io::Error {
        self.crashed = true;
        crash_error()
    }

    fn inode_of(&self, name: &str) -> io::Result<usize> {
        self.live
            .get(name)
            .copied()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, name.to_owned()))
    }

    fn dir_op(&mut self, op: DirOp) {
        op.apply(&mut self.live);
        self.pending.push(op);
    }
}

/// A handle on one simulated disk (clones share it).
#[derive(Clone)]
pub(crate) struct SimFs(Arc<Mutex<Sim>>);

impl SimFs {
    /// An empty disk; `seed` drives every random choice (torn writes, what survives).
    pub(crate) fn new(seed: u64) -> Self {
        Self(Arc::new(Mutex::new(Sim {
            inodes: Vec::new(),
            live: BTreeMap::new(),
            durable: BTreeMap::new(),
            pending: Vec::new(),
            steps: 0,
            crash_at: None,
            crashed: false,
            rng: ChaCha8Rng::seed_from_u64(seed),
        })))
    }

    fn lock(&self) -> MutexGuard<'_, Sim> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An independent copy of this disk, with its own random choices.
    pub(crate) fn fork(&self, seed: u64) -> Self {
        let mut sim = self.lock().clone();
        sim.rng = ChaCha8Rng::seed_from_u64(seed);
        Self(Arc::new(Mutex::new(sim)))
    }

    /// Restarts the step count; the `n`-th step from now crashes (`None`: never).
    pub(crate) fn arm(&self, crash_at: Option<u64>) {
        let mut sim = self.lock();
        sim.steps = 0;
        sim.crash_at = crash_at;
    }

    /// Steps taken since the last `arm`.
    pub(crate) fn steps(&self) -> u64 {
        self.lock().steps
    }

    /// Whether the armed crash happened.
    pub(crate) fn crashed(&self) -> bool {
        self.lock().crashed
    }

    /// The disk a restarted device finds (see the module docs).
    pub(crate) fn reboot(&self, power_loss: bool) -> Self {
        let mut sim = self.lock().clone();
        sim.crashed = false;
        sim.crash_at = None;
        sim.steps = 0;
        if power_loss {
            let kept = sim.below(sim.pending.len() + 1);
            let mut dir = sim.durable.clone();
            for op in &sim.pending[..kept] {
                op.apply(&mut dir);
            }
            for i in 0..sim.inodes.len() {
                let content = match sim.inodes[i].synced.clone() {
                    Some(synced) => synced,
                    None => {
                        let len = sim.below(sim.inodes[i].data.len() + 1);
                        sim.inodes[i].data[..len].to_vec()
                    }
                };
                sim.inodes[i] = Inode {
                    data: content.clone(),
                    synced: Some(content),
                };
            }
            sim.live = dir.clone();
            sim.durable = dir;
            sim.pending.clear();
        }
        Self(Arc::new(Mutex::new(sim)))
    }

    /// Counts a key-store step (create or delete a key). `Ok(true)`: an ordinary step;
    /// `Ok(false)`: the crash step, and the operation happens before the crash; `Err`: the
    /// operation does not happen (the crash step, or the process is already dead).
    fn external_step(&self) -> Result<bool, KeyError> {
        let mut sim = self.lock();
        match sim.step() {
            Err(_) => Err(KeyError::Unavailable("simulated crash".into())),
            Ok(false) => Ok(true),
            Ok(true) => {
                let happens = sim.coin();
                sim.crashed = true;
                if happens {
                    Ok(false)
                } else {
                    Err(KeyError::Unavailable("simulated crash".into()))
                }
            }
        }
    }

    /// Test access to a file's current content.
    pub(crate) fn file(&self, name: &str) -> Option<Vec<u8>> {
        let sim = self.lock();
        sim.live.get(name).map(|&i| sim.inodes[i].data.clone())
    }

    /// Test access: replaces a file's content (durably), as an attacker with disk access would.
    pub(crate) fn overwrite(&self, name: &str, bytes: Vec<u8>) {
        let mut sim = self.lock();
        let inode = sim.inodes.len();
        sim.inodes.push(Inode {
            data: bytes.clone(),
            synced: Some(bytes),
        });
        sim.live.insert(name.to_owned(), inode);
        sim.durable.insert(name.to_owned(), inode);
    }
}

impl VaultFs for SimFs {
    fn list(&self) -> io::Result<Vec<String>> {
        let sim = self.lock();
        sim.alive()?;
        Ok(sim.live.keys().cloned().collect())
    }

    fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        let sim = self.lock();
        sim.alive()?;
        let inode = sim.inode_of(name)?;
        Ok(sim.inodes[inode].data.clone())
    }

    fn write_new(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let mut sim = self.lock();
        let crash = sim.step()?;
        let len = if crash {
            sim.below(bytes.len() + 1)
        } else {
            bytes.len()
        };
        let inode = sim.inodes.len();
        sim.inodes.push(Inode {
            data: bytes[..len].to_vec(),
            synced: None,
        });
        sim.dir_op(DirOp::Link {
            name: name.to_owned(),
            inode,
        });
        if crash {
            return Err(sim.crash());
        }
        Ok(())
    }

    fn sync_file(&self, name: &str) -> io::Result<()> {
        let mut sim = self.lock();
        let crash = sim.step()?;
        let inode = sim.inode_of(name)?;
        if !crash || sim.coin() {
            sim.inodes[inode].synced = Some(sim.inodes[inode].data.clone());
        }
        if crash {
            return Err(sim.crash());
        }
        Ok(())
    }

    fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        let mut sim = self.lock();
        let crash = sim.step()?;
        sim.inode_of(from)?;
        if !crash || sim.coin() {
            sim.dir_op(DirOp::Rename {
                from: from.to_owned(),
                to: to.to_owned(),
            });
        }
        if crash {
            return Err(sim.crash());
        }
        Ok(())
    }

    fn remove(&self, name: &str) -> io::Result<()> {
        let mut sim = self.lock();
        let crash = sim.step()?;
        sim.inode_of(name)?;
        if !crash || sim.coin() {
            sim.dir_op(DirOp::Unlink {
                name: name.to_owned(),
            });
        }
        if crash {
            return Err(sim.crash());
        }
        Ok(())
    }

    fn sync_dir(&self) -> io::Result<()> {
        let mut sim = self.lock();
        let crash = sim.step()?;
        if !crash || sim.coin() {
            sim.durable = sim.live.clone();
            sim.pending.clear();
        }
        if crash {
            return Err(sim.crash());
        }
        Ok(())
    }
}

/// An in-memory key store whose creates and deletes are steps of the simulated disk's crash
/// plan (the key store itself is durable: what it did before the crash stays done).
pub(crate) struct CrashingKeys {
    pub(crate) keys: Arc<InMemoryKeyProvider>,
    pub(crate) fs: SimFs,
}

impl KeyProvider for CrashingKeys {
    fn key(&self, id: KeyId) -> Result<VaultKey, KeyError> {
        self.fs
            .lock()
            .alive()
            .map_err(|_| KeyError::Unavailable("simulated crash".into()))?;
        self.keys.key(id)
    }

    fn create_key(&self, id: KeyId) -> Result<VaultKey, KeyError> {
        let go_on = self.fs.external_step()?;
        let key = self.keys.create_key(id)?;
        if go_on {
            Ok(key)
        } else {
            Err(KeyError::Unavailable("simulated crash".into()))
        }
    }

    fn delete_key(&self, id: KeyId) -> Result<(), KeyError> {
        let go_on = self.fs.external_step()?;
        self.keys.delete_key(id)?;
        if go_on {
            Ok(())
        } else {
            Err(KeyError::Unavailable("simulated crash".into()))
        }
    }
}
